package dev.logitlens.core.model.gptneox;

import ai.djl.Device;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.LensSession;
import dev.logitlens.core.reference.LensAssert;
import dev.logitlens.core.reference.NaiveGptNeoX;
import dev.logitlens.core.synth.RandomGptNeoX;
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

/** GPT-NeoX's DJL forward pass and lens against the naive double-precision reference. */
class GptNeoXLensTest {
    static final List<String> WORDS = List.of("the", "capital", "of", "france", "is", "paris", "a", "dog");
    static final String PROMPT = "the capital of france is paris";

    @ParameterizedTest(name = "{0} rotaryPct={1} parallel={2} prefix=''{3}'' tied={4} shards={5}")
    @CsvSource({
            "F32, 0.25, true, gpt_neox., false, 1",   // Pythia's shape
            "F32, 0.25, false, gpt_neox., false, 1",
            "BF16, 0.5, true, '', true, 1",
            "F16, 1.0, false, gpt_neox., false, 3"})
    void lensMatchesNaiveReference(TensorDtype dtype, double rotaryPct, boolean parallel, String prefix, boolean tied,
                                   int shards, @TempDir Path dir) throws Exception {
        int layers = 3, d = 64, heads = 4, inner = 96, vocab = 64; // Dh = 16: rotary 0.25 rotates 4 dims
        Map<String, float[]> w = RandomGptNeoX.write(dir, new RandomGptNeoX.Spec(layers, d, heads, inner, vocab,
                rotaryPct, parallel, dtype, prefix, tied, shards, 5));
        WordLevelTokenizerWriter.write(dir, WORDS, vocab);
        try (LensSession s = LensSession.open(dir, "tiny-neox", Device.cpu(), "auto")) {
            LensResult r = s.collect(PROMPT, 5, null);
            int[] ids = s.tokenizer().encode(PROMPT);
            assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, ids);
            LensAssert.assertMatches(r, NaiveGptNeoX.lensLogits(w, layers, d, heads, inner, vocab, rotaryPct, parallel, ids));
        }
    }

    @Test
    void unsupportedRopeScalingFails(@TempDir Path dir) throws Exception {
        RandomGptNeoX.write(dir, new RandomGptNeoX.Spec(1, 16, 2, 16, 32, 0.5, true, TensorDtype.F32, "gpt_neox.",
                false, 1, 3));
        WordLevelTokenizerWriter.write(dir, WORDS, 32);
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"rotary_pct\"",
                "\"rope_scaling\" : {\"type\": \"proportional\", \"factor\": 2.0}, \"rotary_pct\""));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> LensSession.open(dir, "x", Device.cpu(), "float32").close());
        assertTrue(e.getMessage().contains("rope_scaling") && e.getMessage().contains("proportional"), e.getMessage());
    }
}
