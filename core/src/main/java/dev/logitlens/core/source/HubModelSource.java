package dev.logitlens.core.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Resolves a Hugging Face hub repo id and revision to a local snapshot directory, through the cache
 * layout of Python's {@code huggingface_hub} (see {@link HubCache}), downloading only what the
 * collector needs and is not cached yet.
 *
 * <p>Network use, in order of preference:
 * <ul>
 *   <li>a full commit hash with a complete snapshot, or a cached {@code refs/<revision>} with a
 *       complete snapshot (unless {@link HubOptions#refreshRefs()}): no request at all;</li>
 *   <li>otherwise one API call ({@code /api/models/{repo}/revision/{rev}}) for the commit and file
 *       list, then per missing file a HEAD for its ETag and size and a GET of the blob unless a
 *       blob with that ETag is already cached.</li>
 * </ul>
 * Instances are thread-safe; the HTTP client is only created when a request is needed.
 */
public final class HubModelSource {

    /** Download attempts per file; each one resumes from the bytes already on disk. */
    static final int MAX_ATTEMPTS = 4;
    private static final int MAX_REDIRECTS = 10;
    private static final Pattern REPO = Pattern.compile("(?:[\\w.-]+/)?[\\w.-]{1,96}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern SAFE_ETAG = Pattern.compile("[\\w.-]{1,128}");
    private static final String TOKEN_HELP = "give a token: set HF_TOKEN, run `huggingface-cli login`, or add"
            + " <server><id>huggingface</id><password>hf_...</password></server> to ~/.m2/settings.xml.";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Guards a lock file within this JVM; FileLock alone throws when the same JVM locks twice. */
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final HubOptions options;
    private final URI endpoint;
    private final LongSupplier clock;
    private final long retryPauseMillis;
    private final long stallNanos;
    private volatile HttpClient client;

    public HubModelSource(HubOptions options) {
        this(options, System::nanoTime, 500, Duration.ofSeconds(60));
    }

    /**
     * @param retryPauseMillis pause before the second attempt of a download, growing linearly
     * @param stallTimeout     give up on a request when no headers or body bytes came for this long
     */
    HubModelSource(HubOptions options, LongSupplier clock, long retryPauseMillis, Duration stallTimeout) {
        this.options = Objects.requireNonNull(options, "options");
        this.endpoint = URI.create(options.endpoint() + "/");
        this.clock = clock;
        this.retryPauseMillis = retryPauseMillis;
        this.stallNanos = stallTimeout.toNanos();
    }

    public HubOptions options() {
        return options;
    }

    /**
     * Returns the snapshot of {@code repo} at {@code revision} (a branch, tag or full commit hash;
     * null or blank means {@code main}), downloading missing files unless offline.
     *
     * @throws HubException naming the repo, revision and remedy when it cannot
     */
    public ResolvedModel resolve(String repo, String revision, HubListener listener) {
        if (repo == null || !REPO.matcher(repo.strip()).matches() || repo.contains("--") || repo.contains("..")) {
            throw new HubException("`repo: " + repo + "` is not a Hugging Face repo id: expected org/name"
                    + " (letters, digits, '-', '_', '.'; no '--' or '..'), e.g. openai-community/gpt2.");
        }
        repo = repo.strip();
        String rev = revision == null || revision.isBlank() ? "main" : revision.strip();
        if (!ModelFiles.safeRelative(rev)) {
            throw new HubException("`revision: " + revision + "` of " + repo
                    + " is not a branch, tag or commit name (no '..', leading '/' or '\\').");
        }
        HubListener out = listener == null ? HubListener.NONE : listener;
        HubCache cache = new HubCache(options.cacheDir(), repo);
        boolean isCommit = HubCache.COMMIT.matcher(rev).matches();
        String cached = isCommit ? rev : cache.readRef(rev);
        List<String> missing = cached == null ? null : ModelFiles.missing(cache.snapshot(cached), repo);
        boolean complete = missing != null && missing.isEmpty();

        if (complete && (isCommit || options.offline() || !options.refreshRefs())) {
            out.info("Model " + repo + "@" + rev + " is commit " + cached + ", in the cache " + cache.repoDir());
            return new ResolvedModel(repo, cached, cache.snapshot(cached));
        }
        if (options.offline()) {
            String what = cached == null ? "refs/" + rev + " (the revision was never resolved in this cache)"
                    : !Files.isDirectory(cache.snapshot(cached)) ? "snapshots/" + cached + " (nothing of that commit)"
                    : String.join(", ", missing);
            throw new HubException("Model " + repo + " (revision " + rev + ") is not complete in the Hugging Face"
                    + " cache " + options.cacheDir() + " and the hub is offline (Maven -o or HF_HUB_OFFLINE=1)."
                    + " Missing: " + what + ". Run once online (without -o, HF_HUB_OFFLINE unset) to download it,"
                    + " or fetch it with `huggingface-cli download " + repo + " --revision " + rev
                    + " --include '*.json' '*.safetensors' tokenizer.model`.");
        }
        try {
            return download(repo, rev, isCommit, cache, out);
        } catch (Unreachable e) {
            if (complete) {
                // As huggingface_hub does: an unreachable hub does not stop a model we already hold.
                out.warn("Cannot reach " + options.endpoint() + " to refresh " + repo + "@" + rev
                        + "; using the cached commit " + cached + ".");
                return new ResolvedModel(repo, cached, cache.snapshot(cached));
            }
            throw e;
        }
    }

    private ResolvedModel download(String repo, String rev, boolean isCommit, HubCache cache, HubListener out) {
        Listing listing = listing(repo, rev);
        String commit = listing.commit();
        ModelFiles.Plan plan = ModelFiles.plan(repo, rev, listing.siblings());
        Path snapshot = cache.snapshot(commit);
        long toFetch = plan.files().stream().filter(f -> !Files.isRegularFile(snapshot.resolve(f))).count();
        out.info("Model " + repo + "@" + rev + " is commit " + commit + " on " + options.endpoint()
                + (toFetch == 0 && !plan.indexed() ? "; all files cached" : "; fetching into " + cache.repoDir()));
        for (String file : plan.files()) {
            ensure(repo, rev, commit, file, cache, out);
        }
        if (plan.indexed()) {
            for (String shard : ModelFiles.shards(snapshot.resolve(ModelFiles.INDEX), repo)) {
                if (!listing.siblings().contains(shard)) {
                    throw new HubException(ModelFiles.INDEX + " of " + repo + " (commit " + commit + ") lists shard "
                            + shard + ", which the repo does not have: the repo is broken at this revision.");
                }
                ensure(repo, rev, commit, shard, cache, out);
            }
        }
        if (!isCommit) {
            cache.writeRef(rev, commit);
        }
        List<String> missing = ModelFiles.missing(snapshot, repo);
        if (!missing.isEmpty()) {
            throw new HubException("Snapshot " + snapshot + " of " + repo + " still lacks " + missing
                    + " after downloading; remove it and run again.");
        }
        return new ResolvedModel(repo, commit, snapshot);
    }

    // ---- listing ------------------------------------------------------------------------------

    private record Listing(String commit, List<String> siblings) {
    }

    private Listing listing(String repo, String rev) {
        URI uri = endpoint.resolve("api/models/" + repo + "/revision/" + encode(rev));
        Exchange<byte[]> ex = request("GET", uri, Map.of(), false, repo, rev,
                info -> HttpResponse.BodySubscribers.ofByteArray(), null);
        if (ex.response().statusCode() != 200) {
            throw statusError(ex.response(), repo, rev, null);
        }
        byte[] body = ex.response().body();
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (IOException e) {
            throw new HubException("The hub at " + options.endpoint() + " answered the listing of " + repo
                    + " (revision " + rev + ") with invalid JSON: " + e.getMessage()
                    + ". Check HF_ENDPOINT and the proxy.", e);
        }
        String sha = json.path("sha").asText("");
        if (!HubCache.COMMIT.matcher(sha).matches()) {
            throw new HubException("The hub at " + options.endpoint() + " listed " + repo + " (revision " + rev
                    + ") without a commit hash in `sha`. Check HF_ENDPOINT.");
        }
        List<String> siblings = new ArrayList<>();
        for (JsonNode s : json.path("siblings")) {
            String name = s.path("rfilename").asText("");
            if (ModelFiles.safeRelative(name)) {
                siblings.add(name);
            }
        }
        return new Listing(sha, List.copyOf(siblings));
    }

    // ---- files --------------------------------------------------------------------------------

    /** Hub metadata of one file at one commit, as huggingface_hub's get_hf_file_metadata reads it. */
    private record FileMeta(String etag, long size, URI downloadUri) {
    }

    private void ensure(String repo, String rev, String commit, String file, HubCache cache, HubListener out) {
        Path pointer = cache.snapshot(commit).resolve(file);
        if (Files.isRegularFile(pointer)) {
            return;
        }
        FileMeta meta = metadata(repo, rev, commit, file);
        Path blob = cache.blob(meta.etag());
        try {
            if (!Files.isRegularFile(blob)) {
                withLock(options.cacheDir().resolve(".locks").resolve(HubCache.folderName(repo))
                        .resolve(meta.etag() + ".lock"), () -> {
                            if (!Files.isRegularFile(blob)) { // another process may have finished it meanwhile
                                downloadBlob(repo, rev, commit, file, meta, blob, out);
                            }
                        });
            }
            cache.link(blob, pointer);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file + " of " + repo + " into the cache "
                    + cache.repoDir() + ": " + e.getMessage(), e);
        }
    }

    private FileMeta metadata(String repo, String rev, String commit, String file) {
        URI uri = resolveUri(repo, commit, file);
        Exchange<Void> ex = request("HEAD", uri, Map.of("Accept-Encoding", "identity"), true, repo, rev,
                info -> HttpResponse.BodySubscribers.discarding(), null);
        HttpResponse<Void> r = ex.response();
        int status = r.statusCode();
        if (status >= 400) {
            throw statusError(r, repo, rev, file);
        }
        HttpHeaders h = r.headers();
        String etag = etag(h).orElseThrow(() -> new HubException("The hub sent no ETag for " + file + " of " + repo
                + " (commit " + commit + "), so it cannot be cached or verified. Check HF_ENDPOINT and the proxy."));
        if (!SAFE_ETAG.matcher(etag).matches()) {
            throw new HubException("The hub sent an unusable ETag '" + etag + "' for " + file + " of " + repo + ".");
        }
        long size = h.firstValue("X-Linked-Size")
                .or(() -> status < 300 ? h.firstValue("Content-Length") : Optional.empty())
                .map(HubModelSource::parseLong).orElse(-1L);
        return new FileMeta(etag, size, ex.location() != null ? ex.location() : ex.uri());
    }

    private void downloadBlob(String repo, String rev, String commit, String file, FileMeta meta, Path blob,
                              HubListener out) throws IOException {
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
            Exchange<Void> ex;
            try {
                ex = request("GET", meta.downloadUri(), headers, false, repo, rev, handler, sink);
            } catch (Unreachable e) {
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
                throw statusError(ex.response(), repo, rev, file);
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
                    + redact(String.valueOf(last == null ? "" : last.getMessage()))
                    + ". Run again to resume; check the network and the proxy.", last);
        }
        long got = Files.size(partial);
        if (size >= 0 && got != size) {
            Files.delete(partial);
            throw new HubException("Download of " + file + " of " + repo + " (commit " + commit + ") has " + got
                    + " bytes where the hub announced " + size + "; it was deleted. Run again.");
        }
        if (SHA256.matcher(meta.etag()).matches()) {
            String actual = sha256(partial);
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

    // ---- HTTP ---------------------------------------------------------------------------------

    /**
     * A response with the URI that produced it; {@code location} is set when a HEAD stopped at an
     * absolute redirect that already carried the file's ETag (the hub's 302 to its CDN).
     */
    private record Exchange<T>(HttpResponse<T> response, URI uri, URI location) {
    }

    /**
     * Sends a request, following redirects by hand so the token only ever goes to the endpoint's
     * own host, port and scheme. Connection failures, drops and stalls become {@link Unreachable}.
     *
     * @param sink where the handler puts the download's sink once it made one, or null
     */
    private <T> Exchange<T> request(String method, URI uri, Map<String, String> headers, boolean stopAtLinkedRedirect,
                                    String repo, String rev, HttpResponse.BodyHandler<T> handler,
                                    AtomicReference<FileSink> sink) {
        HttpResponse.BodyHandler<T> skipRedirects = info -> info.statusCode() >= 300 && info.statusCode() < 400
                && info.headers().firstValue("Location").isPresent()
                ? HttpResponse.BodySubscribers.replacing(null)
                : handler.apply(info);
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .header("User-Agent", "logitlens (java; huggingface_hub-compatible)");
            headers.forEach(b::header);
            if (options.token() != null && sameOrigin(uri, endpoint)) {
                b.header("Authorization", "Bearer " + options.token());
            }
            HttpResponse<T> r;
            try {
                r = await(b.build(), skipRedirects, sink);
            } catch (IOException e) {
                throw unreachable(repo, rev, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HubException("Interrupted while fetching " + repo + " (revision " + rev + ").", e);
            }
            int status = r.statusCode();
            Optional<String> location = r.headers().firstValue("Location");
            if (status < 300 || status >= 400 || location.isEmpty()) {
                return new Exchange<>(r, uri, null);
            }
            URI target;
            try {
                target = URI.create(location.get().strip());
            } catch (IllegalArgumentException e) {
                throw new HubException("The hub redirected " + uri + " to an invalid location: " + e.getMessage());
            }
            URI next = uri.resolve(target);
            // Like huggingface_hub: a Location with a host is "absolute" (the hub's CDN), else relative.
            boolean absolute = target.getHost() != null;
            if (stopAtLinkedRedirect && absolute && etag(r.headers()).isPresent()) {
                return new Exchange<>(r, uri, next);
            }
            if (hop >= MAX_REDIRECTS) {
                throw new HubException("More than " + MAX_REDIRECTS + " redirects fetching " + repo + " (revision "
                        + rev + ") from " + options.endpoint() + ".");
            }
            uri = next;
        }
    }

    /** Sends and waits, giving up when neither headers nor body bytes arrived for {@link #stallNanos}. */
    private <T> HttpResponse<T> await(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                      AtomicReference<FileSink> sink) throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<T>> f = client().sendAsync(request, handler);
        long since = clock.getAsLong();
        while (true) {
            try {
                return f.get(200, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                FileSink s = sink == null ? null : sink.get();
                long last = s == null ? since : Math.max(since, s.lastActivity());
                if (clock.getAsLong() - last > stallNanos) {
                    if (s != null) {
                        s.cancel();
                    }
                    f.cancel(true);
                    throw new HttpTimeoutException("no data for " + stallNanos / 1_000_000_000L + " s");
                }
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof IOException io) {
                    throw io;
                }
                if (c instanceof UncheckedIOException u) {
                    throw u.getCause();
                }
                throw new IOException(c);
            } catch (InterruptedException e) {
                f.cancel(true);
                throw e;
            }
        }
    }

    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                c = client;
                if (c == null) {
                    HttpClient.Builder b = HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .followRedirects(HttpClient.Redirect.NEVER)
                            .connectTimeout(Duration.ofSeconds(30));
                    if (options.proxy() != null) {
                        b.proxy(options.proxy());
                    }
                    if (options.proxyAuthenticator() != null) {
                        b.authenticator(options.proxyAuthenticator());
                    }
                    client = c = b.build();
                }
            }
        }
        return c;
    }

    private URI resolveUri(String repo, String commit, String file) {
        StringBuilder path = new StringBuilder(repo).append("/resolve/").append(commit);
        for (String part : file.split("/")) {
            path.append('/').append(encode(part));
        }
        return endpoint.resolve(path.toString());
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /** Percent-encodes one URL path segment, like Python's {@code quote(s, safe="")}. */
    static String encode(String segment) {
        StringBuilder sb = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                sb.append(c);
            } else {
                sb.append('%').append(String.format(Locale.ROOT, "%02X", (int) c));
            }
        }
        return sb.toString();
    }

    /** X-Linked-Etag (the LFS sha256) else ETag, without W/ and quotes, as huggingface_hub normalises it. */
    private static Optional<String> etag(HttpHeaders h) {
        return h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag"))
                .map(e -> e.strip().replaceFirst("^W/", "").replace("\"", ""))
                .filter(e -> !e.isEmpty());
    }

    private static long rangeStart(HttpHeaders h) {
        // Content-Range: bytes 100-199/200
        return h.firstValue("Content-Range")
                .map(v -> v.replaceFirst("^\\s*bytes\\s+", ""))
                .map(v -> v.contains("-") ? parseLong(v.substring(0, v.indexOf('-'))) : -1L)
                .orElse(-1L);
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1L;
        }
    }

    // ---- errors -------------------------------------------------------------------------------

    /** The hub could not be reached at all (as opposed to answering with an error). */
    private static final class Unreachable extends HubException {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private HubException unreachable(String repo, String rev, IOException e) {
        String why = e instanceof HttpConnectTimeoutException ? "connection timed out"
                : e instanceof ConnectException ? "connection refused or host unknown"
                : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        return new Unreachable("Cannot reach the Hugging Face hub at " + options.endpoint() + " for " + repo
                + " (revision " + rev + "): " + redact(why) + ". Check the network and the proxy (settings.xml"
                + " <proxies>); to use what is cached only, run offline (Maven -o or HF_HUB_OFFLINE=1).", e);
    }

    private HubException statusError(HttpResponse<?> r, String repo, String rev, String file) {
        int status = r.statusCode();
        String code = r.headers().firstValue("X-Error-Code").orElse("");
        String page = options.endpoint() + "/" + repo;
        String msg;
        if ("RepositoryNotFound".equals(code) || (status == 404 && file == null && !"RevisionNotFound".equals(code))) {
            msg = "Model " + repo + " (revision " + rev + ") was not found on " + options.endpoint() + " (HTTP "
                    + status + "): check the spelling of `repo:` and `revision:` in the gallery, e.g."
                    + " openai-community/gpt2. If the model is private, " + TOKEN_HELP;
        } else if (status == 401 || status == 403) {
            msg = "Access to " + repo + " was refused (HTTP " + status + "): the model is gated or private. ";
            if (options.token() == null) {
                msg += "Accept its licence on " + page + " and " + TOKEN_HELP;
            } else {
                msg += "The token from " + options.tokenSource() + " does not grant access: accept the licence on "
                        + page + " with that account, or " + TOKEN_HELP;
            }
        } else if (status == 404 && "RevisionNotFound".equals(code)) {
            msg = "Revision '" + rev + "' of " + repo + " was not found on " + options.endpoint()
                    + " (HTTP 404): check `revision:` in the gallery; it must be a branch, a tag or a full commit hash.";
        } else if (status == 404) {
            msg = "File " + file + " of " + repo + " (revision " + rev + ") was not found on " + options.endpoint()
                    + " (HTTP 404) although the repo lists it; run again, and report it to the repo's owners if it"
                    + " persists.";
        } else {
            msg = "The hub at " + options.endpoint() + " answered HTTP " + status + " for "
                    + (file == null ? "the listing" : file) + " of " + repo + " (revision " + rev + ")"
                    + r.headers().firstValue("X-Error-Message").map(m -> ": " + m).orElse("")
                    + ". Try again later" + (status == 407 ? "; HTTP 407 means the proxy in settings.xml wants"
                    + " credentials (<username>, <password>)" : "") + ".";
        }
        return new HubException(redact(msg));
    }

    /** Belt and braces: nothing the server echoes back may carry our token into a message. */
    private String redact(String s) {
        return options.token() == null ? s : s.replace(options.token(), "hf_***");
    }

    // ---- files on disk ------------------------------------------------------------------------

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

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("The JDK lacks SHA-256", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) >= 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
