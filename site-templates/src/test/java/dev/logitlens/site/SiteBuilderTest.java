package dev.logitlens.site;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logitlens.core.UserInputException;
import dev.logitlens.core.format.RunJson;
import dev.logitlens.core.gallery.Gallery;
import dev.logitlens.core.gallery.GalleryParser;
import dev.logitlens.core.gallery.ModelEntry;
import dev.logitlens.core.BuildListener;
import dev.logitlens.core.run.GalleryCollector;
import dev.logitlens.core.run.RunOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SiteBuilderTest {
    @TempDir
    Path tmp;

    private List<RunOutcome> collect(Gallery g) {
        return new GalleryCollector(new GalleryCollector.Options(tmp.resolve("cache"), null, false), BuildListener.NONE)
                .collect(g);
    }

    /** Every file under {@code dir}, by relative path. */
    static Map<String, byte[]> snapshot(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }

    static void assertSameFiles(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, bytes) -> assertArrayEquals(bytes, actual.get(name), name));
    }

    @Test
    void buildsManifestDataAndPagesReproducibly() throws IOException {
        Gallery g = GalleryParser.parse(TinyGallery.write(tmp, "The capital of France is", "a cat sat",
                "The capital of Germany is"));
        List<RunOutcome> outcomes = collect(g);
        Path site = tmp.resolve("out/site");
        new SiteBuilder("0.0-test", null).build(g, outcomes, site);

        JsonNode manifest = new ObjectMapper().readTree(site.resolve("manifest.json").toFile());
        assertEquals("Tiny gallery", manifest.get("title").asText());
        assertEquals("0.0-test", manifest.get("toolVersion").asText());
        assertFalse(manifest.has("outputTimestamp"));
        assertEquals(6, manifest.get("runs").size());
        JsonNode first = manifest.get("runs").get(0);
        assertEquals("alpha", first.get("model").asText());
        assertEquals("p0", first.get("prompt").asText());
        assertEquals("ok", first.get("status").asText());
        assertEquals("data/alpha/p0.json", first.get("data").asText());
        for (JsonNode run : manifest.get("runs")) {
            RunJson.Document doc = RunJson.read(site.resolve(run.get("data").asText()));
            assertEquals(run.get("model").asText(), doc.provenance().modelId());
            // V2's meta.model, which the widget shows, is the same gallery id
            assertEquals(run.get("model").asText(), new ObjectMapper().readTree(site.resolve(run.get("data").asText())
                    .toFile()).path("meta").path("model").asText());
        }
        JsonNode data = new ObjectMapper().readTree(site.resolve("data/beta/p2.json").toFile());
        assertEquals(List.of("meta", "input", "layers", "topk", "tracked", "logitlens", "provenance"),
                iterate(data.fieldNames()));
        assertTrue(Files.isRegularFile(site.resolve("index.html")));
        assertTrue(Files.isRegularFile(site.resolve("runs/alpha/p1.html")));

        Map<String, byte[]> once = snapshot(site);
        new SiteBuilder("0.0-test", null).build(g, collect(g), site); // from the cache this time
        assertSameFiles(once, snapshot(site));
        assertEquals(List.of("out/site"), siblings(tmp.resolve("out")), "no temporary folders are left");

        new SiteBuilder("0.0-test", "1700000000").build(g, outcomes, site);
        assertEquals("2023-11-14T22:13:20Z", new ObjectMapper().readTree(site.resolve("manifest.json").toFile())
                .get("outputTimestamp").asText());
    }

    @Test
    void aFailedBuildLeavesThePreviousSiteUntouched() throws IOException {
        Gallery g = GalleryParser.parse(TinyGallery.write(tmp, "The capital of France is"));
        List<RunOutcome> outcomes = collect(g);
        Path site = tmp.resolve("out/site");
        new SiteBuilder("0.0-test", null).build(g, outcomes, site);
        Map<String, byte[]> before = snapshot(site);

        // A gallery that lost a model its runs still name: data files get written, then rendering fails.
        ModelEntry alpha = g.models().get(0);
        Gallery broken = new Gallery(g.file(), "Broken", List.of(alpha), g.prompts(), g.runs());
        assertThrows(IllegalArgumentException.class, () -> new SiteBuilder("0.0-test", null).build(broken, outcomes,
                site));
        assertSameFiles(before, snapshot(site));
        assertEquals(List.of("out/site"), siblings(tmp.resolve("out")));
    }

    @Test
    void refusesToReplaceAFolderThatIsNotASite() throws IOException {
        Gallery g = GalleryParser.parse(TinyGallery.write(tmp, "a cat"));
        Path notASite = tmp.resolve("src");
        Files.createDirectories(notASite);
        Files.writeString(notASite.resolve("Main.java"), "class Main {}");
        UserInputException e = assertThrows(UserInputException.class,
                () -> new SiteBuilder("0.0-test", null).build(g, collect(g), notASite));
        assertTrue(e.getMessage().contains("is not empty and holds no manifest.json"), e.getMessage());
        assertTrue(Files.isRegularFile(notASite.resolve("Main.java")));
    }

    static List<String> siblings(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> dir.getParent().relativize(p).toString()).sorted().toList();
        }
    }

    private static List<String> iterate(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    /** The tiny gallery with a random tuned lens on alpha. */
    private Path tunedGallery() throws IOException {
        Path gallery = TinyGallery.write(tmp, "The capital of France is");
        float[][] w = new float[3][16 * 16];
        java.util.Random rnd = new java.util.Random(9);
        for (float[] t : w) {
            for (int j = 0; j < t.length; j++) {
                t[j] = (float) (rnd.nextGaussian() * 0.2);
            }
        }
        dev.logitlens.core.tuned.TorchStateDictWriter.writeFolder(tmp.resolve("lenses/alpha"),
                new dev.logitlens.core.tuned.TunedLensConfig("alpha", 16, 3, true, null, null), w, new float[3][16]);
        Files.writeString(gallery, Files.readString(gallery).replace("{ id: alpha, path: models/alpha, label: Alpha }",
                "{ id: alpha, path: models/alpha, label: Alpha, tunedLens: {path: lenses/alpha} }"));
        return gallery;
    }

    @Test
    void shardsCarryTheTunedLensAndMergeToTheOneMachineSite() throws IOException {
        Path gallery = tunedGallery();
        dev.logitlens.core.build.GalleryBuild build = new dev.logitlens.core.build.GalleryBuild(null);
        var request = dev.logitlens.core.build.GalleryBuild.Request.of(gallery);
        build.collect(request.withCache(tmp.resolve("cache-1")), new dev.logitlens.core.build.Shard(1, 2),
                tmp.resolve("s1"));
        build.collect(request.withCache(tmp.resolve("cache-2")), new dev.logitlens.core.build.Shard(2, 2),
                tmp.resolve("s2"));
        build.merge(request, List.of(tmp.resolve("s1"), tmp.resolve("s2")), tmp.resolve("merged"),
                new SiteBuilder("0.0-test", null)::build);
        build.site(request.withCache(tmp.resolve("cache-3")), tmp.resolve("single"),
                new SiteBuilder("0.0-test", null)::build);
        Map<String, byte[]> merged = snapshot(tmp.resolve("merged"));
        assertTrue(merged.containsKey("data/alpha/p0.tuned.json"));
        assertSameFiles(snapshot(tmp.resolve("single")), merged);
    }

    @Test
    void aTunedLensGetsItsOwnRunDocumentListedInTheManifest() throws IOException {
        Gallery g = GalleryParser.parse(tunedGallery());
        Path site = tmp.resolve("out/site");
        new SiteBuilder("0.0-test", null).build(g, collect(g), site);
        JsonNode manifest = new ObjectMapper().readTree(site.resolve("manifest.json").toFile());
        JsonNode alpha = manifest.get("runs").get(0);
        assertEquals("data/alpha/p0.tuned.json", alpha.get("tuned").asText());
        assertFalse(manifest.get("runs").get(1).has("tuned"), "beta has no tuned lens");
        RunJson.Document tuned = RunJson.read(site.resolve(alpha.get("tuned").asText()));
        RunJson.Document logit = RunJson.read(site.resolve(alpha.get("data").asText()));
        assertEquals("tuned", tuned.lens());
        assertEquals("logit", logit.lens());
        assertEquals(null, logit.klToLogitLens());
        assertEquals(tuned.result().numLayers(), tuned.klToLogitLens().length);
        JsonNode raw = new ObjectMapper().readTree(site.resolve(alpha.get("tuned").asText()).toFile());
        assertEquals("tuned", raw.get("meta").get("lens").asText());
        assertFalse(new ObjectMapper().readTree(site.resolve(alpha.get("data").asText()).toFile()).get("meta")
                .has("lens"));
        String page = Files.readString(site.resolve("runs/alpha/p0.html"));
        assertTrue(page.contains("id=\"lens-which\"") && page.contains("id=\"lens-data-tuned\""));
        String prompt = Files.readString(site.resolve("prompts/p0.html"));
        assertTrue(prompt.contains("polyline class=\"s0 tuned\"") && prompt.contains("Alpha (tuned lens)"),
                "the prompt page plots both lenses of alpha");
    }
}
