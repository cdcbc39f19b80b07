package dev.logitlens.core.model.llama;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.LensSession;
import dev.logitlens.core.reference.LensAssert;
import dev.logitlens.core.reference.NaiveLlama;
import dev.logitlens.core.synth.RandomLlama;
import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Llama family's DJL forward pass and lens against the naive double-precision reference. */
class LlamaLensTest {
    static final List<String> WORDS = List.of("the", "capital", "of", "france", "is", "paris", "a", "dog");
    static final String SHORT = "the capital of france is";
    /** 10 tokens: longer than the sliding windows below. */
    static final String LONG = "the capital of france is paris a dog is a";
    static final int LAYERS = 3, D = 32, HEADS = 4, KV = 2, INTER = 48, VOCAB = 64;

    private static RandomLlama.Spec spec(String type, int headDim, TensorDtype dtype, String prefix, boolean tied,
                                         int shards, Map<String, Object> extra) {
        return new RandomLlama.Spec(type, LAYERS, D, HEADS, KV, headDim, INTER, VOCAB, 64, dtype, prefix, tied, shards,
                11, extra);
    }

    /** Writes the checkpoint, collects the lens of {@code prompt} and checks it against the reference. */
    private static LensResult check(Path dir, RandomLlama.Spec s, String prompt, double[] invFreq, int[] windows)
            throws Exception {
        return check(dir, s, prompt, invFreq, 1.0, windows);
    }

    /** The same with the rotary's cos/sin multiplied by {@code attentionFactor} in the reference. */
    private static LensResult check(Path dir, RandomLlama.Spec s, String prompt, double[] invFreq,
                                    double attentionFactor, int[] windows) throws Exception {
        Map<String, float[]> w = RandomLlama.write(dir, s);
        WordLevelTokenizerWriter.write(dir, WORDS, VOCAB);
        try (LensSession session = LensSession.open(dir, "tiny-" + s.modelType(), Device.cpu(), "auto")) {
            assertEquals(s.modelType(), session.model().info().modelType());
            LensResult r = session.collect(prompt, 5, null);
            int[] ids = session.tokenizer().encode(prompt);
            NaiveLlama.Dims dims = new NaiveLlama.Dims(LAYERS, D, HEADS, KV, s.headDim(), INTER, VOCAB, 1e-6,
                    invFreq, windows, attentionFactor);
            LensAssert.assertMatches(r, NaiveLlama.lensLogits(w, dims, ids));
            return r;
        }
    }

    private static int[] windows(int... perLayer) {
        return perLayer;
    }

    @Test
    void llamaGqaTiedLlama3Scaling(@TempDir Path dir) throws Exception {
        Map<String, Object> scaling = Map.of("rope_type", "llama3", "factor", 8.0, "low_freq_factor", 1.0,
                "high_freq_factor", 4.0, "original_max_position_embeddings", 64);
        double[] inv = NaiveLlama.llama3(NaiveLlama.invFreq(8, 10000.0), 8, 1, 4, 64);
        check(dir, spec("llama", 8, TensorDtype.F32, "", true, 1, Map.of("rope_scaling", scaling)), LONG, inv,
                windows(0, 0, 0));
    }

    @Test
    void llamaAttentionAndMlpBiasesF16Prefixed(@TempDir Path dir) throws Exception {
        Map<String, Object> extra = Map.of("attention_bias", true, "mlp_bias", true,
                "rope_scaling", Map.of("type", "linear", "factor", 2.0));
        double[] inv = Arrays.stream(NaiveLlama.invFreq(8, 10000.0)).map(f -> f / 2).toArray();
        Map<String, float[]> names = RandomLlama.write(dir.resolve("probe"),
                spec("llama", 8, TensorDtype.F16, "model.", false, 1, extra));
        assertTrue(names.containsKey("layers.0.self_attn.o_proj.bias") && names.containsKey("layers.0.mlp.up_proj.bias"));
        check(dir, spec("llama", 8, TensorDtype.F16, "model.", false, 1, extra), SHORT, inv, windows(0, 0, 0));
    }

    @Test
    void llamaNewerRopeParameters(@TempDir Path dir) throws Exception {
        // transformers ≥ 4.56 writes rope_theta inside rope_parameters
        Map<String, Object> extra = Map.of("rope_parameters", Map.of("rope_type", "default", "rope_theta", 500.0));
        check(dir, spec("llama", 8, TensorDtype.F32, "", true, 1, extra), LONG, NaiveLlama.invFreq(8, 500.0),
                windows(0, 0, 0));
    }

