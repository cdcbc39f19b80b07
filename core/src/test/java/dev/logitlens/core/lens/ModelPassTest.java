package dev.logitlens.core.lens;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.model.BlockStore;
import dev.logitlens.core.model.BlockStore.Residency;
import dev.logitlens.core.synth.RandomGpt2;
import dev.logitlens.core.synth.RandomLlama;
import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One pass over many prompts gives each prompt the numbers of a pass over it alone; streamed equals resident. */
class ModelPassTest {
    static final List<String> WORDS = List.of("the", "capital", "of", "france", "is", "paris", "a", "dog", "cat");
    static final List<String> PROMPTS = List.of("the capital of france is", "a dog",
            "the cat is a dog of the capital of paris", "paris", "the capital of france is");
    static final int VOCAB = 40;

    /** Mistral with a sliding window of 3 (shorter than some prompts), GQA, separate head. */
    private static Path mistral(Path dir) throws Exception {
        return mistral(dir, 3);
    }

    private static Path mistral(Path dir, int layers) throws Exception {
        RandomLlama.write(dir, new RandomLlama.Spec("mistral", layers, 32, 4, 2, 8, 48, VOCAB, 64, TensorDtype.BF16, "model.",
                false, 1, 5, Map.of("sliding_window", 3)));
        WordLevelTokenizerWriter.write(dir, WORDS, VOCAB);
        return dir;
    }

    private static Path gpt2(Path dir) throws Exception {
        RandomGpt2.write(dir, new RandomGpt2.Spec(3, 32, 4, VOCAB, 32, TensorDtype.F32, "", true, 1, 9));
        WordLevelTokenizerWriter.write(dir, WORDS, VOCAB);
        return dir;
    }

    /** 45 tokens: alone, its projections are split over the workers by rows. */
    static final String LONG = String.join(" ", java.util.Collections.nCopies(9, "the capital of france is"));

    @Test
    void batchedMistralEqualsEachPromptAlone(@TempDir Path dir) throws Exception {
        List<String> prompts = new ArrayList<>(PROMPTS);
        prompts.add(2, LONG);
        batchedEqualsAlone(mistral(dir), Residency.RESIDENT, prompts);
    }

    /** d 64: wide enough for a lone prompt's projections to be split over the workers by columns. */
    @Test
    void batchedWideGpt2EqualsEachPromptAlone(@TempDir Path dir) throws Exception {
        RandomGpt2.write(dir, new RandomGpt2.Spec(2, 64, 4, VOCAB, 64, TensorDtype.F32, "", true, 1, 3));
        WordLevelTokenizerWriter.write(dir, WORDS, VOCAB);
        List<String> prompts = new ArrayList<>(PROMPTS);
        prompts.add(0, LONG);
        batchedEqualsAlone(dir, Residency.RESIDENT, prompts);
    }

    @Test
    void batchedGpt2EqualsEachPromptAloneStreamed(@TempDir Path dir) throws Exception {
        batchedEqualsAlone(gpt2(dir), Residency.STREAM, PROMPTS);
    }

    private static void batchedEqualsAlone(Path dir, Residency residency, List<String> prompts) {
        Checkpoint ck = Checkpoint.open(dir);
        try (LensSession s = LensSession.open(ck, "m", Device.cpu(), DataType.FLOAT32, residency)) {
            List<LensCollector.Request> requests = new ArrayList<>();
            for (String p : prompts) {
                requests.add(new LensCollector.Request(p, 3, null));
            }
            List<LensCollector.Outcome> all = s.collectAll(requests, null);
            for (int i = 0; i < prompts.size(); i++) {
                LensResult alone = s.collect(prompts.get(i), 3, null);
                assertSame(alone, all.get(i).result(), prompts.get(i));
            }
            if (residency == Residency.STREAM) { // every pass read each block once
                assertTrue(s.model().blocks().bytesRead() > 0);
            }
        }
    }

    @Test
    void streamedEqualsResidentExactly(@TempDir Path dir) throws Exception {
        streamedEqualsResident(mistral(dir), 3);
    }

    /** Eight blocks: the later ones are widened into the tensors of blocks done before them. */
    @Test
    void streamedWithRecycledTensorsEqualsResidentExactly(@TempDir Path dir) throws Exception {
        streamedEqualsResident(mistral(dir, 8), 8);
    }

    /** Float32 on disk: a block's tensors may be the mapped file itself, so none is ever filled again. */
    @Test
    void streamedFloat32TensorsAreNotRecycled(@TempDir Path dir) throws Exception {
        RandomGpt2.write(dir, new RandomGpt2.Spec(6, 32, 4, VOCAB, 32, TensorDtype.F32, "", true, 1, 4));
        WordLevelTokenizerWriter.write(dir, WORDS, VOCAB);
        streamedEqualsResident(dir, 6);
    }

    /**
     * GPT-2 in BF16: its Conv1D weights are transposed copies of the widened tensors, which still go back to the
     * recycler with their block and are widened into again.
     */
    @Test
    void streamedBf16Gpt2WithRecycledTensorsEqualsResidentExactly(@TempDir Path dir) throws Exception {
        RandomGpt2.write(dir, new RandomGpt2.Spec(8, 32, 4, VOCAB, 32, TensorDtype.BF16, "", true, 1, 7));
        WordLevelTokenizerWriter.write(dir, WORDS, VOCAB);
        streamedEqualsResident(dir, 8);
    }

