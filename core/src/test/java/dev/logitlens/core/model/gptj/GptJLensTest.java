package dev.logitlens.core.model.gptj;

import ai.djl.Device;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.LensSession;
import dev.logitlens.core.reference.LensAssert;
import dev.logitlens.core.reference.NaiveGptJ;
import dev.logitlens.core.synth.RandomGptJ;
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

/** GPT-J's DJL forward pass and lens (lm_head bias included) against the naive double-precision reference. */
class GptJLensTest {
    static final List<String> WORDS = List.of("the", "capital", "of", "france", "is", "paris", "a", "dog");
    static final String PROMPT = "the capital of france is paris";

    @ParameterizedTest(name = "{0} rotaryDim={1} prefix=''{2}'' tied={3} shards={4}")
    @CsvSource({
            "F32, 8, transformer., false, 1",      // rotary_dim < head_dim as in gpt-j-6b
            "BF16, 16, transformer., false, 2",
            "F16, 4, '', true, 1"})
    void lensMatchesNaiveReference(TensorDtype dtype, int rotaryDim, String prefix, boolean tied, int shards,
                                   @TempDir Path dir) throws Exception {
        int layers = 3, d = 64, heads = 4, inner = 96, vocab = 64; // Dh = 16
        Map<String, float[]> w = RandomGptJ.write(dir, new RandomGptJ.Spec(layers, d, heads, inner, vocab, rotaryDim,
                dtype, prefix, tied, shards, 9));
        WordLevelTokenizerWriter.write(dir, WORDS, vocab);
        try (LensSession s = LensSession.open(dir, "tiny-gptj", Device.cpu(), "auto")) {
            LensResult r = s.collect(PROMPT, 5, null);
            int[] ids = s.tokenizer().encode(PROMPT);
            assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6}, ids);
            LensAssert.assertMatches(r, NaiveGptJ.lensLogits(w, layers, d, heads, inner, vocab, rotaryDim, ids));
        }
    }

    @Test
    void nullRotaryDimFailsNamingTheKey(@TempDir Path dir) throws Exception {
        RandomGptJ.write(dir, new RandomGptJ.Spec(1, 16, 2, 16, 32, 4, TensorDtype.F32, "transformer.", false, 1, 3));
        WordLevelTokenizerWriter.write(dir, WORDS, 32);
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"rotary_dim\" : 4", "\"rotary_dim\" : null"));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> LensSession.open(dir, "x", Device.cpu(), "float32").close());
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("rotary_dim"), e.getMessage());
    }
}
