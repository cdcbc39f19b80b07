package dev.logitlens.core.source;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HubModelSourceTest {

    private static final String REPO = "tiny/gpt";

    @TempDir
    Path cache;

    private FakeHub hub;
    private final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        hub = new FakeHub();
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private HubOptions options() {
        return new HubOptions(hub.endpoint(), cache, false, null, null, null, null, false);
    }

    private HubModelSource source(HubOptions options) {
        return new HubModelSource(options, System::nanoTime, 10, Duration.ofSeconds(30));
    }

    private ResolvedModel resolve(HubOptions options, String repo, String revision) {
        return source(options).resolve(repo, revision, log::add);
    }

    private Path repoDir(String repo) {
        return cache.resolve("models--" + repo.replace("/", "--"));
    }

    private static String message(Runnable r) {
        return assertThrows(HubException.class, r::run).getMessage();
    }

    @Test
    void coldDownloadLaysOutTheCacheLikeHuggingfaceHub() throws IOException {
        Map<String, byte[]> files = FakeHub.tinyCheckpoint(1);
        String commit = hub.repo(REPO).commit("main", files);

        ResolvedModel m = resolve(options(), REPO, "main");

        assertEquals(new ResolvedModel(REPO, commit, repoDir(REPO).resolve("snapshots").resolve(commit)), m);
        assertEquals(commit, Files.readString(repoDir(REPO).resolve("refs/main")));
        for (String f : List.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                "model.safetensors")) {
            Path pointer = m.snapshotDir().resolve(f);
            byte[] content = files.get(f);
            String etag = f.endsWith(".safetensors") ? FakeHub.sha256(content) : FakeHub.gitOid(content);
            assertTrue(Files.isSymbolicLink(pointer), f + " should be a symlink");
            assertEquals(Path.of("../../blobs/" + etag), Files.readSymbolicLink(pointer), f);
            assertArrayEquals(content, Files.readAllBytes(pointer), f);
            String sizes = Progress.bytes(content.length) + " / " + Progress.bytes(content.length) + ", ";
            assertTrue(log.stream().anyMatch(l -> l.startsWith("  " + f + ": " + sizes) && l.contains("/s, done in")),
                    "a progress line for " + f + " in " + log);
        }
        for (String never : List.of("pytorch_model.bin", "tf_model.h5", "flax_model.msgpack", "model.onnx", "README")) {
            assertTrue(hub.requests.stream().noneMatch(r -> r.path().contains(never)), never + " was requested");
            assertFalse(Files.exists(m.snapshotDir().resolve(never)));
        }
        try (Stream<Path> blobs = Files.list(repoDir(REPO).resolve("blobs"))) {
            assertEquals(5, blobs.filter(p -> !p.toString().endsWith(".incomplete")).count());
        }
        assertEquals(1, hub.requests("GET", "/api/models/").size());
        assertEquals(1, hub.requests("GET", "/cdn/").size());
        assertEquals(4, hub.requests("GET", "/api/resolve-cache/").size());
    }

    @Test
    void warmRunMakesZeroRequests() {
        String commit = hub.repo(REPO).commit("main", FakeHub.tinyCheckpoint(1));
        ResolvedModel cold = resolve(options(), REPO, "main");
        hub.requests.clear();
        hub.failAll = true;

        assertEquals(cold, resolve(options(), REPO, "main"));
        assertEquals(cold, resolve(options(), REPO, commit));
        assertEquals(cold, resolve(options(), REPO, null)); // no revision means main
        assertEquals(List.of(), hub.requests);
    }

    @Test
    void aMovedBranchIsPickedUpOnlyWithRefreshRefs() throws IOException {
        FakeHub.Repo repo = hub.repo(REPO);
        String first = repo.commit("main", FakeHub.tinyCheckpoint(1));
        resolve(options(), REPO, "main");
        String second = repo.commit("main", FakeHub.tinyCheckpoint(2)); // new weights, same config and tokenizer
        hub.requests.clear();

        assertEquals(first, resolve(options(), REPO, "main").commit());
        assertEquals(0, hub.requests.size(), "a cached ref is trusted without refreshRefs");

        ResolvedModel moved = resolve(options().withRefreshRefs(true), REPO, "main");
        assertEquals(second, moved.commit());
        assertEquals(second, Files.readString(repoDir(REPO).resolve("refs/main")));
        assertEquals(1, hub.requests("GET", "/cdn/").size(), "only the changed weights are downloaded");
        assertEquals(0, hub.requests("GET", "/api/resolve-cache/").size(), "unchanged blobs are reused");
        assertTrue(Files.isRegularFile(repoDir(REPO).resolve("snapshots").resolve(first).resolve("model.safetensors")));

        hub.requests.clear();
        assertEquals(moved, resolve(options().withRefreshRefs(true), REPO, "main"));
        assertEquals(List.of("/api/models/tiny/gpt/revision/main"),
                hub.requests.stream().map(FakeHub.Request::path).toList(), "one API call, no file traffic");
    }

    @Test
    void aDownloadCutMidFileIsResumedWithARangeRequest() throws IOException {
        Map<String, byte[]> files = FakeHub.tinyCheckpoint(1);
        hub.repo(REPO).commit("main", files);
        hub.drops.put("model.safetensors", new AtomicInteger(1));

        ResolvedModel m = resolve(options(), REPO, "main");

        List<FakeHub.Request> gets = hub.requests("GET", "/cdn/");
        assertEquals(2, gets.size());
        assertNull(gets.get(0).range());
        assertEquals("bytes=" + hub.dropAfter + "-", gets.get(1).range());
        assertArrayEquals(files.get("model.safetensors"), Files.readAllBytes(m.snapshotDir().resolve("model.safetensors")));
        assertTrue(log.stream().anyMatch(l -> l.contains("model.safetensors: connection lost")), log.toString());
    }

    @Test
    void aStalledDownloadIsAbandonedAndResumed() throws IOException {
        Map<String, byte[]> files = FakeHub.tinyCheckpoint(1);
        hub.repo(REPO).commit("main", files);
        hub.drops.put("model.safetensors", new AtomicInteger(1));
        hub.stall = true;

        ResolvedModel m = new HubModelSource(options(), System::nanoTime, 10, Duration.ofSeconds(2))
                .resolve(REPO, "main", log::add);

        List<FakeHub.Request> gets = hub.requests("GET", "/cdn/");
        assertEquals(2, gets.size());
        assertEquals("bytes=" + hub.dropAfter + "-", gets.get(1).range());
        assertArrayEquals(files.get("model.safetensors"), Files.readAllBytes(m.snapshotDir().resolve("model.safetensors")));
    }

    @Test
    void aDownloadThatKeepsFailingLeavesAPartialFileTheNextRunResumes() throws IOException {
        Map<String, byte[]> files = FakeHub.tinyCheckpoint(1);
        hub.repo(REPO).commit("main", files);
        hub.drops.put("model.safetensors", new AtomicInteger(BlobDownloader.MAX_ATTEMPTS));

        String msg = message(() -> resolve(options(), REPO, "main"));
        assertTrue(msg.contains("model.safetensors") && msg.contains(REPO) && msg.contains("Run again to resume"), msg);
        String sha = FakeHub.sha256(files.get("model.safetensors"));
        Path partial = repoDir(REPO).resolve("blobs").resolve(sha + ".incomplete");
        long kept = Files.size(partial);
        assertEquals((long) hub.dropAfter * BlobDownloader.MAX_ATTEMPTS, kept);
        assertFalse(Files.exists(repoDir(REPO).resolve("refs/main")));

        hub.requests.clear();
        ResolvedModel m = resolve(options(), REPO, "main");
        List<FakeHub.Request> gets = hub.requests("GET", "/cdn/");
        assertEquals(1, gets.size());
        assertEquals("bytes=" + kept + "-", gets.get(0).range());
        assertArrayEquals(files.get("model.safetensors"), Files.readAllBytes(m.snapshotDir().resolve("model.safetensors")));
        assertFalse(Files.exists(partial));
    }

    @Test
    void aCorruptedBlobIsRejectedByItsChecksum() {
        Map<String, byte[]> files = FakeHub.tinyCheckpoint(1);
        String commit = hub.repo(REPO).commit("main", files);
        hub.corrupt.add("model.safetensors");
        String good = FakeHub.sha256(files.get("model.safetensors"));
        String bad = FakeHub.sha256(FakeHub.corrupted(files.get("model.safetensors")));

        String msg = message(() -> resolve(options(), REPO, "main"));

        assertTrue(msg.contains("model.safetensors") && msg.contains(good) && msg.contains(bad), msg);
        Path blobs = repoDir(REPO).resolve("blobs");
        assertFalse(Files.exists(blobs.resolve(good)));
        assertFalse(Files.exists(blobs.resolve(good + ".incomplete")));
        assertFalse(Files.exists(repoDir(REPO).resolve("snapshots").resolve(commit).resolve("model.safetensors")));
        assertFalse(Files.exists(repoDir(REPO).resolve("refs/main")));

        hub.corrupt.clear();
        assertEquals(commit, resolve(options(), REPO, "main").commit());
    }

    @Test
    void gatedModelsSayHowToGiveATokenAndTheTokenGoesOnlyToTheHub() {
        String token = "hf_secretSecret123";
        hub.repo("meta/gated").gated(token).commit("main", FakeHub.tinyCheckpoint(3));

        String anonymous = message(() -> resolve(options(), "meta/gated", "main"));
        assertTrue(anonymous.startsWith("Access to meta/gated was refused (HTTP 401): the model is gated or private."),
                anonymous);
        for (String hint : List.of(hub.endpoint() + "/meta/gated", "HF_TOKEN", "huggingface-cli login",
                "<server><id>huggingface</id>", "settings.xml")) {
            assertTrue(anonymous.contains(hint), hint + " in " + anonymous);
        }

        String wrong = "hf_wrongWrong456";
        String refused = message(() -> resolve(options().withToken(wrong, "HF_TOKEN"), "meta/gated", "main"));
        assertTrue(refused.contains("HTTP 403") && refused.contains("token from HF_TOKEN"), refused);
        assertFalse(refused.contains(wrong), refused);

        hub.requests.clear();
        HubOptions withToken = options().withToken(token, "HF_TOKEN");
        ResolvedModel m = resolve(withToken, "meta/gated", "main");
        assertTrue(Files.isRegularFile(m.snapshotDir().resolve("model.safetensors")));
        for (FakeHub.Request r : hub.requests) {
            if (r.path().startsWith("/cdn/")) {
                assertNull(r.authorization(), "token sent to another host: " + r);
            } else {
                assertEquals("Bearer " + token, r.authorization(), r.toString());
            }
        }
        assertFalse(hub.requests("GET", "/cdn/").isEmpty());
        assertFalse(withToken.toString().contains(token), withToken.toString());
        assertFalse(m.toString().contains(token));
        assertTrue(log.stream().noneMatch(l -> l.contains(token)));
    }

    @Test
    void unknownReposAndRevisionsAreNamed() {
        hub.repo(REPO).commit("main", FakeHub.tinyCheckpoint(1));

        String repo = message(() -> resolve(options(), "tiny/gtp", "main"));
        assertTrue(repo.contains("tiny/gtp") && repo.contains("revision main") && repo.contains("HTTP 404")
                && repo.contains("spelling"), repo);

        String rev = message(() -> resolve(options(), REPO, "v9"));
        assertTrue(rev.contains("'v9'") && rev.contains(REPO) && rev.contains("HTTP 404")
                && rev.contains("branch, a tag or a full commit hash"), rev);
        assertFalse(Files.exists(repoDir("tiny/gtp")));
    }

    @Test
    void offlineUsesTheCacheOnlyAndNamesWhatIsMissing() throws IOException {
        String commit = hub.repo(REPO).commit("main", FakeHub.tinyCheckpoint(1));
        HubOptions offline = options().withOffline(true);

        String empty = message(() -> resolve(offline, REPO, "main"));
        assertTrue(empty.contains(REPO) && empty.contains("revision main") && empty.contains("refs/main")
                && empty.contains("offline") && empty.contains("Run once online"), empty);
        String byCommit = message(() -> resolve(offline, REPO, commit));
        assertTrue(byCommit.contains("snapshots/" + commit), byCommit);
        assertEquals(0, hub.requests.size());

        ResolvedModel online = resolve(options(), REPO, "main");
        hub.requests.clear();
        assertEquals(online, resolve(offline.withRefreshRefs(true), REPO, "main"));

        Files.delete(online.snapshotDir().resolve("tokenizer.json"));
        String partial = message(() -> resolve(offline, REPO, "main"));
        assertTrue(partial.contains("Missing: tokenizer.json"), partial);
        assertEquals(0, hub.requests.size());

        // online again, the missing file is relinked from its blob: its metadata (HEAD, following the
        // hub's relative redirect), no download
        assertEquals(online, resolve(options(), REPO, "main"));
        assertEquals(List.of("/tiny/gpt/resolve/" + commit + "/tokenizer.json",
                        "/api/resolve-cache/models/tiny/gpt/" + commit + "/tokenizer.json"),
                hub.requests("HEAD", "/").stream().map(FakeHub.Request::path).toList());
        assertEquals(0, hub.requests("GET", "/api/resolve-cache/").size() + hub.requests("GET", "/cdn/").size());
        assertTrue(Files.isSymbolicLink(online.snapshotDir().resolve("tokenizer.json")));
    }

    @Test
    void aCacheTreeLaidOutByHuggingfaceHubIsUsedAsIs() throws IOException {
        hub.failAll = true;
        String commit = "0123456789abcdef0123456789abcdef01234567";
        Path repo = repoDir("openai-community/gpt2");
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("config.json", FakeHub.utf8("{\"model_type\":\"gpt2\"}"));
        files.put("tokenizer.json", FakeHub.utf8("{\"model\":{}}"));
        files.put("model.safetensors.index.json", FakeHub.utf8("{\"metadata\":{},\"weight_map\":{"
                + "\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00002-of-00002.safetensors\","
                + "\"c\":\"model-00001-of-00002.safetensors\"}}"));
        files.put("model-00001-of-00002.safetensors", FakeHub.safetensors("a", 2, 2, 1));
        files.put("model-00002-of-00002.safetensors", FakeHub.safetensors("b", 2, 2, 2));
        Path snapshot = repo.resolve("snapshots").resolve(commit);
        Files.createDirectories(snapshot);
        Files.createDirectories(repo.resolve("blobs"));
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            String etag = f.getKey().endsWith(".safetensors") ? FakeHub.sha256(f.getValue()) : FakeHub.gitOid(f.getValue());
            Files.write(repo.resolve("blobs").resolve(etag), f.getValue());
            Files.createSymbolicLink(snapshot.resolve(f.getKey()), Path.of("../../blobs/" + etag));
        }
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), commit);

        HubModelSource source = source(options());
        ResolvedModel expected = new ResolvedModel("openai-community/gpt2", commit, snapshot);
        assertEquals(expected, source.resolve("openai-community/gpt2", "main", log::add));
        assertEquals(expected, source.resolve("openai-community/gpt2", commit, log::add));
        assertEquals(0, hub.requests.size());

        // a shard gone missing makes the snapshot incomplete: offline says which one
        Files.delete(snapshot.resolve("model-00002-of-00002.safetensors"));
        String msg = message(() -> source(options().withOffline(true)).resolve("openai-community/gpt2", "main", null));
        assertTrue(msg.contains("model-00002-of-00002.safetensors") && !msg.contains("model-00001"), msg);
    }

    @Test
    void shardedCheckpointsFetchTheIndexAndEveryShard() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("config.json", FakeHub.utf8("{\"model_type\":\"llama\"}"));
        files.put("tokenizer.json", FakeHub.utf8("{\"model\":{}}"));
        files.put("tokenizer.model", FakeHub.utf8("sentencepiece"));
        files.put("special_tokens_map.json", FakeHub.utf8("{}"));
        files.put("model.safetensors.index.json", FakeHub.utf8("{\"weight_map\":{"
                + "\"x\":\"model-00001-of-00002.safetensors\",\"y\":\"model-00002-of-00002.safetensors\"}}"));
        files.put("model-00001-of-00002.safetensors", FakeHub.safetensors("x", 8, 8, 1));
        files.put("model-00002-of-00002.safetensors", FakeHub.safetensors("y", 8, 8, 2));
        files.put("pytorch_model-00001-of-00002.bin", FakeHub.utf8("no"));
        hub.repo("big/llama").commit("v1.0", files);

        ResolvedModel m = resolve(options(), "big/llama", "v1.0");

        for (String f : files.keySet()) {
            assertEquals(!f.endsWith(".bin"), Files.isRegularFile(m.snapshotDir().resolve(f)), f);
        }
        assertEquals(2, hub.requests("GET", "/cdn/").size());
        assertEquals(m.commit(), Files.readString(repoDir("big/llama").resolve("refs/v1.0")));
    }

    @Test
    void reposWithOnlyBinWeightsFailWithoutDownloadingThem() {
        Map<String, byte[]> files = FakeHub.tinyCheckpoint(1);
        files.remove("model.safetensors");
        hub.repo("old/bert").commit("main", files);

        String msg = message(() -> resolve(options(), "old/bert", "main"));

        assertTrue(msg.contains("old/bert") && msg.contains("only .bin weights") && msg.contains("pytorch_model.bin")
                && msg.contains("safetensors"), msg);
        assertEquals(List.of("/api/models/old/bert/revision/main"),
                hub.requests.stream().map(FakeHub.Request::path).toList());
    }

    @Test
    void revisionsWithSlashesAreEncodedAndKeptAsNestedRefs() throws IOException {
        String commit = hub.repo(REPO).commit("refs/pr/7", FakeHub.tinyCheckpoint(4));

        ResolvedModel m = resolve(options(), REPO, "refs/pr/7");

        assertEquals(commit, m.commit());
        assertEquals(commit, Files.readString(repoDir(REPO).resolve("refs/refs/pr/7")));
        assertTrue(hub.requests.stream().anyMatch(r -> r.path().equals("/api/models/tiny/gpt/revision/refs%2Fpr%2F7")));
        assertTrue(message(() -> resolve(options(), REPO, "../x")).contains("revision"));
    }

    @Test
    void anUnreachableHubFallsBackToACompleteCachedRef() throws IOException {
        String commit = hub.repo(REPO).commit("main", FakeHub.tinyCheckpoint(1));
        resolve(options(), REPO, "main");
        HubOptions options = options().withRefreshRefs(true);
        hub.close();

        assertEquals(commit, resolve(options, REPO, "main").commit());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("Cannot reach " + options.endpoint())), log.toString());

        String msg = message(() -> resolve(options, "tiny/other", "main"));
        assertTrue(msg.contains("Cannot reach the Hugging Face hub") && msg.contains("tiny/other")
                && msg.contains("HF_HUB_OFFLINE=1"), msg);
    }

    @Test
    void aSettingsProxyIsUsed() {
        String commit = hub.repo(REPO).commit("main", FakeHub.tinyCheckpoint(1));
        // An endpoint nobody can resolve: only the proxy (our fake hub, which accepts absolute URIs) reaches it.
        HubOptions viaProxy = options().withEndpoint("http://hub.invalid")
                .withProxy(HubProxy.selector("127.0.0.1", hub.port(), "example.org"), null);

        assertEquals(commit, resolve(viaProxy, REPO, "main").commit());
        assertTrue(hub.requests("GET", "/api/models/").stream().allMatch(r -> "hub.invalid".equals(r.host())));
    }

    @Test
    void badRepoIdsAreRejectedBeforeAnyRequest() {
        for (String bad : List.of("", "a/b/c", "org--x/name", "../etc", "has space/x")) {
            String msg = message(() -> resolve(options(), bad, "main"));
            assertTrue(msg.contains("is not a Hugging Face repo id") && msg.contains("org/name"), msg);
        }
        assertEquals(0, hub.requests.size());
        assertEquals("a%20b%2Fc%C3%A9", HubClient.encode("a b/cé"));
        assertEquals("refs%2Fpr%2F1", HubClient.encode("refs/pr/1"));
    }

    @Test
    void symlinkTargetsAreRelativeSoTheCacheCanMove() throws IOException {
        hub.repo(REPO).commit("main", FakeHub.tinyCheckpoint(1));
        ResolvedModel m = resolve(options(), REPO, "main");
        Path moved = cache.resolveSibling(cache.getFileName() + "-moved");
        Files.move(cache, moved);
        try {
            Path snapshot = moved.resolve(cache.relativize(m.snapshotDir()));
            assertTrue(Files.isRegularFile(snapshot.resolve("model.safetensors")));
            byte[] config = Files.readAllBytes(snapshot.resolve("config.json"));
            assertEquals("{\"model_type\":\"gpt2\",\"n_layer\":2,\"n_embd\":64,\"vocab_size\":128}",
                    new String(config, StandardCharsets.UTF_8));
        } finally {
            Files.move(moved, cache);
        }
    }

    @Test
    void spacesUseTheirOwnUrlsAndCacheFolderWithTheSameCachingOfflineAndResume() throws IOException {
        String space = "Lenses/tuned-lens";
        byte[] params = new byte[20_000];
        new java.util.Random(3).nextBytes(params);
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("lens/gpt2/config.json", FakeHub.utf8("{\"d_model\":64}"));
        files.put("lens/gpt2/params.pt", params);
        files.put("lens/other/params.pt", FakeHub.utf8("not fetched"));
        files.put("app.py", FakeHub.utf8("not fetched"));
        String commit = hub.space(space).commit("main", files);
        hub.drops.put("lens/gpt2/params.pt", new AtomicInteger(1)); // the first transfer is cut: resumed
        List<String> wanted = List.of("lens/gpt2/config.json", "lens/gpt2/params.pt");

        ResolvedModel r = source(options()).resolveFiles(RepoType.SPACE, space, null, wanted, log::add);

        Path dir = cache.resolve("spaces--Lenses--tuned-lens");
        assertEquals(new ResolvedModel(space, commit, dir.resolve("snapshots").resolve(commit)), r);
        assertEquals(commit, Files.readString(dir.resolve("refs/main")));
        assertArrayEquals(params, Files.readAllBytes(r.snapshotDir().resolve("lens/gpt2/params.pt")));
        assertEquals(Path.of("../../../../blobs/" + FakeHub.sha256(params)),
                Files.readSymbolicLink(r.snapshotDir().resolve("lens/gpt2/params.pt")));
        assertEquals(1, hub.requests("GET", "/api/spaces/Lenses/tuned-lens/revision/main").size());
        assertEquals(2, hub.requests("HEAD", "/spaces/Lenses/tuned-lens/resolve/" + commit + "/lens/gpt2/").size());
        assertTrue(hub.requests.stream().anyMatch(q -> q.range() != null), "the cut download was resumed");
        assertTrue(hub.requests.stream().noneMatch(q -> q.path().contains("other") || q.path().contains("app.py")));
        assertFalse(Files.exists(cache.resolve("models--Lenses--tuned-lens")));

        hub.requests.clear();
        assertEquals(r, source(options()).resolveFiles(RepoType.SPACE, space, "main", wanted, log::add));
        assertEquals(0, hub.requests.size(), "a warm cache makes no request");
        assertEquals(r, source(options().withOffline(true)).resolveFiles(RepoType.SPACE, space, "main", wanted,
                log::add));

        String offline = message(() -> source(options().withOffline(true)).resolveFiles(RepoType.SPACE, space,
                "main", List.of("lens/gpt2-xl/params.pt"), log::add));
        assertTrue(offline.contains("Space " + space) && offline.contains("lens/gpt2-xl/params.pt")
                && offline.contains("--repo-type space"), offline);
        String absent = message(() -> source(options()).resolveFiles(RepoType.SPACE, space, "main",
                List.of("lens/gpt2-xl/params.pt"), log::add));
        assertTrue(absent.contains("has no lens/gpt2-xl/params.pt"), absent);
        String unknown = message(() -> source(options()).resolveFiles(RepoType.SPACE, "nobody/none", "main",
                wanted, log::add));
        assertTrue(unknown.startsWith("Space nobody/none (revision main) was not found"), unknown);
    }
}
