package dev.logitlens.core.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logitlens.core.UserInputException;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.format.RunJson;
import dev.logitlens.core.BuildListener;
import dev.logitlens.core.run.RunOutcome;
import dev.logitlens.core.synth.RandomGpt2;
import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shards written and merged in one JVM; the three-JVM case is the plugin's "shards" integration test. */
class MergeTest {
    @TempDir
    Path tmp;

    private static void tinyModel(Path dir, long seed) throws IOException {
        RandomGpt2.write(dir, new RandomGpt2.Spec(3, 16, 2, 40, 32, TensorDtype.F32, "", true, 1, seed));
        WordLevelTokenizerWriter.write(dir, List.of("The", "capital", "of", "France", "is", "a", "cat", "sat"), 40);
    }

    private Path gallery() throws IOException {
        tinyModel(tmp.resolve("models/alpha"), 1);
        tinyModel(tmp.resolve("models/beta"), 2);
        Path file = tmp.resolve("logitlens.yaml");
        Files.writeString(file, """
                defaults: { k: 3, device: cpu }
                models:
                  - { id: alpha, path: models/alpha }
                  - { id: beta, path: models/beta }
                prompts:
                  - { id: france, text: The capital of France is }
                  - { id: cat, text: a cat sat }
                """);
        return file;
    }

    /** The outcomes handed to the site writer. */
    private static final class Captured implements GalleryBuild.SiteWriter {
        final List<RunOutcome> outcomes = new ArrayList<>();

        @Override
        public void write(dev.logitlens.core.gallery.Gallery gallery, List<RunOutcome> o, Path out) {
            outcomes.addAll(o);
        }
    }

    @Test
    void mergedRunsEqualTheCollectedOnes() throws IOException {
        GalleryBuild.Request request = GalleryBuild.Request.of(gallery());
        GalleryBuild build = new GalleryBuild(BuildListener.NONE);
        build.collect(request, new Shard(1, 2), tmp.resolve("s1"));
        build.collect(request, new Shard(2, 2), tmp.resolve("s2"));
        Captured merged = new Captured();
        build.merge(request, List.of(tmp.resolve("s1"), tmp.resolve("s2")), tmp.resolve("site"), merged);
        Captured direct = new Captured();
        build.site(request, tmp.resolve("site"), direct);
        assertEquals(4, merged.outcomes.size());
        for (int i = 0; i < 4; i++) {
            RunOutcome a = merged.outcomes.get(i);
            RunOutcome b = direct.outcomes.get(i);
            assertEquals(b.run(), a.run());
            assertEquals(new String(RunJson.write(b.result(), b.provenance())),
                    new String(RunJson.write(a.result(), a.provenance())));
        }
        // a shard's directory is replaced by the next collect into it, never mixed
        build.collect(request, new Shard(1, 1), tmp.resolve("s1"));
        UserInputException twice = assertThrows(UserInputException.class, () -> build.merge(request,
                List.of(tmp.resolve("s1"), tmp.resolve("s2")), tmp.resolve("site"), new Captured()));
        assertTrue(twice.getMessage().contains("planned for 2 shards with another assignment than "), twice.getMessage());
    }

    @Test
    void importedRunsTravelThroughShardsLikeComputedOnes() throws IOException {
        GalleryBuild build = new GalleryBuild(BuildListener.NONE);
        GalleryBuild.Request first = GalleryBuild.Request.of(gallery());
        List<RunOutcome> alpha = build.collect(first, new Shard(1, 1), tmp.resolve("first")).outcomes();
        Files.createDirectories(tmp.resolve("far"));
        for (RunOutcome o : alpha.subList(0, 2)) {
            Files.write(tmp.resolve("far/" + o.promptId() + ".json"), dev.logitlens.core.format.V2Json.write(o.result(), o.modelId()));
        }
        Path file = tmp.resolve("with-import.yaml");
        Files.writeString(file, Files.readString(tmp.resolve("logitlens.yaml"))
                .replace("  - { id: beta, path: models/beta }", "  - { id: far, import: far }"));
        GalleryBuild.Request request = GalleryBuild.Request.of(file);
        ShardPlan plan = build.plan(request, new Shard(1, 2));
        assertEquals(0, plan.models().get("far").parameters());
        build.collect(request, new Shard(1, 2), tmp.resolve("s1"));
        build.collect(request, new Shard(2, 2), tmp.resolve("s2"));
        Captured merged = new Captured();
        build.merge(request, List.of(tmp.resolve("s1"), tmp.resolve("s2")), tmp.resolve("site"), merged);
        assertEquals(List.of(true, true, true, true), merged.outcomes.stream().map(RunOutcome::ok).toList());
        RunOutcome far = merged.outcomes.get(2);
        assertEquals("import:far", far.provenance().source());
        assertTrue(dev.logitlens.core.format.V2Document.lacksMetrics(far.result()));
        assertEquals(alpha.get(0).result().vocab().get(alpha.get(0).result().topk()[2][4][0]),
                far.result().vocab().get(far.result().topk()[2][4][0]));
    }

