package dev.logitlens.core.model.gemma;

import ai.djl.Device;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.LensSession;
import dev.logitlens.core.reference.LensAssert;
import dev.logitlens.core.reference.NaiveGemma;
import dev.logitlens.core.synth.RandomGemma;
import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gemma 1/2/3 text forward passes and lenses against the naive double-precision reference. */
class GemmaLensTest {
    static final List<String> WORDS = List.of("the", "capital", "of", "france", "is", "paris", "a", "dog");
    static final String PROMPT = "the capital of france is"; // 5 tokens: longer than the sliding windows below

    static final int D = 32, HEADS = 4, KV_HEADS = 2, HEAD_DIM = 16, INTER = 48, VOCAB = 64;

    /** Gemma 1: GQA, head_dim given explicitly (≠ D / H), tied head, q/k/v/o biases, hidden_act "gelu" ignored. */
    @Test
    void gemma(@TempDir Path dir) throws Exception {
        int layers = 3;
        Map<String, float[]> w = RandomGemma.write(dir, spec("gemma", layers, TensorDtype.F32, "model.", 1, 11,
                Map.of("attention_bias", true, "rope_theta", 100.0)));
        NaiveGemma.Params p = new NaiveGemma.Params(layers, D, HEADS, KV_HEADS, HEAD_DIM, INTER, VOCAB, false, false,
                1 / Math.sqrt(HEAD_DIM), 0, 0, new int[layers], fill(layers, 100.0), fill(layers, 1.0));
        LensResult r = collect(dir);
        LensAssert.assertMatches(r, NaiveGemma.lensLogits(w, p, ids()));
    }

    /**
     * Gemma 2 in BF16: both soft-caps on, sliding window 3 (shorter than the prompt) on layers 0 and 2, post-norms,
     * query_pre_attn_scalar ≠ head_dim, no prefix.
     */
    @Test
    void gemma2(@TempDir Path dir) throws Exception {
        int layers = 3;
        Map<String, float[]> w = RandomGemma.write(dir, spec("gemma2", layers, TensorDtype.BF16, "", 1, 12,
                gemma2Config()));
        NaiveGemma.Params p = gemma2Params(layers);
        LensResult r = collect(dir);
        double[][][] expected = NaiveGemma.lensLogits(w, p, ids());
        LensAssert.assertMatches(r, expected);
        // The window and the attention cap change the numbers here, so the test above covers them.
        assertDiffers(expected, NaiveGemma.lensLogits(w, p.withWindows(new int[layers]), ids()));
        assertDiffers(expected, NaiveGemma.lensLogits(w, p.withAttnCap(0), ids()));
    }

    /**
     * The final soft-cap is part of every layer's lens: without it the probabilities differ by far more than the
     * tolerance, and the collected lens matches only the capped reference.
     */
    @Test
    void finalSoftcapAppliesToEveryLayer(@TempDir Path dir) throws Exception {
        int layers = 3;
        Map<String, float[]> w = RandomGemma.write(dir, spec("gemma2", layers, TensorDtype.F32, "model.", 1, 13,
                gemma2Config()));
        NaiveGemma.Params p = gemma2Params(layers);
        LensResult r = collect(dir);
        double[][][] capped = NaiveGemma.lensLogits(w, p, ids());
        double[][][] uncapped = NaiveGemma.lensLogits(w, p.withFinalCap(0), ids());
        LensAssert.assertMatches(r, capped);
        for (int layer = 0; layer < layers; layer++) {
            double diff = maxProbDiff(capped[layer], uncapped[layer]);
            assertTrue(diff > 1e-3, "layer " + layer + ": the cap moves probabilities by only " + diff);
        }
        assertThrows(AssertionFailedError.class, () -> LensAssert.assertMatches(r, uncapped));
    }

