package dev.logitlens.core.source;

import dev.logitlens.core.BuildListener;
import dev.logitlens.core.Sha256;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Downloads one blob into the cache: resumed with Range requests after a drop, checked against the size
 * and sha256 the hub announced, moved into place only when complete, and serialised across threads and
 * processes by a lock file.
 */
final class BlobDownloader {
    /** Download attempts per file; each one resumes from the bytes already on disk. */
    static final int MAX_ATTEMPTS = 4;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** Guards a lock file within this JVM; FileLock alone throws when the same JVM locks twice. */
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final HubClient http;
    private final HubErrors errors;
    private final LongSupplier clock;
    private final long retryPauseMillis;

    /** @param retryPauseMillis pause before the second attempt of a download, growing linearly */
    BlobDownloader(HubClient http, HubErrors errors, LongSupplier clock, long retryPauseMillis) {
        this.http = http;
        this.errors = errors;
        this.clock = clock;
        this.retryPauseMillis = retryPauseMillis;
    }

    /** Makes sure {@code blob} holds the file, downloading it under {@code lockFile} unless another run did. */
    void fetch(String repo, String rev, String commit, String file, HubClient.FileMeta meta, Path blob,
               Path lockFile, BuildListener out) throws IOException {
        withLock(lockFile, () -> {
            if (!Files.isRegularFile(blob)) { // another process may have finished it meanwhile
                download(repo, rev, commit, file, meta, blob, out);
            }
        });
    }

    private void download(String repo, String rev, String commit, String file, HubClient.FileMeta meta,
                          Path blob, BuildListener out) throws IOException {
        Files.createDirectories(blob.getParent());
        Path partial = blob.resolveSibling(blob.getFileName() + ".incomplete");
        long size = meta.size();
        Exception last = null;
        boolean done = false;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS && !done; attempt++) {
            if (attempt > 1) {
                pause(attempt);
            }
            long have = Files.isRegularFile(partial) ? Files.size(partial) : 0;
            if (size >= 0 && have > size) {
                Files.delete(partial);
                have = 0;
            }
            if (size > 0 && have == size) {
                done = true; // an earlier run got every byte but stopped before verifying
                break;
            }
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("Accept-Encoding", "identity");
            if (have > 0) {
                headers.put("Range", "bytes=" + have + "-");
            }
            long from = have;
            AtomicReference<FileSink> sink = new AtomicReference<>();
            // Decide from the status line where the bytes go: appended after a matching 206, from
            // scratch after a 200, nowhere otherwise.
            HttpResponse.BodyHandler<Void> handler = info -> {
                int st = info.statusCode();
                if (st != 200 && !(st == 206 && rangeStart(info.headers()) == from)) {
                    return HttpResponse.BodySubscribers.discarding();
                }
                try {
                    FileSink fs = new FileSink(partial, st == 206,
                            new Progress(file, size, st == 206 ? from : 0, out, clock), clock);
                    sink.set(fs);
                    return fs;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
            HubClient.Exchange<Void> ex;
            try {
                ex = http.request("GET", meta.downloadUri(), headers, false, repo, rev, handler, sink);
            } catch (HubErrors.Unreachable e) {
                last = e.getCause() != null ? (Exception) e.getCause() : e;
                if (sink.get() != null) {
                    out.info("  " + file + ": connection lost at " + Progress.bytes(Files.size(partial))
                            + (size >= 0 ? " of " + Progress.bytes(size) : "")
                            + (attempt < MAX_ATTEMPTS ? ", resuming (attempt " + (attempt + 1) + " of "
                            + MAX_ATTEMPTS + ")" : ""));
                }
                continue;
            } finally {
                if (sink.get() != null) {
                    sink.get().close();
                }
            }
            int status = ex.response().statusCode();
            if (status == 416 || (status == 206 && sink.get() == null)) {
                Files.deleteIfExists(partial); // the server disagrees about what we hold: start over
                last = new IOException("HTTP " + status + " to Range bytes=" + have + "-");
                continue;
            }
            if (sink.get() == null) {
                throw errors.status(ex.response(), repo, rev, file);
            }
            Progress progress = sink.get().progress();
            long got = Files.size(partial);
            if (size >= 0 && got < size) {
                last = new IOException("the stream ended at " + got + " of " + size + " bytes");
                continue;
            }
            progress.finish();
            done = true;
        }
        if (!done) {
            long kept = Files.isRegularFile(partial) ? Files.size(partial) : 0;
            throw new HubException("Download of " + file + " of " + repo + " (commit " + commit + ") failed after "
                    + MAX_ATTEMPTS + " attempts (" + Progress.bytes(kept) + " kept in " + partial + "): "
                    + errors.redact(String.valueOf(last == null ? "" : last.getMessage()))
                    + ". Run again to resume; check the network and the proxy.", last);
        }
        long got = Files.size(partial);
        if (size >= 0 && got != size) {
            Files.delete(partial);
            throw new HubException("Download of " + file + " of " + repo + " (commit " + commit + ") has " + got
                    + " bytes where the hub announced " + size + "; it was deleted. Run again.");
        }
        if (SHA256.matcher(meta.etag()).matches()) {
            String actual = Sha256.of(partial);
            if (!actual.equals(meta.etag())) {
                Files.delete(partial);
                throw new HubException("Checksum mismatch for " + file + " of " + repo + " (commit " + commit
                        + "): expected sha256 " + meta.etag() + " (the hub's ETag), got " + actual
                        + ". The corrupted download was deleted; run again, and if it persists check for a proxy"
                        + " that alters downloads.");
            }
        }
        HubCache.moveAtomically(partial, blob);
    }

    private void pause(int attempt) {
        try {
            Thread.sleep(retryPauseMillis * (attempt - 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException("Interrupted while waiting to resume a download.", e);
        }
    }

    private static long rangeStart(HttpHeaders h) {
        // Content-Range: bytes 100-199/200
        return h.firstValue("Content-Range")
                .map(v -> v.replaceFirst("^\\s*bytes\\s+", ""))
                .map(v -> v.contains("-") ? HubClient.parseLong(v.substring(0, v.indexOf('-'))) : -1L)
                .orElse(-1L);
    }

    private interface IoAction {
        void run() throws IOException;
    }

    /**
     * Serialises downloads of one blob across threads and Java processes, with the lock file where
     * huggingface_hub keeps its own ({@code .locks/models--org--name/<etag>.lock}).
     */
    private static void withLock(Path lockFile, IoAction action) throws IOException {
        Files.createDirectories(lockFile.getParent());
        ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(lockFile.toAbsolutePath().normalize(), p -> new ReentrantLock());
        jvm.lock();
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            action.run();
        } finally {
            jvm.unlock();
        }
    }
}
