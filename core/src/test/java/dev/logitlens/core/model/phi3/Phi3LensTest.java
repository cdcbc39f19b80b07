package dev.logitlens.core.model.phi3;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.LensSession;
import dev.logitlens.core.reference.LensAssert;
import dev.logitlens.core.reference.NaivePhi3;
import dev.logitlens.core.synth.RandomPhi3;
import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Phi-3's DJL forward pass and lens against the naive double-precision reference. */
class Phi3LensTest {
    static final List<String> WORDS = List.of("the", "capital", "of", "france", "is", "paris", "a", "dog");
    static final String PROMPT = "the capital of france is paris";

    @ParameterizedTest(name = "{0} kvHeads={1} partial={2} window={3} prefix=''{4}'' tied={5} shards={6}")
    @CsvSource({
            "F32, 4, 1.0, 0, model., false, 1",    // Phi-3-mini's shape: MHA, full rotary, untied
            "F32, 2, 0.5, 0, model., false, 1",    // GQA, partial rotary
            "BF16, 1, 0.75, 3, '', true, 1",       // MQA, sliding window shorter than the prompt, tied
            "F16, 2, 1.0, 4, model., false, 3"})
    void lensMatchesNaiveReference(TensorDtype dtype, int kvHeads, double partial, int window, String prefix,
                                   boolean tied, int shards, @TempDir Path dir) throws Exception {
        int layers = 3, d = 64, heads = 4, inner = 96, vocab = 64; // Dh = 16
        Map<String, float[]> w = RandomPhi3.write(dir, new RandomPhi3.Spec(layers, d, heads, kvHeads, inner, vocab,
                partial, window, dtype, prefix, tied, shards, 13));
        WordLevelTokenizerWriter.write(dir, WORDS, vocab);
        try (LensSession s = LensSession.open(dir, "tiny-phi3", Device.cpu(), "auto")) {
            LensResult r = s.collect(PROMPT, 5, null);
            int[] ids = s.tokenizer().encode(PROMPT);
            assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, ids);
            LensAssert.assertMatches(r, NaivePhi3.lensLogits(w, layers, d, heads, kvHeads, inner, vocab, partial, window,
                    ids));
        }
    }

    /** Rewrites config.json as a long-context Phi-3 (Phi-3-mini-128k's layout, scaled down). */
    private static void makeLongRope(Path dir, double[] shortF, double[] longF, int originalMax, int maxPositions)
            throws Exception {
        ObjectMapper json = new ObjectMapper();
        Path config = dir.resolve("config.json");
        ObjectNode c = (ObjectNode) json.readTree(config.toFile());
        ObjectNode scaling = c.putObject("rope_scaling");
        scaling.put("type", "longrope");
        scaling.set("short_factor", json.valueToTree(shortF));
        scaling.set("long_factor", json.valueToTree(longF));
        c.put("original_max_position_embeddings", originalMax);
        c.put("max_position_embeddings", maxPositions);
        json.writerWithDefaultPrettyPrinter().writeValue(config.toFile(), c);
    }

    /** HF's longrope frequencies in doubles: 1 / (ext_i · theta^(2i/rotary)). */
    private static double[] longRopeInvFreq(double[] ext, int rotary) {
        double[] inv = new double[rotary / 2];
        for (int i = 0; i < inv.length; i++) {
            inv[i] = 1 / (ext[i] * Math.pow(10000, 2.0 * i / rotary));
        }
        return inv;
    }

    @ParameterizedTest(name = "{0} partial={1} ''{2}'' long={3}")
    @CsvSource({
            "F32, 1.0, the capital of france is paris, true",   // 6 tokens > original max 4: long_factor
            "F32, 1.0, the capital of, false",                   // 3 tokens <= 4: short_factor
            "BF16, 0.5, the capital of france is paris, true",
            "F16, 0.5, the capital of france, false"})          // exactly the original max: still short
    void longRopeMatchesNaiveReference(TensorDtype dtype, double partial, String prompt, boolean useLong,
                                       @TempDir Path dir) throws Exception {
        int layers = 3, d = 64, heads = 4, kvHeads = 2, inner = 96, vocab = 64; // Dh = 16
        int rotary = (int) (16 * partial);
        double[] shortF = new double[rotary / 2];
        double[] longF = new double[rotary / 2];
        for (int i = 0; i < shortF.length; i++) {
            shortF[i] = 1 + 0.25 * i;
            longF[i] = Math.pow(1.8, i);
        }
        Map<String, float[]> w = RandomPhi3.write(dir, new RandomPhi3.Spec(layers, d, heads, kvHeads, inner, vocab,
                partial, 0, dtype, "model.", false, 1, 21));
        makeLongRope(dir, shortF, longF, 4, 64);
        WordLevelTokenizerWriter.write(dir, WORDS, vocab);
        // factor = 64 / 4 = 16: attention scaling sqrt(1 + ln 16 / ln 4) = sqrt(3)
        double attention = Math.sqrt(1 + Math.log(64.0 / 4) / Math.log(4));
        try (LensSession s = LensSession.open(dir, "tiny-phi3-long", Device.cpu(), "auto")) {
            LensResult r = s.collect(prompt, 5, null);
            int[] ids = s.tokenizer().encode(prompt);
            assertEquals(useLong, ids.length > 4);
            double[] used = longRopeInvFreq(useLong ? longF : shortF, rotary);
            double[] other = longRopeInvFreq(useLong ? shortF : longF, rotary);
            LensAssert.assertMatches(r, NaivePhi3.lensLogits(w, layers, d, heads, kvHeads, inner, vocab, partial, 0,
                    used, attention, ids));
            // the reference can tell the factor sets and the attention scaling apart
            assertThrows(AssertionError.class, () -> LensAssert.assertMatches(r, NaivePhi3.lensLogits(w, layers, d,
                    heads, kvHeads, inner, vocab, partial, 0, other, attention, ids)));
            assertThrows(AssertionError.class, () -> LensAssert.assertMatches(r, NaivePhi3.lensLogits(w, layers, d,
                    heads, kvHeads, inner, vocab, partial, 0, used, 1.0, ids)));
        }
    }

    @Test
    void longRopeWithWrongFactorCountFailsNamingTheKey(@TempDir Path dir) throws Exception {
        RandomPhi3.write(dir, new RandomPhi3.Spec(1, 16, 2, 2, 16, 32, 1.0, 0, TensorDtype.F32, "model.", false, 1, 3));
        WordLevelTokenizerWriter.write(dir, WORDS, 32);
        makeLongRope(dir, new double[] {1.0}, new double[] {2.0}, 4, 64); // Dh 8 needs 4 factors each
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> LensSession.open(dir, "x", Device.cpu(), "float32").close());
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("rope_scaling.short_factor")
                && e.getMessage().contains("4"), e.getMessage());
    }
}