    /**
     * Gemma 3 text, sharded, saved from the multimodal model (language_model.model.): q/k norms, sliding window 2 on
     * layers 0, 1, 3 (pattern 3) with rope_local_base_freq 10, global layer 2 with rope_theta 1000 and linear scaling
     * ×2, attn_logit_softcapping set but ignored (as in Hugging Face's Gemma 3 attention), final cap on.
     */
    @Test
    void gemma3Text(@TempDir Path dir) throws Exception {
        int layers = 4;
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("query_pre_attn_scalar", 24);
        config.put("sliding_window", 2);
        config.put("sliding_window_pattern", 3);
        config.put("rope_theta", 1000.0);
        config.put("rope_local_base_freq", 10.0);
        config.put("rope_scaling", Map.of("rope_type", "linear", "factor", 2.0));
        config.put("attn_logit_softcapping", 0.5);
        config.put("final_logit_softcapping", 3.0);
        Map<String, float[]> w = RandomGemma.write(dir, spec("gemma3_text", layers, TensorDtype.F32,
                "language_model.model.", 3, 14, config));
        NaiveGemma.Params p = new NaiveGemma.Params(layers, D, HEADS, KV_HEADS, HEAD_DIM, INTER, VOCAB, true, true,
                1 / Math.sqrt(24), 0, 3.0, new int[] {2, 2, 0, 2}, new double[] {10, 10, 1000, 10},
                new double[] {1, 1, 2, 1});
        LensResult r = collect(dir);
        double[][][] expected = NaiveGemma.lensLogits(w, p, ids());
        LensAssert.assertMatches(r, expected);
        // Local and global rotary bases differ enough to matter.
        assertDiffers(expected, NaiveGemma.lensLogits(w, p.withThetas(fill(layers, 1000.0)), ids()));
    }

    /** Gemma 3 in the newer config layout: explicit layer_types and per-type rope_parameters; untied head; F16. */
    @Test
    void gemma3TextLayerTypesAndRopeParameters(@TempDir Path dir) throws Exception {
        int layers = 3;
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("query_pre_attn_scalar", 16);
        config.put("sliding_window", 3);
        config.put("layer_types", List.of("full_attention", "sliding_attention", "full_attention"));
        config.put("rope_parameters", Map.of(
                "full_attention", Map.of("rope_type", "linear", "factor", 4.0, "rope_theta", 500.0),
                "sliding_attention", Map.of("rope_type", "default", "rope_theta", 20.0)));
        config.put("final_logit_softcapping", null);
        Map<String, float[]> w = RandomGemma.write(dir, new RandomGemma.Spec("gemma3_text", layers, D, HEADS, KV_HEADS,
                HEAD_DIM, INTER, VOCAB, TensorDtype.F16, "model.", false, 1, 15, config));
        NaiveGemma.Params p = new NaiveGemma.Params(layers, D, HEADS, KV_HEADS, HEAD_DIM, INTER, VOCAB, true, true,
                0.25, 0, 0, new int[] {0, 3, 0}, new double[] {500, 20, 500}, new double[] {4, 1, 4});
        LensAssert.assertMatches(collect(dir), NaiveGemma.lensLogits(w, p, ids()));
    }

    @Test
    void unsupportedConfigsFailClearly(@TempDir Path dir) throws Exception {
        RandomGemma.write(dir.resolve("dynamic"), spec("gemma3_text", 2, TensorDtype.F32, "model.", 1, 1,
                Map.of("rope_scaling", Map.of("rope_type", "dynamic", "factor", 2.0))));
        CheckpointException e = assertThrows(CheckpointException.class, () -> collect(dir.resolve("dynamic")));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("rope_scaling")
                && e.getMessage().contains("dynamic"), e.getMessage());

        RandomGemma.write(dir.resolve("bidi"), spec("gemma3_text", 2, TensorDtype.F32, "model.", 1, 1,
                Map.of("use_bidirectional_attention", true)));
        e = assertThrows(CheckpointException.class, () -> collect(dir.resolve("bidi")));
        assertTrue(e.getMessage().contains("use_bidirectional_attention"), e.getMessage());

