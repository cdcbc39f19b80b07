package dev.logitlens.core.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * HTTP to the hub: the revision listing, a file's metadata, and requests that follow redirects by hand (so
 * the token only goes to the endpoint's own origin) and give up on a stalled connection. The HTTP client is
 * created on the first request.
 */
final class HubClient {
    private static final int MAX_REDIRECTS = 10;
    private static final Pattern SAFE_ETAG = Pattern.compile("[\\w.-]{1,128}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HubOptions options;
    private final URI endpoint;
    private final LongSupplier clock;
    private final long stallNanos;
    private final HubErrors errors;
    private volatile HttpClient client;

    /** @param stallTimeout give up on a request when no headers or body bytes came for this long */
    HubClient(HubOptions options, LongSupplier clock, Duration stallTimeout, HubErrors errors) {
        this.options = options;
        this.endpoint = URI.create(options.endpoint() + "/");
        this.clock = clock;
        this.stallNanos = stallTimeout.toNanos();
        this.errors = errors;
    }

    record Listing(String commit, List<String> siblings) {
    }

    Listing listing(String repo, String rev) {
        return listing(RepoType.MODEL, repo, rev);
    }

    /** {@code /api/models|spaces/{repo}/revision/{rev}}. */
    Listing listing(RepoType type, String repo, String rev) {
        URI uri = endpoint.resolve("api/" + type.apiSegment() + "/" + repo + "/revision/" + encode(rev));
        Exchange<byte[]> ex = request("GET", uri, Map.of(), false, repo, rev,
                info -> HttpResponse.BodySubscribers.ofByteArray(), null);
        if (ex.response().statusCode() != 200) {
            throw errors.status(type, ex.response(), repo, rev, null);
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

    /** Hub metadata of one file at one commit, as huggingface_hub's get_hf_file_metadata reads it. */
    record FileMeta(String etag, long size, URI downloadUri) {
    }

    FileMeta metadata(String repo, String rev, String commit, String file) {
        return metadata(RepoType.MODEL, repo, rev, commit, file);
    }

    FileMeta metadata(RepoType type, String repo, String rev, String commit, String file) {
        URI uri = resolveUri(type, repo, commit, file);
        Exchange<Void> ex = request("HEAD", uri, Map.of("Accept-Encoding", "identity"), true, repo, rev,
                info -> HttpResponse.BodySubscribers.discarding(), null);
        HttpResponse<Void> r = ex.response();
        int status = r.statusCode();
        if (status >= 400) {
            throw errors.status(type, r, repo, rev, file);
        }
        HttpHeaders h = r.headers();
        String etag = etag(h).orElseThrow(() -> new HubException("The hub sent no ETag for " + file + " of " + repo
                + " (commit " + commit + "), so it cannot be cached or verified. Check HF_ENDPOINT and the proxy."));
        if (!SAFE_ETAG.matcher(etag).matches()) {
            throw new HubException("The hub sent an unusable ETag '" + etag + "' for " + file + " of " + repo + ".");
        }
        long size = h.firstValue("X-Linked-Size")
                .or(() -> status < 300 ? h.firstValue("Content-Length") : Optional.empty())
                .map(HubClient::parseLong).orElse(-1L);
        return new FileMeta(etag, size, ex.location() != null ? ex.location() : ex.uri());
    }

    /**
     * A response with the URI that produced it; {@code location} is set when a HEAD stopped at an
     * absolute redirect that already carried the file's ETag (the hub's 302 to its CDN).
     */
    record Exchange<T>(HttpResponse<T> response, URI uri, URI location) {
    }

    /**
     * Sends a request, following redirects by hand so the token only ever goes to the endpoint's
     * own host, port and scheme. Connection failures, drops and stalls become {@link Unreachable}.
     *
     * @param sink where the handler puts the download's sink once it made one, or null
     */
    <T> Exchange<T> request(String method, URI uri, Map<String, String> headers, boolean stopAtLinkedRedirect,
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
                throw errors.unreachable(repo, rev, e);
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

    /** {@code /{repo}/resolve/...} for a model, {@code /spaces/{repo}/resolve/...} for a space. */
    private URI resolveUri(RepoType type, String repo, String commit, String file) {
        StringBuilder path = new StringBuilder(type.urlPrefix()).append(repo).append("/resolve/").append(commit);
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
    static Optional<String> etag(HttpHeaders h) {
        return h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag"))
                .map(e -> e.strip().replaceFirst("^W/", "").replace("\"", ""))
                .filter(e -> !e.isEmpty());
    }

    static long parseLong(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1L;
        }
    }
}
