package dev.logitlens.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logitlens.core.SharedFiles;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Continuations to ids on the real GPT-2 tokenizer. The expected sets were read off its vocab.json: every
 * entry whose bytes (through the byte alphabet) are a non-empty prefix of the word's, with or without a space.
 */
class ContinuationIdsTest {
    @Test
    void prefixMatchGivesTheDocumentedIdSets() {
        try (LensTokenizer t = LensTokenizer.load(SharedFiles.require("tokenizers/gpt2/tokenizer.json"))) {
            ContinuationIds ids = new ContinuationIds(t, 50257);
            // P, " P", " Par", " Paris", Par, " Pa", Pa, Paris
            assertArrayEquals(new int[] {47, 350, 2547, 6342, 10044, 11243, 28875, 40313},
                    ids.resolve("x", List.of(" Paris"), true).ids());
            // f, " f", " fl", fl, " fle", fle: no token spells more of "fleur"
            assertArrayEquals(new int[] {69, 277, 781, 2704, 5104, 27919}, ids.resolve("x", List.of(" fleur"), true).ids());
            // a character of three UTF-8 bytes: the tokens holding its first byte, with and without the space,
            // and its first two bytes (GPT-2 has no token for the whole character)
            assertArrayEquals(new int[] {162, 10545, 36365}, ids.resolve("x", List.of("水"), true).ids());
            // the leading space of the continuation does not matter: both forms are taken
            assertArrayEquals(new int[] {69, 277, 781, 2704, 5104, 5202, 5530, 11125, 15061, 25547, 27919, 48679},
                    ids.resolve("x", List.of("flower", " fleur"), true).ids());
        }
    }

    @Test
    void firstTokenIsTheTokenAfterThePrompt() {
        try (LensTokenizer t = LensTokenizer.load(SharedFiles.require("tokenizers/gpt2/tokenizer.json"))) {
            ContinuationIds ids = new ContinuationIds(t, 50257);
            ContinuationIds.Resolved paris = ids.resolve("The capital of France is", List.of(" Paris", " Paris."), false);
            assertArrayEquals(new int[] {6342}, paris.ids()); // both continue with " Paris"
            assertEquals(List.of(), paris.warnings());
            ContinuationIds.Resolved merged = ids.resolve("The capital of France is", List.of("n't"), false);
            assertEquals(1, merged.warnings().size());
            assertTrue(merged.warnings().get(0).contains("merges with the end of the prompt"), merged.warnings().get(0));
        }
    }
}