        RandomGemma.write(dir.resolve("act"), spec("gemma2", 2, TensorDtype.F32, "model.", 1, 1,
                Map.of("hidden_activation", "mish")));
        e = assertThrows(CheckpointException.class, () -> collect(dir.resolve("act")));
        assertTrue(e.getMessage().contains("hidden_activation") && e.getMessage().contains("mish"), e.getMessage());

        RandomGemma.write(dir.resolve("head"), spec("gemma", 2, TensorDtype.F32, "model.", 1, 1,
                Map.of("tie_word_embeddings", false)));
        e = assertThrows(CheckpointException.class, () -> collect(dir.resolve("head")));
        assertTrue(e.getMessage().contains("lm_head.weight"), e.getMessage());
    }

    @Test
    void gemma2LocalLayersAreTheEvenOnes() {
        var json = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("model_type", "gemma2").put("num_hidden_layers", 4).put("sliding_window", 7);
        GemmaConfig c = GemmaConfig.from(json, "config.json");
        assertArrayEquals(new int[] {7, 0, 7, 0}, c.layers().stream().mapToInt(GemmaConfig.Layer::window).toArray());
        assertEquals(30f, c.finalSoftcap());
        assertEquals(50f, c.attnSoftcap());
        assertEquals(1 / 16.0, c.attentionScale(), 1e-12);
    }

    // ---------------------------------------------------------------------------------------------------------

    private static Map<String, Object> gemma2Config() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("query_pre_attn_scalar", 12);
        config.put("sliding_window", 3);
        config.put("attn_logit_softcapping", 1.5);
        config.put("final_logit_softcapping", 2.0);
        config.put("rope_theta", 50.0);
        return config;
    }

    private static NaiveGemma.Params gemma2Params(int layers) {
        int[] window = new int[layers];
        for (int i = 0; i < layers; i += 2) {
            window[i] = 3;
        }
        return new NaiveGemma.Params(layers, D, HEADS, KV_HEADS, HEAD_DIM, INTER, VOCAB, true, false,
                1 / Math.sqrt(12), 1.5, 2.0, window, fill(layers, 50.0), fill(layers, 1.0));
    }

    /** A tied model; config keys override the writer's, so {"tie_word_embeddings": false} leaves it headless. */
    private static RandomGemma.Spec spec(String type, int layers, TensorDtype dtype, String prefix, int shards,
                                         long seed, Map<String, Object> config) {
        return new RandomGemma.Spec(type, layers, D, HEADS, KV_HEADS, HEAD_DIM, INTER, VOCAB, dtype, prefix, true,
                shards, seed, config);
    }

    private static LensResult collect(Path dir) throws Exception {
        WordLevelTokenizerWriter.write(dir, WORDS, VOCAB);
        try (LensSession s = LensSession.open(dir, "tiny", Device.cpu(), "auto")) {
            assertArrayEquals(ids(), s.tokenizer().encode(PROMPT));
            return s.collect(PROMPT, 5, null);
        }
    }

    private static int[] ids() {
        return new int[] {1, 2, 3, 4, 5};
    }

    private static double[] fill(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static void assertDiffers(double[][][] a, double[][][] b) {
        double max = 0;
        for (int l = 0; l < a.length; l++) {
            max = Math.max(max, maxProbDiff(a[l], b[l]));
        }
        assertTrue(max > 1e-3, "the variant changes probabilities by only " + max);
    }

    private static double maxProbDiff(double[][] a, double[][] b) {
        double[][] pa = LensAssert.logSoftmax(a);
        double[][] pb = LensAssert.logSoftmax(b);
        double max = 0;
        for (int t = 0; t < pa.length; t++) {
            for (int v = 0; v < pa[t].length; v++) {
                max = Math.max(max, Math.abs(Math.exp(pa[t][v]) - Math.exp(pb[t][v])));
            }
        }
        return max;
    }
}