    private static void streamedEqualsResident(Path dir, int blocks) {
        Checkpoint ck = Checkpoint.open(dir);
        List<LensCollector.Request> requests = PROMPTS.stream().map(p -> new LensCollector.Request(p, 4, null)).toList();
        List<LensCollector.Outcome> resident;
        try (LensSession s = LensSession.open(ck, "m", Device.cpu(), DataType.FLOAT32, Residency.RESIDENT)) {
            resident = s.collectAll(requests, null);
        }
        int[] blocksSeen = {0};
        try (LensSession s = LensSession.open(ck, "m", Device.cpu(), DataType.FLOAT32, Residency.STREAM)) {
            List<LensCollector.Outcome> streamed = s.collectAll(requests, (b, n, read) -> blocksSeen[0] = b);
            for (int i = 0; i < requests.size(); i++) {
                LensResult a = resident.get(i).result();
                LensResult b = streamed.get(i).result();
                assertArrayEquals(a.topk(), b.topk());
                assertArrayEquals(a.probs(), b.probs());
                assertArrayEquals(a.entropy(), b.entropy());
                assertArrayEquals(a.klToFinal(), b.klToFinal());
            }
            // every block read once in the pass, counted once although blocks are read side by side
            assertEquals(blockBytes(ck), s.model().blocks().bytesRead());
            boolean bf16 = ck.storageDtype() == TensorDtype.BF16;
            assertEquals(bf16 && blocks > 1 + BlockStore.AHEAD, s.model().blocks().tensorsRecycled() > 0);
            if (blocks > 1 + BlockStore.AHEAD) { // and a second pass, which starts from fresh tensors again
                LensResult again = s.collectAll(requests, null).get(2).result();
                assertArrayEquals(resident.get(2).result().probs(), again.probs());
            }
        }
        assertEquals(blocks, blocksSeen[0]);
    }

    /** Bytes of the block tensors ({@code layers.N.} or {@code h.N.}) in the checkpoint's files. */
    private static long blockBytes(Checkpoint ck) {
        return ck.names().stream().filter(n -> n.matches(".*\\b(layers|h)\\.\\d+\\..*"))
                .mapToLong(n -> ck.info(n).end() - ck.info(n).start()).sum();
    }

    /** The pass keeps the largest k of its prompts; each prompt gets its own. */
    @Test
    void promptsWithDifferentKInOnePassEqualEachAlone(@TempDir Path dir) throws Exception {
        Checkpoint ck = Checkpoint.open(gpt2(dir));
        try (LensSession s = LensSession.open(ck, "m", Device.cpu(), DataType.FLOAT32, Residency.RESIDENT)) {
            List<LensCollector.Outcome> all = s.collectAll(List.of(new LensCollector.Request(PROMPTS.get(0), 2, null),
                    new LensCollector.Request(PROMPTS.get(2), 7, null)), null);
            assertSame(s.collect(PROMPTS.get(0), 2, null), all.get(0).result(), "k 2");
            assertSame(s.collect(PROMPTS.get(2), 7, null), all.get(1).result(), "k 7");
            assertEquals(2, all.get(0).result().topk()[0][0].length);
        }
    }

    @Test
    void aTooLongPromptFailsAloneBeforeThePass(@TempDir Path dir) throws Exception {
        try (LensSession s = LensSession.open(gpt2(dir), "m", Device.cpu(), "float32")) {
            String tooLong = String.join(" ", java.util.Collections.nCopies(40, "dog")); // 40 > 32 positions
            List<LensCollector.Outcome> out = s.collectAll(List.of(new LensCollector.Request("a dog", 3, null),
                    new LensCollector.Request(tooLong, 3, null), new LensCollector.Request("the cat", 3, new int[] {0, -1})),
                    null);
            assertNotNull(out.get(0).result());
            assertNull(out.get(1).result());
            assertTrue(out.get(1).error().getMessage().contains("40 tokens long but the model accepts at most 32"),
                    out.get(1).error().getMessage());
            assertArrayEquals(new int[] {0, 2}, out.get(2).result().layers());
        }
    }

    /**
     * Bit for bit: a prompt's numbers may not depend on the prompts it shares a pass with, or a sharded build (another
     * split of the prompts) would differ from a one-machine build.
     */
    private static void assertSame(LensResult alone, LensResult batched, String what) {
        assertArrayEquals(alone.inputIds(), batched.inputIds(), what);
        assertArrayEquals(alone.topk(), batched.topk(), what);
        assertArrayEquals(alone.tracked(), batched.tracked(), what);
        assertArrayEquals(alone.finalTop1(), batched.finalTop1(), what);
        assertArrayEquals(alone.finalTop1Rank(), batched.finalTop1Rank(), what);
        for (int l = 0; l < alone.numLayers(); l++) {
            assertArrayEquals(alone.entropy()[l], batched.entropy()[l], 0f, what);
            assertArrayEquals(alone.klToFinal()[l], batched.klToFinal()[l], 0f, what);
            assertArrayEquals(alone.finalTop1Prob()[l], batched.finalTop1Prob()[l], 0f, what);
        }
        for (int p = 0; p < alone.numPositions(); p++) {
            for (int l = 0; l < alone.numLayers(); l++) {
                assertArrayEquals(alone.probs()[p][l], batched.probs()[p][l], 0f, what);
            }
        }
    }
}