    @Test
    void qwen2BiasesUntiedPrefixedShardedBf16(@TempDir Path dir) throws Exception {
        Map<String, float[]> w = RandomLlama.write(dir.resolve("probe"),
                spec("qwen2", 8, TensorDtype.BF16, "model.", false, 3, Map.of()));
        assertTrue(w.containsKey("layers.0.self_attn.q_proj.bias"));
        assertFalse(w.containsKey("layers.0.self_attn.o_proj.bias"));
        check(dir, spec("qwen2", 8, TensorDtype.BF16, "model.", false, 3, Map.of()), SHORT,
                NaiveLlama.invFreq(8, 10000.0), windows(0, 0, 0));
    }

    @Test
    void qwen2SlidingWindowOnUpperLayers(@TempDir Path dir) throws Exception {
        // use_sliding_window: layers i >= max_window_layers slide, the lower ones see everything
        Map<String, Object> extra = Map.of("use_sliding_window", true, "sliding_window", 3, "max_window_layers", 1);
        check(dir, spec("qwen2", 8, TensorDtype.F32, "", true, 1, extra), LONG, NaiveLlama.invFreq(8, 10000.0),
                windows(0, 3, 3));
    }

    @Test
    void qwen2SlidingWindowOffUnlessEnabled(@TempDir Path dir) throws Exception {
        Map<String, Object> extra = Map.of("use_sliding_window", false, "sliding_window", 3, "max_window_layers", 0);
        check(dir, spec("qwen2", 8, TensorDtype.F32, "", true, 1, extra), LONG, NaiveLlama.invFreq(8, 10000.0),
                windows(0, 0, 0));
    }

    @Test
    void qwen3QkNormsAndWideHeads(@TempDir Path dir) throws Exception {
        // head_dim 16 while hidden / heads = 8
        check(dir, spec("qwen3", 16, TensorDtype.F32, "model.", false, 2, Map.of()), LONG,
                NaiveLlama.invFreq(16, 10000.0), windows(0, 0, 0));
    }

    @Test
    void mistralSlidingWindowShorterThanPrompt(@TempDir Path dir) throws Exception {
        check(dir, spec("mistral", 8, TensorDtype.F32, "", false, 1, Map.of("sliding_window", 3)), LONG,
                NaiveLlama.invFreq(8, 10000.0), windows(3, 3, 3));
    }

    @Test
    void slidingWindowChangesTheResult(@TempDir Path dir) throws Exception {
        // guards against a reference that ignores the window as the model does
        LensResult windowed = check(dir.resolve("w"), spec("mistral", 8, TensorDtype.F32, "", true, 1,
                Map.of("sliding_window", 2)), LONG, NaiveLlama.invFreq(8, 10000.0), windows(2, 2, 2));
        Map<String, float[]> w = RandomLlama.write(dir.resolve("w2"), spec("mistral", 8, TensorDtype.F32, "", true, 1,
                Map.of("sliding_window", 2)));
        double[][][] full = NaiveLlama.lensLogits(w, new NaiveLlama.Dims(LAYERS, D, HEADS, KV, 8, INTER, VOCAB, 1e-6,
                NaiveLlama.invFreq(8, 10000.0), windows(0, 0, 0)), windowed.inputIds());
        double last = full[LAYERS - 1][windowed.numPositions() - 1][windowed.finalTop1()[windowed.numPositions() - 1]];
        double[] lp = LensAssert.logSoftmax(full[LAYERS - 1])[windowed.numPositions() - 1];
        float got = windowed.finalTop1Prob()[windowed.numLayers() - 1][windowed.numPositions() - 1];
        assertTrue(Math.abs(Math.exp(lp[windowed.finalTop1()[windowed.numPositions() - 1]]) - got) > 1e-4,
                "full attention should give a different distribution (logit " + last + ")");
    }

    @Test
    void llamaYarnScaling(@TempDir Path dir) throws Exception {
        // head_dim 16, original context 2048: the ramp runs from dimension pair 2 to 6, so pairs are kept,
        // blended and interpolated; cos/sin carry 0.1·ln(4) + 1
        Map<String, Object> scaling = Map.of("rope_type", "yarn", "factor", 4.0,
                "original_max_position_embeddings", 2048);
        int dim = 16;
        double low = Math.floor(dim * Math.log(2048 / (32 * 2 * Math.PI)) / (2 * Math.log(10000)));
        double high = Math.ceil(dim * Math.log(2048 / (1 * 2 * Math.PI)) / (2 * Math.log(10000)));
        double[] plain = NaiveLlama.invFreq(dim, 10000.0);
        double[] inv = new double[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            double keep = 1 - Math.min(1, Math.max(0, (i - low) / (high - low)));
            inv[i] = plain[i] / 4 * (1 - keep) + plain[i] * keep;
        }
        assertEquals(2, low);
        assertEquals(6, high);
        check(dir, spec("llama", dim, TensorDtype.F32, "", false, 1, Map.of("rope_scaling", scaling)), LONG, inv,
                0.1 * Math.log(4) + 1, windows(0, 0, 0));
    }