    @Test
    void weightsThatChangedSinceCollectionAreRefused() throws IOException {
        GalleryBuild.Request request = GalleryBuild.Request.of(gallery());
        GalleryBuild build = new GalleryBuild(BuildListener.NONE);
        build.collect(request, new Shard(1, 1), tmp.resolve("all"));
        String before = dev.logitlens.core.checkpoint.Checkpoint.open(tmp.resolve("models/beta")).weightsHash();
        tinyModel(tmp.resolve("models/beta"), 7);
        String after = dev.logitlens.core.checkpoint.Checkpoint.open(tmp.resolve("models/beta")).weightsHash();
        UserInputException e = assertThrows(UserInputException.class,
                () -> build.merge(request, List.of(tmp.resolve("all")), tmp.resolve("site"), new Captured()));
        assertEquals("runs collected for a different gallery than " + request.gallery() + ":\n  "
                + tmp.resolve("all/collected.json") + ": model 'beta': the weights in models/beta changed since its runs"
                + " were collected (weights hash " + before + " then, " + after + " now)\nCollect again with this"
                + " gallery, or merge with the gallery these runs were collected for.", e.getMessage());
    }

    @Test
    void aTunedLensAddedOrRemovedSinceCollectionIsRefused() throws IOException {
        Path file = gallery();
        float[][] w = new float[3][16 * 16];
        float[][] b = new float[3][16];
        dev.logitlens.core.tuned.TorchStateDictWriter.writeFolder(tmp.resolve("lens"),
                new dev.logitlens.core.tuned.TunedLensConfig("tiny", 16, 3, true, null, null), w, b);
        Path withLens = tmp.resolve("with-lens.yaml");
        Files.writeString(withLens, Files.readString(file).replace("{ id: alpha, path: models/alpha }",
                "{ id: alpha, path: models/alpha, tunedLens: { path: lens } }"));
        GalleryBuild build = new GalleryBuild(BuildListener.NONE);
        build.collect(GalleryBuild.Request.of(withLens), new Shard(1, 1), tmp.resolve("lensed"));
        build.collect(GalleryBuild.Request.of(file), new Shard(1, 1), tmp.resolve("plain"));
        // the same gallery merges
        Captured same = new Captured();
        build.merge(GalleryBuild.Request.of(withLens), List.of(tmp.resolve("lensed")), tmp.resolve("site"), same);
        assertTrue(same.outcomes.get(0).tuned() != null);
        UserInputException removed = assertThrows(UserInputException.class, () -> build.merge(
                GalleryBuild.Request.of(file), List.of(tmp.resolve("lensed")), tmp.resolve("site"), new Captured()));
        assertTrue(removed.getMessage().contains("model 'alpha' × prompt 'france': the tuned lens was 'lens' when"
                + " collected and is none in the gallery"), removed.getMessage());
        UserInputException added = assertThrows(UserInputException.class, () -> build.merge(
                GalleryBuild.Request.of(withLens), List.of(tmp.resolve("plain")), tmp.resolve("site"), new Captured()));
        assertTrue(added.getMessage().contains("model 'alpha' × prompt 'cat': the tuned lens was none when collected"
                + " and is 'lens' in the gallery"), added.getMessage());
        assertTrue(!added.getMessage().contains("model 'beta'"), added.getMessage());
    }

    @Test
    void aFolderThatIsNotACollectDirectoryIsNamed() throws IOException {
        GalleryBuild.Request request = GalleryBuild.Request.of(gallery());
        Files.createDirectories(tmp.resolve("empty"));
        UserInputException e = assertThrows(UserInputException.class, () -> new GalleryBuild(BuildListener.NONE)
                .merge(request, List.of(tmp.resolve("empty")), tmp.resolve("site"), new Captured()));
        assertEquals(tmp.resolve("empty") + ": holds no collected.json, so it is not a directory written by"
                + " logitlens:collect (was the shard's artifact downloaded into another folder?)", e.getMessage());
        Files.writeString(tmp.resolve("empty/collected.json"), "{\"format\": 1, \"shard\": \"1/1\"}");
        e = assertThrows(UserInputException.class, () -> new GalleryBuild(BuildListener.NONE)
                .merge(request, List.of(tmp.resolve("empty")), tmp.resolve("site"), new Captured()));
        assertEquals(tmp.resolve("empty/collected.json") + ": plan: missing", e.getMessage());

        Files.writeString(tmp.resolve("src.txt"), "x");
        Path notOurs = tmp.resolve("src");
        Files.createDirectories(notOurs);
        Files.writeString(notOurs.resolve("Main.java"), "class Main {}");
        e = assertThrows(UserInputException.class, () -> new GalleryBuild(BuildListener.NONE)
                .collect(request, new Shard(1, 1), notOurs));
        assertTrue(e.getMessage().endsWith(" is not empty and holds no collected.json, so it was not written by"
                + " logitlens:collect and will not be replaced; choose an empty or new folder"), e.getMessage());
        assertTrue(Files.isRegularFile(notOurs.resolve("Main.java")));
    }
}
