package dev.logitlens.core.model.gemma;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.LensSession;
import dev.logitlens.core.model.Families;
import dev.logitlens.core.reference.LensAssert;
import dev.logitlens.core.reference.NaiveGemma;
import dev.logitlens.core.synth.RandomGemma;
import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Multimodal Gemma 3 checkpoints ({@code model_type: gemma3}, the text config under {@code text_config}, vision tower
 * tensors beside the text tower's) read as their text tower, as {@code Gemma3ForConditionalGeneration} runs a prompt
 * without images.
 */
class Gemma3MultimodalTest {
    static final int D = 32, HEADS = 4, KV_HEADS = 2, HEAD_DIM = 16, INTER = 48, VOCAB = 64, LAYERS = 6;
    static final int[] IDS = {1, 2, 3, 4, 5}; // GemmaLensTest.PROMPT in its word-level tokenizer

    /**
     * Saved by older transformers (language_model.model.*, head tied), BF16, sharded: text_config leaves out
     * rms_norm_eps, hidden_activation, tie_word_embeddings, sliding_window_pattern (6: only layer 5 is global) and
     * rope_local_base_freq (10000), which must take Gemma3TextConfig's defaults. The lens equals the naive reference
     * and, exactly, the lens of the same weights saved as a plain gemma3_text checkpoint.
     */
    @Test
    void olderNamingTiedHead(@TempDir Path dir) throws Exception {
        RandomGemma.Spec spec = spec("language_model.model.", true, TensorDtype.BF16, 2, 21);
        Map<String, float[]> w = RandomGemma.writeMultimodal(dir.resolve("mm"), spec);
        Map<String, float[]> plain = RandomGemma.write(dir.resolve("text"), spec);
        assertEquals(plain.keySet(), w.keySet());
        plain.forEach((name, v) -> assertArrayEquals(v, w.get(name), name));
        var config = new ObjectMapper().readTree(dir.resolve("mm/config.json").toFile());
        assertEquals("gemma3", config.get("model_type").asText());
        assertTrue(!config.get("text_config").has("sliding_window_pattern")
                && !config.get("text_config").has("rms_norm_eps"), config.toString());

        LensResult mm = collect(dir.resolve("mm"));
        LensAssert.assertMatches(mm, NaiveGemma.lensLogits(w, params(), IDS));
        LensResult text = collect(dir.resolve("text"));
        assertArrayEquals(text.topk(), mm.topk());
        assertArrayEquals(text.tracked(), mm.tracked());
        for (int pos = 0; pos < mm.numPositions(); pos++) {
            for (int li = 0; li < mm.numLayers(); li++) {
                assertArrayEquals(text.probs()[pos][li], mm.probs()[pos][li], 0f, "layer " + li + ", pos " + pos);
            }
        }
    }

    /** Older naming with an untied head, saved as language_model.lm_head.weight; F32. */
    @Test
    void olderNamingUntiedHead(@TempDir Path dir) throws Exception {
        Map<String, float[]> w = RandomGemma.writeMultimodal(dir, spec("language_model.model.", false,
                TensorDtype.F32, 1, 22));
        assertTrue(w.containsKey("lm_head.weight"));
        LensAssert.assertMatches(collect(dir), NaiveGemma.lensLogits(w, params(), IDS));
    }

    /** Newer transformers naming: model.language_model.*, model.vision_tower.*, an untied lm_head.weight; F16. */
    @Test
    void newerNamingUntiedHead(@TempDir Path dir) throws Exception {
        Map<String, float[]> w = RandomGemma.writeMultimodal(dir, spec("model.language_model.", false,
                TensorDtype.F16, 1, 23));
        LensAssert.assertMatches(collect(dir), NaiveGemma.lensLogits(w, params(), IDS));
    }

    @Test
    void registeredAsSupported() {
        assertTrue(Families.supported().contains("gemma3"), Families.supported().toString());
    }

    /** An absent text_config is Gemma3TextConfig() with all its defaults, as Hugging Face builds it. */
    @Test
    void absentTextConfigTakesTheDefaults() {
        ObjectNode json = new ObjectMapper().createObjectNode().put("model_type", "gemma3");
        GemmaConfig c = GemmaConfig.from(GemmaFamily.textTower(json, "config.json"), "config.json");
        assertEquals(3, c.version());
        assertEquals(262_208, c.vocabSize());
        assertEquals(2304, c.hiddenSize());
        assertEquals(26, c.numLayers());
        assertEquals(0f, c.finalSoftcap());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(1e-6f, c.rmsNormEps());
    }

    @Test
    void badTextConfigsFailNamingTheFile(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("config.json");
        RandomGemma.writeMultimodal(dir, spec("language_model.model.", true, TensorDtype.F32, 1, 26));
        WordLevelTokenizerWriter.write(dir, GemmaLensTest.WORDS, VOCAB);
        String original = Files.readString(cfg);

        // Older releases applied this cap through Gemma3ForCausalLM, current ones do not: refused, not guessed.
        String msg = failsWith(dir, original, c -> text(c).put("final_logit_softcapping", 30.0));
        assertTrue(msg.startsWith(cfg + ": text_config.final_logit_softcapping is 30.0"), msg);

        msg = failsWith(dir, original, c -> text(c).put("model_type", "gemma2"));
        assertTrue(msg.startsWith(cfg + ": text_config.model_type is 'gemma2'"), msg);

        msg = failsWith(dir, original, c -> c.put("text_config", "gemma3_text"));
        assertTrue(msg.startsWith(cfg + ": text_config must be an object"), msg);

        msg = failsWith(dir, original, c -> text(c).put("sliding_window_pattern", 0));
        assertTrue(msg.startsWith(cfg + " (text_config): sliding_window_pattern must be positive"), msg);

        msg = failsWith(dir, original, c -> text(c).put("hidden_size", D * 2));
        assertTrue(msg.contains("has shape [32] but config.json implies [64]"), msg);
    }

    // ---------------------------------------------------------------------------------------------------------

    /** query_pre_attn_scalar 24, sliding_window 2 (shorter than the prompt), global rope_theta 1000 with linear ×2. */
    private static RandomGemma.Spec spec(String prefix, boolean tied, TensorDtype dtype, int shards, long seed) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("query_pre_attn_scalar", 24);
        config.put("sliding_window", 2);
        config.put("rope_theta", 1000.0);
        config.put("rope_scaling", Map.of("rope_type", "linear", "factor", 2.0));
        return new RandomGemma.Spec("gemma3_text", LAYERS, D, HEADS, KV_HEADS, HEAD_DIM, INTER, VOCAB, dtype, prefix,
                tied, shards, seed, config);
    }

    private static NaiveGemma.Params params() {
        return new NaiveGemma.Params(LAYERS, D, HEADS, KV_HEADS, HEAD_DIM, INTER, VOCAB, true, true, 1 / Math.sqrt(24),
                0, 0, new int[] {2, 2, 2, 2, 2, 0}, new double[] {1e4, 1e4, 1e4, 1e4, 1e4, 1000},
                new double[] {1, 1, 1, 1, 1, 2});
    }

    private static LensResult collect(Path dir) throws Exception {
        WordLevelTokenizerWriter.write(dir, GemmaLensTest.WORDS, VOCAB);
        try (LensSession s = LensSession.open(dir, "tiny", Device.cpu(), "auto")) {
            assertArrayEquals(IDS, s.tokenizer().encode(GemmaLensTest.PROMPT));
            return s.collect(GemmaLensTest.PROMPT, 5, null);
        }
    }

    private static ObjectNode text(ObjectNode config) {
        return (ObjectNode) config.get("text_config");
    }

    /** Writes {@code original} edited by {@code edit} as config.json and returns the load error's message. */
    private static String failsWith(Path dir, String original, Consumer<ObjectNode> edit) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = (ObjectNode) json.readTree(original);
        edit.accept(c);
        Files.writeString(dir.resolve("config.json"), json.writeValueAsString(c));
        return assertThrows(CheckpointException.class,
                () -> LensSession.open(dir, "tiny", Device.cpu(), "auto").close()).getMessage();
    }
}
