package dev.logitlens.core.model.opt;

import ai.djl.Device;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.LensSession;
import dev.logitlens.core.reference.LensAssert;
import dev.logitlens.core.reference.NaiveOpt;
import dev.logitlens.core.synth.RandomOpt;
import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OPT's DJL forward pass and lens against the naive double-precision reference. */
class OptLensTest {
    static final List<String> WORDS = List.of("the", "capital", "of", "france", "is", "paris", "a", "dog");
    static final String PROMPT = "the capital of france is";

    @ParameterizedTest(name = "{0} preLn={1} projDim={2} prefix=''{3}'' tied={4} shards={5}")
    @CsvSource({
            "F32, true, 32, model.decoder., true, 1",
            "F32, false, 16, decoder., true, 1",    // opt-350m's shape: post-LN with project_in/out
            "BF16, true, 16, model.decoder., false, 3",
            "F16, false, 32, decoder., false, 2"})
    void lensMatchesNaiveReference(TensorDtype dtype, boolean preLn, int projDim, String prefix, boolean tied,
                                   int shards, @TempDir Path dir) throws Exception {
        int layers = 3, d = 32, heads = 4, ffn = 48, vocab = 64;
        Map<String, float[]> w = RandomOpt.write(dir, new RandomOpt.Spec(layers, d, heads, ffn, vocab, 16, projDim,
                preLn, dtype, prefix, tied, shards, 11));
        WordLevelTokenizerWriter.write(dir, WORDS, vocab);
        try (LensSession s = LensSession.open(dir, "tiny-opt", Device.cpu(), "auto")) {
            LensResult r = s.collect(PROMPT, 5, null);
            int[] ids = s.tokenizer().encode(PROMPT);
            assertArrayEquals(new int[] {1, 2, 3, 4, 5}, ids);
            LensAssert.assertMatches(r, NaiveOpt.lensLogits(w, layers, d, heads, ffn, vocab, projDim, preLn, ids));
        }
    }

    @Test
    void untiedConfigWithoutHeadFailsNamingTheFix(@TempDir Path dir) throws Exception {
        RandomOpt.write(dir, new RandomOpt.Spec(1, 16, 2, 16, 32, 8, 16, true, TensorDtype.F32, "decoder.", true, 1, 3));
        WordLevelTokenizerWriter.write(dir, WORDS, 32);
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"tie_word_embeddings\" : true",
                "\"tie_word_embeddings\" : false"));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> LensSession.open(dir, "x", Device.cpu(), "float32").close());
        assertTrue(e.getMessage().contains("lm_head.weight"), e.getMessage());
    }

    @Test
    void unsupportedActivationFailsNamingTheKey(@TempDir Path dir) throws Exception {
        RandomOpt.write(dir, new RandomOpt.Spec(1, 16, 2, 16, 32, 8, 16, true, TensorDtype.F32, "decoder.", true, 1, 3));
        WordLevelTokenizerWriter.write(dir, WORDS, 32);
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"relu\"", "\"mish\""));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> LensSession.open(dir, "x", Device.cpu(), "float32").close());
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("activation_function")
                && e.getMessage().contains("mish"), e.getMessage());
    }
}
