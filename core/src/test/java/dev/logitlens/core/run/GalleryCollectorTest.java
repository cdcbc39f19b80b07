package dev.logitlens.core.run;

import dev.logitlens.core.BuildListener;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.format.RunJson;
import dev.logitlens.core.gallery.Gallery;
import dev.logitlens.core.gallery.GalleryException;
import dev.logitlens.core.gallery.GalleryParser;
import dev.logitlens.core.synth.RandomGpt2;
import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GalleryCollectorTest {
    static final List<String> WORDS = List.of("The", "capital", "of", "France", "is", "Paris", "Germany", "Berlin",
            "a", "cat", "sat");

    @TempDir
    Path tmp;

    /** A 3-layer GPT-2 with random weights and a word-level tokenizer. */
    static void tinyModel(Path dir, long seed) throws IOException {
        RandomGpt2.write(dir, new RandomGpt2.Spec(3, 16, 2, 40, 32, TensorDtype.F32, "", true, 1, seed));
        WordLevelTokenizerWriter.write(dir, WORDS, 40);
    }

    /** Lines a build printed, split by level. */
    static final class Lines implements BuildListener {
        final List<String> info = new ArrayList<>();
        final List<String> warn = new ArrayList<>();

        @Override
        public void info(String line) {
            info.add(line);
        }

        @Override
        public void warn(String line) {
            warn.add(line);
        }

        boolean any(String part) {
            return Stream.concat(info.stream(), warn.stream()).anyMatch(l -> l.contains(part));
        }
    }

    private Gallery gallery(String yaml) throws IOException {
        Path file = tmp.resolve("logitlens.yaml");
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
        return GalleryParser.parse(file);
    }

    private static final String TWO_BY_THREE = """
            title: Tiny
            defaults: { k: 3, device: cpu }
            models:
              - id: alpha
                path: models/alpha
              - id: beta
                path: models/beta
            prompts:
              - id: france
                text: The capital of France is
              - id: germany
                text: The capital of Germany is
              - id: cat
                text: a cat sat
            """;

    @Test
    void collectsEveryRunThenServesThemAllFromTheCache() throws IOException {
        tinyModel(tmp.resolve("models/alpha"), 1);
        tinyModel(tmp.resolve("models/beta"), 2);
        Gallery g = gallery(TWO_BY_THREE);
        Path cache = tmp.resolve("cache");

        Lines first = new Lines();
        List<RunOutcome> a = new GalleryCollector(new GalleryCollector.Options(cache, null, false), first).collect(g);
        assertEquals(6, a.size());
        assertTrue(a.stream().allMatch(o -> o.ok() && !o.cached()), first.warn.toString());
        assertEquals(List.of("alpha", "alpha", "alpha", "beta", "beta", "beta"),
                a.stream().map(RunOutcome::modelId).toList());
        assertTrue(first.info.get(1).matches("\\[1/6] alpha × france: \\d+\\.\\d\\d s"), first.info.get(1));
        assertEquals(2, first.info.stream().filter(l -> l.startsWith("Loaded ")).count());
        assertTrue(first.any("Summary: 6 runs: 6 collected, 0 cached, 0 failed"));
        RunOutcome alphaFrance = a.get(0);
        assertEquals("path:models/alpha", alphaFrance.provenance().source());
        assertEquals(List.of(0, 1, 2), alphaFrance.provenance().layers());
        assertEquals("float32", alphaFrance.provenance().dtype());
        assertEquals("cpu", alphaFrance.provenance().device());
        try (Stream<Path> entries = Files.walk(cache)) {
            assertEquals(6, entries.filter(p -> p.toString().endsWith(".json")).count());
        }

        Lines second = new Lines();
        List<RunOutcome> b = new GalleryCollector(new GalleryCollector.Options(cache, null, false), second).collect(g);
        assertTrue(b.stream().allMatch(o -> o.ok() && o.cached()));
        assertFalse(second.any("Loaded "), "no model is loaded when all its runs are cached");
        assertEquals("[1/6] alpha × france: (cached)", second.info.get(0));
        for (int i = 0; i < 6; i++) {
            assertArrayEquals(RunJson.write(a.get(i).result(), a.get(i).provenance()),
                    RunJson.write(b.get(i).result(), b.get(i).provenance()));
        }

        // One prompt changed: only its two runs are collected again.
        Gallery changed = gallery(TWO_BY_THREE.replace("a cat sat", "a cat sat a"));
        Lines third = new Lines();
        List<RunOutcome> c = new GalleryCollector(new GalleryCollector.Options(cache, null, false), third)
                .collect(changed);
        assertEquals(List.of(true, true, false, true, true, false), c.stream().map(RunOutcome::cached).toList());
    }

    @Test
    void aCachedRunTakesTheIdOfTheGalleryThatReadsIt() throws IOException {
        tinyModel(tmp.resolve("models/alpha"), 1);
        Path cache = tmp.resolve("cache");
        String yaml = """
                defaults: { k: 3, device: cpu }
                models:
                  - id: alpha
                    path: models/alpha
                prompts:
                  - id: cat
                    text: a cat sat
                """;
        RunOutcome computed = new GalleryCollector(new GalleryCollector.Options(cache, null, false), new Lines())
                .collect(gallery(yaml)).get(0);
        // the same weights under another id: served from the cache, and written under the new id only
        RunOutcome cached = new GalleryCollector(new GalleryCollector.Options(cache, null, false), new Lines())
                .collect(gallery(yaml.replace("id: alpha", "id: gamma"))).get(0);
        assertTrue(cached.cached(), cached.message());
        assertEquals("gamma", cached.provenance().modelId());
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode doc = json.readTree(RunJson.write(cached.result(), cached.provenance()));
        assertEquals("gamma", doc.path("meta").path("model").asText());
        assertEquals(json.readTree(RunJson.write(computed.result(), computed.provenance())).get("logitlens"),
                doc.get("logitlens"));
    }

    @Test
    void aLayerOutOfRangeFailsThatRunWithTheGalleryLocation() throws IOException {
        tinyModel(tmp.resolve("models/alpha"), 1);
        Gallery g = gallery("""
                models:
                  - id: alpha
                    path: models/alpha
                    device: cpu
                prompts:
                  - id: ok
                    text: The capital
                  - id: deep
                    text: a cat
                    layers: [99]
                """);
        Lines lines = new Lines();
        List<RunOutcome> out = new GalleryCollector(new GalleryCollector.Options(null, null, false), lines).collect(g);
        assertTrue(out.get(0).ok());
        RunOutcome deep = out.get(1);
        assertFalse(deep.ok());
        assertInstanceOf(GalleryException.class, deep.error());
        String where = tmp.resolve("logitlens.yaml") + ":10:13: ";
        assertEquals("model 'alpha' × prompt 'deep': " + where + "layers: [99] is out of range for a 3-layer model"
                + " (valid: 0..2 or -3..-1) (model 'alpha', prompt 'deep'). Change layers so that it fits every"
                + " model it applies to.", deep.message());
        assertTrue(lines.any("[2/2] alpha × deep: FAILED: " + where));

        GalleryException fast = assertThrows(GalleryException.class,
                () -> new GalleryCollector(new GalleryCollector.Options(null, null, true), new Lines()).collect(g));
        assertTrue(fast.getMessage().startsWith(where));
    }

    @Test
    void aMissingModelFailsItsRunsAndTheOthersStillRun() throws IOException {
        tinyModel(tmp.resolve("models/alpha"), 1);
        Gallery g = gallery("""
                defaults: { device: cpu }
                models:
                  - id: ghost
                    path: models/ghost
                  - id: alpha
                    path: models/alpha
                prompts:
                  - id: one
                    text: The cat
                  - id: two
                    text: a cat
                """);
        Lines lines = new Lines();
        List<RunOutcome> out = new GalleryCollector(new GalleryCollector.Options(null, null, false), lines)
                .collect(g);
        assertEquals(List.of(false, false, true, true), out.stream().map(RunOutcome::ok).toList());
        assertTrue(lines.warn.get(1).endsWith("ghost × two: FAILED: model 'ghost' could not be loaded (see above)"),
                lines.warn.toString()); // the cause is logged once, with the first run
        assertInstanceOf(dev.logitlens.core.gallery.GalleryException.class, out.get(0).error());
        assertTrue(out.get(1).message().contains(":3:5: model 'ghost': path models/ghost is not a directory (resolved to "
                + tmp.resolve("models/ghost").toAbsolutePath().normalize() + ")"), out.get(1).message());
    }

    @Test
    void theFailureReportGivesEachCauseOnceWithTheRunsItAlsoFailed() throws IOException {
        tinyModel(tmp.resolve("models/alpha"), 1);
        Gallery g = gallery("""
                defaults: { device: cpu }
                models:
                  - id: ghost
                    path: models/ghost
                  - id: alpha
                    path: models/alpha
                prompts:
                  - id: one
                    text: The cat
                  - id: two
                    text: a cat
                  - id: deep
                    text: a cat sat
                    layers: [99]
                """);
        List<RunOutcome> out = new GalleryCollector(new GalleryCollector.Options(null, null, false), new Lines())
                .collect(g);
        assertEquals(List.of(false, false, false, true, true, false), out.stream().map(RunOutcome::ok).toList());
        assertEquals(out.get(0).run(), out.get(2).sameErrorAs());
        assertEquals(null, out.get(5).sameErrorAs());
        String file = tmp.resolve("logitlens.yaml").toString();
        assertEquals("4 of 6 runs failed:"
                + "\n  model 'ghost' × prompt 'one': " + file + ":3:5: model 'ghost': path models/ghost is not a directory"
                + " (resolved to " + tmp.resolve("models/ghost").toAbsolutePath().normalize() + "). Point path at a"
                + " Hugging Face model directory holding config.json, model.safetensors and tokenizer.json, relative to"
                + " the gallery file"
                + "\n    (the same error failed 2 more runs of model 'ghost')"
                + "\n  model 'alpha' × prompt 'deep': " + file + ":14:13: layers: [99] is out of range for a 3-layer"
                + " model (valid: 0..2 or -3..-1) (model 'alpha', prompt 'deep'). Change layers so that it fits every"
                + " model it applies to.", FailureReport.of(out).orElseThrow());
        assertEquals(java.util.Optional.empty(), FailureReport.of(out.subList(3, 5)));
    }

    @Test
    void aCorruptCacheEntryIsReportedIgnoredAndRewritten() throws IOException {
        tinyModel(tmp.resolve("models/alpha"), 1);
        Gallery g = gallery("""
                defaults: { device: cpu }
                models: [{ id: alpha, path: models/alpha }]
                prompts: [{ id: one, text: The capital of France is }]
                """);
        Path cache = tmp.resolve("cache");
        List<RunOutcome> first = new GalleryCollector(new GalleryCollector.Options(cache, null, false), new Lines())
                .collect(g);
        Path entry;
        try (Stream<Path> s = Files.walk(cache)) {
            entry = s.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
        }
        byte[] good = Files.readAllBytes(entry);
        Files.write(entry, Arrays.copyOf(good, good.length / 3)); // as if a write had been cut short

        Lines lines = new Lines();
        List<RunOutcome> again = new GalleryCollector(new GalleryCollector.Options(cache, null, false), lines)
                .collect(g);
        assertTrue(again.get(0).ok());
        assertFalse(again.get(0).cached());
        assertTrue(lines.warn.stream().anyMatch(l -> l.startsWith("cache entry is corrupt and will be recomputed: "
                + entry + ": not valid JSON")), lines.warn.toString());
        assertArrayEquals(good, Files.readAllBytes(entry), "the entry is rewritten whole");
        assertArrayEquals(RunJson.write(first.get(0).result(), first.get(0).provenance()),
                RunJson.write(again.get(0).result(), again.get(0).provenance()));
    }

    @Test
    void unknownWordsInAPromptAreWarnedAbout() throws IOException {
        tinyModel(tmp.resolve("models/alpha"), 1);
        Gallery g = gallery("""
                defaults: { device: cpu }
                models: [{ id: alpha, path: models/alpha }]
                prompts:
                  - { id: known, text: The cat sat }
                  - { id: odd, text: The Xanadu cat }
                """);
        Lines lines = new Lines();
        List<RunOutcome> out = new GalleryCollector(new GalleryCollector.Options(null, null, false), lines).collect(g);
        assertTrue(out.stream().allMatch(RunOutcome::ok));
        assertEquals(1, lines.warn.stream().filter(l -> l.contains("unknown to the tokenizer")).count(), lines.warn.toString());
        assertTrue(lines.warn.stream().anyMatch(l -> l.contains("alpha × odd: 1 token(s) of the prompt are unknown to the"
                + " tokenizer (<unk>) at ") && l.endsWith("logitlens.yaml:5:5")), lines.warn.toString());
    }

    @Test
    void aModelWithATunedLensGetsBothLensesFromTheCacheToo() throws Exception {
        tinyModel(tmp.resolve("models/alpha"), 3);
        float[][] w = new float[3][16 * 16];
        float[][] b = new float[3][16];
        java.util.Random rnd = new java.util.Random(5);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < w[i].length; j++) {
                w[i][j] = (float) (rnd.nextGaussian() * 0.2);
            }
        }
        dev.logitlens.core.tuned.TorchStateDictWriter.writeFolder(tmp.resolve("lenses/alpha"),
                new dev.logitlens.core.tuned.TunedLensConfig("alpha", 16, 3, true, null, null), w, b);
        Gallery g = gallery("""
                defaults: { k: 3, device: cpu }
                models:
                  - id: alpha
                    path: models/alpha
                    tunedLens: {path: lenses/alpha}
                prompts:
                  - id: france
                    text: The capital of France is
                """);
        Path cache = tmp.resolve("cache");
        List<RunOutcome> a = new GalleryCollector(new GalleryCollector.Options(cache, null, false), new Lines())
                .collect(g);
        RunOutcome o = a.get(0);
        assertTrue(o.ok(), o.message());
        assertEquals(o.result().numLayers(), o.tuned().result().numLayers());
        assertEquals("lenses/alpha", o.tuned().lens());
        assertTrue(o.tuned().klToLogitLens()[0][0] > 0, "the lenses differ at layer 0");
        Lines second = new Lines();
        RunOutcome c = new GalleryCollector(new GalleryCollector.Options(cache, null, false), second).collect(g).get(0);
        assertTrue(c.cached() && second.any("(cached)"), second.info.toString());
        assertArrayEquals(o.tuned().result().klToFinal()[0], c.tuned().result().klToFinal()[0], 1e-6f);
        assertArrayEquals(o.tuned().klToLogitLens()[1], c.tuned().klToLogitLens()[1], 1e-6f);

        // a lens for another model fails the model's runs with a located message naming both numbers
        dev.logitlens.core.tuned.TorchStateDictWriter.writeFolder(tmp.resolve("lenses/alpha"),
                new dev.logitlens.core.tuned.TunedLensConfig("alpha", 16, 2, true, null, null),
                java.util.Arrays.copyOf(w, 2), java.util.Arrays.copyOf(b, 2));
        RunOutcome bad = new GalleryCollector(new GalleryCollector.Options(null, null, false), new Lines())
                .collect(g).get(0);
        assertFalse(bad.ok());
        assertTrue(bad.message().contains("logitlens.yaml:5:") && bad.message().contains("num_hidden_layers 2")
                && bad.message().contains("has 3"), bad.message());
    }

    /**
     * A model's pending prompts run in one pass: a prompt too long for the model fails alone, cached prompts are
     * served from the cache, a streamed model gives the resident numbers, and the memory decision is logged.
     */
    @Test
    void onePassPerModelWithCachedAndFailingPrompts() throws IOException {
        tinyModel(tmp.resolve("models/alpha"), 1);
        String tooLong = String.join(" ", java.util.Collections.nCopies(40, "cat")); // 40 tokens, 32 positions
        Path cache = tmp.resolve("cache");
        String yaml = """
                title: Tiny
                defaults: { k: 3, device: cpu, memory: %s }
                models:
                  - id: alpha
                    path: models/alpha
                prompts:
                  - id: france
                    text: The capital of France is
                  - id: long
                    text: %s
                  - id: cat
                    text: a cat sat
                """;
        Lines first = new Lines();
        List<RunOutcome> a = new GalleryCollector(new GalleryCollector.Options(cache, null, false), first)
                .collect(gallery(yaml.formatted("resident", "The capital of Germany is")));
        assertTrue(first.any("memory resident (as configured;"), first.info.toString());
        Lines second = new Lines();
        List<RunOutcome> b = new GalleryCollector(new GalleryCollector.Options(cache, null, false), second)
                .collect(gallery(yaml.formatted("stream", tooLong)));
        assertTrue(second.any("memory stream (as configured;"), second.info.toString());
        assertTrue(second.any("alpha × france: (cached)"));
        assertTrue(second.any("alpha × cat: (cached)"));
        assertFalse(b.get(1).ok());
        assertTrue(b.get(1).message().contains("40 tokens long but the model accepts at most 32"), b.get(1).message());
        // the cached runs equal what the resident pass computed
        assertArrayEquals(a.get(0).result().topk(), b.get(0).result().topk());
        // a fresh streamed pass over the same prompts gives the resident pass's numbers
        List<RunOutcome> c = new GalleryCollector(new GalleryCollector.Options(null, null, false), new Lines())
                .collect(gallery(yaml.formatted("stream", "The capital of Germany is")));
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(a.get(i).result().topk(), c.get(i).result().topk());
            assertArrayEquals(a.get(i).result().probs(), c.get(i).result().probs());
        }
    }
}
