package dev.logitlens.core.model.phi3;

import ai.djl.Device;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.LensSession;
import dev.logitlens.core.reference.LensAssert;
import dev.logitlens.core.reference.NaivePhi3;
import dev.logitlens.core.synth.RandomPhi3;
import dev.logitlens.core.synth.SyntheticCheckpoint;
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
        SyntheticCheckpoint.writeWordLevelTokenizer(dir, WORDS, vocab);
        try (LensSession s = LensSession.open(dir, "tiny-phi3", Device.cpu(), "auto")) {
            LensResult r = s.collect(PROMPT, 5, null);
            int[] ids = s.tokenizer().encode(PROMPT);
            assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, ids);
            LensAssert.assertMatches(r, NaivePhi3.lensLogits(w, layers, d, heads, kvHeads, inner, vocab, partial, window,
                    ids));
        }
    }

    @Test
    void longRopeFailsNamingTheKey(@TempDir Path dir) throws Exception {
        RandomPhi3.write(dir, new RandomPhi3.Spec(1, 16, 2, 2, 16, 32, 1.0, 0, TensorDtype.F32, "model.", false, 1, 3));
        SyntheticCheckpoint.writeWordLevelTokenizer(dir, WORDS, 32);
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"rope_scaling\" : null",
                "\"rope_scaling\" : {\"type\": \"longrope\", \"short_factor\": [1.0], \"long_factor\": [2.0]}"));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> LensSession.open(dir, "x", Device.cpu(), "float32").close());
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("rope_scaling")
                && e.getMessage().contains("longrope"), e.getMessage());
    }
}
