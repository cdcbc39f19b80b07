package dev.logitlens.core.source;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Hugging Face hub on 127.0.0.1 with the real URL scheme and headers:
 * <ul>
 *   <li>{@code GET /api/models/{repo}/revision/{rev}}: JSON with {@code sha} and {@code siblings};</li>
 *   <li>{@code HEAD|GET /{repo}/resolve/{rev}/{file}}: for LFS files (*.safetensors) a 302 to an
 *       absolute CDN URL on host {@code localhost} with {@code X-Linked-Etag} (sha256) and
 *       {@code X-Linked-Size}; for other files a 307 to a relative {@code /api/resolve-cache/...}
 *       URL answering with a weak git-sha1 {@code ETag} and {@code Content-Length};</li>
 *   <li>{@code GET /cdn/{sha256}}: the bytes, honouring {@code Range: bytes=N-};</li>
 *   <li>spaces ({@link #space}) the same under {@code /api/spaces/{repo}} and {@code /spaces/{repo}/resolve/}.</li>
 * </ul>
 * Gated repos want {@code Authorization: Bearer <token>} (401 without, 403 with a wrong one), as
 * the hub answers with {@code X-Error-Code} headers. Every request is recorded.
 */
final class FakeHub implements AutoCloseable {

    record Request(String method, String path, String host, String authorization, String range) {
    }

    static final class Repo {
        final String id;
        final Map<String, String> refs = new ConcurrentHashMap<>();
        final Map<String, Map<String, byte[]>> commits = new ConcurrentHashMap<>();
        volatile String token;

        Repo(String id) {
            this.id = id;
        }

        /** Adds a commit holding {@code files} and points {@code branch} at it; returns the commit. */
        String commit(String branch, Map<String, byte[]> files) {
            String commit = sha1((id + "|" + branch + "|" + commits.size() + "|" + files.keySet())
                    .getBytes(StandardCharsets.UTF_8));
            commits.put(commit, new LinkedHashMap<>(files));
            refs.put(branch, commit);
            return commit;
        }

        Repo gated(String requiredToken) {
            this.token = requiredToken;
            return this;
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    volatile boolean failAll;
    /** File name -> how many more GETs of its blob are cut off after {@link #dropAfter} bytes. */
    final Map<String, AtomicInteger> drops = new ConcurrentHashMap<>();
    volatile int dropAfter = 5000;
    /** When set, a cut-off transfer hangs for a while before the connection goes. */
    volatile boolean stall;
    /** File names served with one byte flipped (the ETag stays that of the good bytes). */
    final Set<String> corrupt = ConcurrentHashMap.newKeySet();

    FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    String endpoint() {
        return "http://127.0.0.1:" + port();
    }

    Repo repo(String id) {
        return repos.computeIfAbsent(id, Repo::new);
    }

    /** A space repo: kept under the key {@code spaces/<id>}, which is also its URL path. */
    Repo space(String id) {
        return repos.computeIfAbsent(SPACES + id, k -> new Repo(id));
    }

    private static final String SPACES = "spaces/";

    List<Request> requests(String method, String pathPrefix) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().startsWith(pathPrefix)).toList();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- content helpers ----------------------------------------------------------------------

    static String sha256(byte[] b) {
        return hex("SHA-256", b);
    }

    /** Git's blob id, which the hub sends as ETag of non-LFS files. */
    static String gitOid(byte[] b) {
        byte[] head = ("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + b.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(b, 0, all, head.length, b.length);
        return sha1(all);
    }

    static String sha1(byte[] b) {
        return hex("SHA-1", b);
    }

    private static String hex(String algo, byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algo).digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean isLfs(String file) {
        return file.endsWith(".safetensors") || file.endsWith(".bin") || file.endsWith(".pt") || file.endsWith(".h5")
                || file.endsWith(".msgpack") || file.endsWith(".onnx");
    }

    static byte[] corrupted(byte[] b) {
        byte[] c = b.clone();
        c[c.length / 2] ^= 0x5a;
        return c;
    }

    /** A valid safetensors file: one F32 tensor {@code name} of {@code rows x cols}, values from {@code seed}. */
    static byte[] safetensors(String name, int rows, int cols, int seed) {
        int n = rows * cols * 4;
        StringBuilder header = new StringBuilder("{\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[" + rows + ","
                + cols + "],\"data_offsets\":[0," + n + "]}}");
        while (header.length() % 8 != 0) {
            header.append(' ');
        }
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + n).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h);
        for (int i = 0; i < rows * cols; i++) {
            buf.putFloat((float) Math.sin(seed + i * 0.01));
        }
        return buf.array();
    }

    /** config, tokenizer, weights, plus formats that must never be fetched. */
    static Map<String, byte[]> tinyCheckpoint(int seed) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("config.json", utf8("{\"model_type\":\"gpt2\",\"n_layer\":2,\"n_embd\":64,\"vocab_size\":128}"));
        files.put("generation_config.json", utf8("{\"bos_token_id\":0,\"eos_token_id\":0}"));
        files.put("tokenizer.json", utf8("{\"version\":\"1.0\",\"model\":{\"type\":\"WordLevel\","
                + "\"vocab\":{\"a\":0,\"b\":1},\"unk_token\":\"a\"}}"));
        files.put("tokenizer_config.json", utf8("{\"model_max_length\":1024}"));
        files.put("model.safetensors", safetensors("wte.weight", 128, 64, seed));
        files.put("pytorch_model.bin", utf8("not fetched " + seed));
        files.put("tf_model.h5", utf8("not fetched"));
        files.put("flax_model.msgpack", utf8("not fetched"));
        files.put("onnx/model.onnx", utf8("not fetched"));
        files.put("README.md", utf8("# tiny"));
        return files;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- HTTP ---------------------------------------------------------------------------------

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            Headers in = ex.getRequestHeaders();
            requests.add(new Request(ex.getRequestMethod(), path, in.getFirst("Host"), in.getFirst("Authorization"),
                    in.getFirst("Range")));
            if (failAll) {
                send(ex, 500, "{\"error\":\"this hub fails every request\"}");
                return;
            }
            if (path.startsWith("/api/models/")) {
                listing(ex, "", path.substring("/api/models/".length()));
            } else if (path.startsWith("/api/spaces/")) {
                listing(ex, SPACES, path.substring("/api/spaces/".length()));
            } else if (path.startsWith("/api/resolve-cache/models/")) {
                resolveCache(ex, "", path.substring("/api/resolve-cache/models/".length()));
            } else if (path.startsWith("/api/resolve-cache/spaces/")) {
                resolveCache(ex, SPACES, path.substring("/api/resolve-cache/spaces/".length()));
            } else if (path.startsWith("/cdn/")) {
                cdn(ex, path.substring("/cdn/".length()));
            } else if (path.contains("/resolve/")) {
                resolve(ex, path.substring(1));
            } else {
                send(ex, 404, "{\"error\":\"no route\"}");
            }
        }
    }

    private void listing(HttpExchange ex, String kind, String rest) throws IOException {
        int i = rest.indexOf("/revision/");
        Repo repo = repos.get(kind + rest.substring(0, Math.max(i, 0)));
        if (!authorized(ex, repo)) {
            return;
        }
        String rev = URLDecoder.decode(rest.substring(i + "/revision/".length()), StandardCharsets.UTF_8);
        String commit = commitOf(ex, repo, rev);
        if (commit == null) {
            return;
        }
        StringBuilder json = new StringBuilder("{\"_id\":\"x\",\"id\":\"" + repo.id + "\",\"modelId\":\"" + repo.id
                + "\",\"sha\":\"" + commit + "\",\"private\":false,\"siblings\":[");
        List<String> names = new ArrayList<>(repo.commits.get(commit).keySet());
        for (int k = 0; k < names.size(); k++) {
            json.append(k == 0 ? "" : ",").append("{\"rfilename\":\"").append(names.get(k)).append("\"}");
        }
        json.append("]}");
        ex.getResponseHeaders().set("X-Repo-Commit", commit);
        send(ex, 200, json.toString());
    }

    private void resolve(HttpExchange ex, String rest) throws IOException {
        int i = rest.indexOf("/resolve/");
        Repo repo = repos.get(rest.substring(0, i));
        if (!authorized(ex, repo)) {
            return;
        }
        String after = rest.substring(i + "/resolve/".length());
        String rev = URLDecoder.decode(after.substring(0, after.indexOf('/')), StandardCharsets.UTF_8);
        String file = URLDecoder.decode(after.substring(after.indexOf('/') + 1), StandardCharsets.UTF_8);
        String commit = commitOf(ex, repo, rev);
        if (commit == null) {
            return;
        }
        byte[] content = repo.commits.get(commit).get(file);
        if (content == null) {
            ex.getResponseHeaders().set("X-Error-Code", "EntryNotFound");
            send(ex, 404, "{\"error\":\"Entry not found\"}");
            return;
        }
        Headers h = ex.getResponseHeaders();
        h.set("X-Repo-Commit", commit);
        if (isLfs(file)) {
            h.set("X-Linked-Etag", "\"" + sha256(content) + "\"");
            h.set("X-Linked-Size", Long.toString(content.length));
            h.set("ETag", "\"" + gitOid(content) + "\"");
            // Another host name of this same server: a client must not send the token there.
            h.set("Location", "http://localhost:" + port() + "/cdn/" + sha256(content) + "?name=" + file);
            send(ex, 302, "");
        } else {
            h.set("Location", "/api/resolve-cache/" + (rest.startsWith(SPACES) ? "spaces/" : "models/") + repo.id
                    + "/" + commit + "/" + file);
            send(ex, 307, "");
        }
    }

    private void resolveCache(HttpExchange ex, String kind, String rest) throws IOException {
        String[] p = rest.split("/", 4);
        Repo repo = repos.get(kind + p[0] + "/" + p[1]);
        if (!authorized(ex, repo)) {
            return;
        }
        byte[] content = repo.commits.getOrDefault(p[2], Map.of()).get(p[3]);
        if (content == null) {
            send(ex, 404, "{\"error\":\"Entry not found\"}");
            return;
        }
        ex.getResponseHeaders().set("X-Repo-Commit", p[2]);
        ex.getResponseHeaders().set("ETag", "W/\"" + gitOid(content) + "\"");
        sendBytes(ex, 200, content, p[3], 0);
    }

    private void cdn(HttpExchange ex, String sha) throws IOException {
        String name = ex.getRequestURI().getQuery() == null ? "" : ex.getRequestURI().getQuery().replace("name=", "");
        byte[] content = null;
        for (Repo r : repos.values()) {
            for (Map<String, byte[]> files : r.commits.values()) {
                for (byte[] b : files.values()) {
                    if (sha256(b).equals(sha)) {
                        content = b;
                    }
                }
            }
        }
        if (content == null) {
            send(ex, 404, "no such blob");
            return;
        }
        if (corrupt.contains(name)) {
            content = corrupted(content);
        }
        ex.getResponseHeaders().set("ETag", "\"" + sha + "\"");
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
            long from = Long.parseLong(range.substring(6, range.length() - 1));
            if (from >= content.length) {
                ex.getResponseHeaders().set("Content-Range", "bytes */" + content.length);
                send(ex, 416, "");
                return;
            }
            ex.getResponseHeaders().set("Content-Range",
                    "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
            sendBytes(ex, 206, content, name, (int) from);
        } else {
            sendBytes(ex, 200, content, name, 0);
        }
    }

    private boolean authorized(HttpExchange ex, Repo repo) throws IOException {
        if (repo == null) {
            // The real hub says 401 to anonymous callers, 404 to authenticated ones; we say 404.
            ex.getResponseHeaders().set("X-Error-Code", "RepositoryNotFound");
            send(ex, 404, "{\"error\":\"Repository not found\"}");
            return false;
        }
        if (repo.token == null) {
            return true;
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null) {
            ex.getResponseHeaders().set("X-Error-Code", "GatedRepo");
            send(ex, 401, "{\"error\":\"Access to model " + repo.id + " is restricted.\"}");
            return false;
        }
        if (!auth.equals("Bearer " + repo.token)) {
            ex.getResponseHeaders().set("X-Error-Code", "GatedRepo");
            // echo the credential back, as a careless server might: the client must not repeat it
            ex.getResponseHeaders().set("X-Error-Message", "Invalid credentials in Authorization header: " + auth);
            send(ex, 403, "{\"error\":\"forbidden\"}");
            return false;
        }
        return true;
    }

    private String commitOf(HttpExchange ex, Repo repo, String rev) throws IOException {
        String commit = repo.refs.getOrDefault(rev, repo.commits.containsKey(rev) ? rev : null);
        if (commit == null) {
            ex.getResponseHeaders().set("X-Error-Code", "RevisionNotFound");
            send(ex, 404, "{\"error\":\"Invalid rev id: " + rev + "\"}");
        }
        return commit;
    }

    private void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        if (ex.getRequestMethod().equals("HEAD") || b.length == 0) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(20_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void sendBytes(HttpExchange ex, int status, byte[] content, String name, int from) throws IOException {
        int len = content.length - from;
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().set("Content-Length", Integer.toString(len));
            ex.sendResponseHeaders(status, -1);
            return;
        }
        AtomicInteger left = drops.get(name);
        if (left != null && left.getAndDecrement() > 0 && dropAfter < len) {
            // Announce everything, send a part, then cut the connection (the server side of a flaky link).
            ex.sendResponseHeaders(status, len);
            OutputStream os = ex.getResponseBody();
            os.write(content, from, dropAfter);
            os.flush();
            if (stall) {
                sleepQuietly(); // a link that hangs rather than breaks
            }
            // Closing the exchange short of the announced length makes the JDK server drop the connection.
            ex.close();
            return;
        }
        ex.sendResponseHeaders(status, len);
        ex.getResponseBody().write(content, from, len);
    }
}