    @Test
    void qwen2DynamicNtk(@TempDir Path dir) throws Exception {
        Map<String, Object> extra = Map.of("rope_scaling", Map.of("type", "dynamic", "factor", 2.0));
        RandomLlama.Spec s = new RandomLlama.Spec("qwen2", LAYERS, D, HEADS, KV, 8, INTER, VOCAB, 6, TensorDtype.F32,
                "", true, 1, 11, extra);
        // a 5-token prompt fits max_position_embeddings 6: the default frequencies
        check(dir, s, SHORT, NaiveLlama.invFreq(8, 10000.0), windows(0, 0, 0));
        // The lens refuses prompts past max_position_embeddings, so the forward pass itself is checked on the
        // 10-token prompt, where the base becomes base · (2·10/6 - 1)^(8/6).
        double base = 10000.0 * Math.pow(2.0 * 10 / 6 - 1, 8.0 / 6);
        try (LensSession session = LensSession.open(dir, "tiny-dynamic", Device.cpu(), "float32");
             NDManager m = NDManager.newBaseManager()) {
            int[] ids = session.tokenizer().encode(LONG);
            assertEquals(10, ids.length);
            NDList outs = session.model().blockOutputs(m.create(Arrays.stream(ids).asLongStream().toArray()));
            float[] got = session.model().unembedding().logits(session.model().finalNorm(outs.get(LAYERS - 1)))
                    .toFloatArray();
            Map<String, float[]> w = RandomLlama.write(dir.resolve("ref"), s);
            double[][] scaled = NaiveLlama.lensLogits(w, new NaiveLlama.Dims(LAYERS, D, HEADS, KV, 8, INTER, VOCAB,
                    1e-6, NaiveLlama.invFreq(8, base), windows(0, 0, 0)), ids)[LAYERS - 1];
            double[][] unscaled = NaiveLlama.lensLogits(w, new NaiveLlama.Dims(LAYERS, D, HEADS, KV, 8, INTER, VOCAB,
                    1e-6, NaiveLlama.invFreq(8, 10000.0), windows(0, 0, 0)), ids)[LAYERS - 1];
            double worstScaled = 0, worstUnscaled = 0;
            for (int t = 0; t < ids.length; t++) {
                for (int v = 0; v < VOCAB; v++) {
                    worstScaled = Math.max(worstScaled, Math.abs(got[t * VOCAB + v] - scaled[t][v]));
                    worstUnscaled = Math.max(worstUnscaled, Math.abs(got[t * VOCAB + v] - unscaled[t][v]));
                }
            }
            assertTrue(worstScaled < 1e-3, "logits off by " + worstScaled);
            assertTrue(worstUnscaled > 1e-2, "the rescaled base should change the logits (" + worstUnscaled + ")");
        }
    }

    @Test
    void unsupportedRopeScalingFailsNamingConfig(@TempDir Path dir) throws Exception {
        RandomLlama.write(dir, spec("llama", 8, TensorDtype.F32, "", true, 1,
                Map.of("rope_scaling", Map.of("rope_type", "proportional", "factor", 4.0))));
        WordLevelTokenizerWriter.write(dir, WORDS, VOCAB);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> LensSession.open(dir, "tiny", Device.cpu(), "auto"));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("proportional"),
                e.getMessage());
    }

    @Test
    void unsupportedActivationFailsNamingConfig(@TempDir Path dir) throws Exception {
        RandomLlama.write(dir, spec("llama", 8, TensorDtype.F32, "", true, 1, Map.of("hidden_act", "mish")));
        WordLevelTokenizerWriter.write(dir, WORDS, VOCAB);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> LensSession.open(dir, "tiny", Device.cpu(), "auto"));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("hidden_act")
                && e.getMessage().contains("mish"), e.getMessage());
    }

    @Test
    void untiedWithoutLmHeadFails(@TempDir Path dir) throws Exception {
        // weights written tied, config claims untied
        RandomLlama.write(dir, spec("llama", 8, TensorDtype.F32, "", true, 1, Map.of("tie_word_embeddings", false)));
        WordLevelTokenizerWriter.write(dir, WORDS, VOCAB);
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> LensSession.open(dir, "tiny", Device.cpu(), "auto"));
        assertTrue(e.getMessage().contains("lm_head.weight") && e.getMessage().contains("tie_word_embeddings"),
                e.getMessage());
    }
}
