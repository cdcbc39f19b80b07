package dev.logitlens.core.run;

import dev.logitlens.core.BuildListener;
import dev.logitlens.core.Sha256;
import dev.logitlens.core.format.RunJson;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.Provenance;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Finished runs on disk, addressed by the hash of everything that decides their numbers (see {@link Key}).
 *
 * <p>Layout: {@code <dir>/runs/<first two hex digits>/<sha256>.json}, each file a {@link RunJson} document.
 * Entries are written to a temporary file in the same folder and renamed into place with an atomic move,
 * so a reader (or a build killed mid-write) sees either the whole entry or none. An entry that cannot be
 * read anyway (a disk that lied, a hand edit) is reported, ignored and rewritten by the next run.
 */
public final class RunCache {
    /** Temporary files older than this are leftovers of a killed build; younger ones may be a live writer's. */
    private static final Duration STALE = Duration.ofHours(1);

    /**
     * What a run's numbers depend on. Two runs with equal keys give equal results, whatever their gallery ids.
     *
     * @param weightsIdentity  {@link #weightsIdentity}: the weights hash, plus the hub commit for hub models
     * @param tokenizerSha256  sha256 of {@code tokenizer.json}
     * @param prompt           the prompt text, exactly
     * @param k                top-k
     * @param layers           the layer selection as written ({@code all}, {@code [0, 5, -1]}, {@code 0:12}):
     *                         the weights identity fixes the layer count, so this fixes the resolved layers
     *                         without loading the model to count them
     * @param dtype            the requested dtype; {@code auto} is qualified by the device kind it resolves on
     * @param collectorVersion {@link dev.logitlens.core.lens.LensCollector#VERSION}
     * @param answers          the answer groups asked for (names, match modes, continuations), "" for none
     */
    public record Key(String weightsIdentity, String tokenizerSha256, String prompt, int k, String layers,
                      String dtype, int collectorVersion, String answers) {
        /** A key without answer groups. */
        public Key(String weightsIdentity, String tokenizerSha256, String prompt, int k, String layers,
                   String dtype, int collectorVersion) {
            this(weightsIdentity, tokenizerSha256, prompt, k, layers, dtype, collectorVersion, "");
        }

        public Key {
            answers = answers == null ? "" : answers;
            Objects.requireNonNull(weightsIdentity, "weightsIdentity");
            Objects.requireNonNull(tokenizerSha256, "tokenizerSha256");
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(layers, "layers");
            Objects.requireNonNull(dtype, "dtype");
        }

        /** Hex sha256 over the fields, each length-prefixed so no two keys can run together. */
        public String hash() {
            MessageDigest md = Sha256.digest();
            List<String> parts = new java.util.ArrayList<>(List.of("logitlens-run-cache/1", weightsIdentity,
                    tokenizerSha256, prompt, Integer.toString(k), layers, dtype, Integer.toString(collectorVersion)));
            if (!answers.isEmpty()) { // only then: keys of runs without answers stay what they were
                parts.add(answers);
            }
            for (String part : parts) {
                byte[] b = part.getBytes(StandardCharsets.UTF_8);
                md.update(ByteBuffer.allocate(4).putInt(b.length).array());
                md.update(b);
            }
            return Sha256.hex(md);
        }
    }

    private final Path dir;
    private final BuildListener listener;

    /** @param dir the cache folder; created when the first entry is written */
    public RunCache(Path dir, BuildListener listener) {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.listener = listener == null ? BuildListener.NONE : listener;
    }

    /** The weights part of a key: the hub commit (when there is one) and the safetensors hash. */
    public static String weightsIdentity(String weightsHash, String hubCommit) {
        return hubCommit == null ? "weights:" + weightsHash : "hub:" + hubCommit + ";weights:" + weightsHash;
    }

    /** Where the entry of {@code key} lives (whether or not it exists). */
    public Path entry(Key key) {
        String h = key.hash();
        return dir.resolve("runs").resolve(h.substring(0, 2)).resolve(h + ".json");
    }

    /**
     * The cached run of {@code key}, or empty when there is none or it is unreadable (then a warning says so
     * and the caller's {@link #put} replaces it).
     */
    public Optional<RunJson.Document> get(Key key) {
        Path file = entry(key);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            listener.warn("cache entry " + file + " cannot be read (" + e.getMessage() + "); recomputing it");
            return Optional.empty();
        }
        try {
            RunJson.Document doc = RunJson.read(bytes, file.toString());
            Provenance p = doc.provenance();
            // The hash already covers these; checking them guards against an entry copied to the wrong name.
            if (!p.prompt().equals(key.prompt()) || p.k() != key.k()) {
                throw new RunJson.RunJsonException(file + ": holds the run of another prompt or k");
            }
            return Optional.of(doc);
        } catch (RuntimeException e) {
            listener.warn("cache entry is corrupt and will be recomputed: " + e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Stores a run atomically. A cache that cannot be written costs time, not results: failures are
     * reported as warnings and the build goes on.
     */
    public void put(Key key, LensResult result, Provenance provenance) {
        put(key, RunJson.write(result, provenance));
    }

    /** Stores a tuned lens's run document (see {@link RunJson#write(LensResult, Provenance, String, float[][])}). */
    public void putTuned(Key key, LensResult result, Provenance provenance, float[][] klToLogitLens) {
        put(key, RunJson.write(result, provenance, RunJson.TUNED, klToLogitLens));
    }

    private void put(Key key, byte[] document) {
        Path file = entry(key);
        Path tmp = null;
        try {
            Files.createDirectories(file.getParent());
            cleanStaleTemps(file.getParent());
            tmp = Files.createTempFile(file.getParent(), file.getFileName().toString() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(document);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true); // the bytes reach the disk before the rename makes them visible
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + dir + " cannot rename atomically; choose another"
                        + " cacheDirectory", e);
            }
            tmp = null;
        } catch (IOException e) {
            listener.warn("cannot write cache entry " + file + " (" + e.getMessage() + "); the run will be"
                    + " recomputed next time");
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless: it never has an entry's name and is cleaned later
                }
            }
        }
    }

    private static void cleanStaleTemps(Path folder) {
        Instant cutoff = Instant.now().minus(STALE);
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(folder, "*.tmp")) {
            for (Path t : temps) {
                FileTime modified = Files.getLastModifiedTime(t);
                if (modified.toInstant().isBefore(cutoff)) {
                    Files.deleteIfExists(t);
                }
            }
        } catch (IOException ignored) {
            // best effort: leftovers only cost disk space
        }
    }

}
