package dev.logitlens.core.model.gpt2;

import ai.djl.Device;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.LensSession;
import dev.logitlens.core.reference.LensAssert;
import dev.logitlens.core.reference.NaiveGpt2;
import dev.logitlens.core.synth.RandomGpt2;
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

/** GPT-2's DJL forward pass and lens against the naive double-precision reference. */
class Gpt2LensTest {
    static final List<String> WORDS = List.of("the", "capital", "of", "france", "is", "paris", "a", "dog");

    @ParameterizedTest(name = "{0} prefix=''{1}'' tied={2} shards={3}")
    @CsvSource({
            "F32, '', true, 1",
            "F16, transformer., true, 1",
            "BF16, transformer., false, 3",
            "F32, '', false, 2"})
    void lensMatchesNaiveReference(TensorDtype dtype, String prefix, boolean tied, int shards, @TempDir Path dir)
            throws Exception {
        int layers = 3, d = 32, heads = 4, vocab = 64;
        Map<String, float[]> w = RandomGpt2.write(dir, new RandomGpt2.Spec(layers, d, heads, vocab, 16, dtype, prefix,
                tied, shards, 42));
        WordLevelTokenizerWriter.write(dir, WORDS, vocab);
        try (LensSession s = LensSession.open(dir, "tiny", Device.cpu(), "auto")) {
            String prompt = "the capital of france is";
            LensResult r = s.collect(prompt, 5, null);
            int[] ids = s.tokenizer().encode(prompt);
            assertArrayEquals(new int[] {1, 2, 3, 4, 5}, ids);
            assertArrayEquals(new String[] {"the", "capital", "of", "france", "is"}, r.input());
            LensAssert.assertMatches(r, NaiveGpt2.lensLogits(w, layers, d, heads, vocab, ids));
        }
    }

    @Test
    void selectedAndNegativeLayers(@TempDir Path dir) throws Exception {
        int layers = 4, d = 16, heads = 2, vocab = 32;
        Map<String, float[]> w = RandomGpt2.write(dir, new RandomGpt2.Spec(layers, d, heads, vocab, 16, TensorDtype.F32,
                "", true, 1, 7));
        WordLevelTokenizerWriter.write(dir, WORDS, vocab);
        try (LensSession s = LensSession.open(dir, "tiny", Device.cpu(), "float32")) {
            LensResult r = s.collect("a dog is a dog", 3, new int[] {0, -1});
            assertArrayEquals(new int[] {0, 3}, r.layers());
            assertEquals(3, r.topk()[0][0].length);
            double[][][] reference = NaiveGpt2.lensLogits(w, layers, d, heads, vocab, s.tokenizer().encode("a dog is a dog"));
            LensAssert.assertMatches(r, reference);
            // Without the last block the model's own distribution (for KL, rank, settle) is computed on its own.
            LensResult early = s.collect("a dog is a dog", 3, new int[] {2, 0});
            assertArrayEquals(new int[] {2, 0}, early.layers());
            LensAssert.assertMatches(early, reference);
        }
    }

    @Test
    void longPromptLensedInSeveralChunks(@TempDir Path dir) throws Exception {
        // 200 positions: the collector lenses 2 layers per matmul, so 3 layers make a full and a partial chunk.
        int layers = 3, d = 16, heads = 2, vocab = 32;
        Map<String, float[]> w = RandomGpt2.write(dir, new RandomGpt2.Spec(layers, d, heads, vocab, 256, TensorDtype.F32,
                "", true, 1, 11));
        WordLevelTokenizerWriter.write(dir, WORDS, vocab);
        String prompt = String.join(" ", java.util.Collections.nCopies(40, "the dog is a paris"));
        try (LensSession s = LensSession.open(dir, "tiny", Device.cpu(), "float32")) {
            LensResult r = s.collect(prompt, 4, null);
            assertEquals(200, r.numPositions());
            LensAssert.assertMatches(r, NaiveGpt2.lensLogits(w, layers, d, heads, vocab, s.tokenizer().encode(prompt)));
        }
    }
}
