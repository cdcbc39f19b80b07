package dev.logitlens.core.lens;

import ai.djl.ndarray.types.DataType;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.model.BlockStore.Residency;
import dev.logitlens.core.synth.RandomLlama;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryPlanTest {
    /** 2 layers, d 16, MLP 24, vocab 30, untied, BF16 on disk: sizes counted by hand in float32. */
    @Test
    void sizesInTheComputeDtype(@TempDir Path dir) throws Exception {
        RandomLlama.write(dir, new RandomLlama.Spec("llama", 2, 16, 4, 2, 4, 24, 30, 32, TensorDtype.BF16, "model.",
                false, 1, 1, Map.of()));
        dev.logitlens.core.tokenizer.WordLevelTokenizerWriter.write(dir, java.util.List.of("a"), 30);
        MemoryPlan.Sizes s = MemoryPlan.sizes(Checkpoint.open(dir), DataType.FLOAT32);
        // block: 2 norms (16) + q (16·16) + k, v (8·16) + o (16·16) + gate, up (24·16) + down (16·24)
        long block = 4L * (2 * 16 + 256 + 2 * 128 + 256 + 3 * 384);
        long resident = 4L * (30 * 16 + 16 + 30 * 16); // embedding, final norm, head
        assertEquals(new MemoryPlan.Sizes(resident, block, resident + 2 * block, 2), s);
        assertEquals(s.total() / 2, MemoryPlan.sizes(Checkpoint.open(dir), DataType.FLOAT16).total());
    }

    @Test
    void autoKeepsWhatFitsAndStreamsWhatDoesNot() {
        MemoryPlan.Sizes s = new MemoryPlan.Sizes(1_000, 500, 11_000, 20);
        assertEquals(Residency.RESIDENT, MemoryPlan.decide("m", "auto", s, 11_000, "test").residency());
        MemoryPlan streamed = MemoryPlan.decide("m", "auto", s, 10_999, "test");
        assertEquals(Residency.STREAM, streamed.residency());
        assertTrue(streamed.reason().contains("memory auto → stream"), streamed.reason());
        assertEquals(Residency.STREAM, MemoryPlan.decide("m", "stream", s, 2_500, "test").residency());
        assertEquals(Residency.RESIDENT, MemoryPlan.decide("m", "resident", s, 1, "test").residency());
    }

    @Test
    void aBudgetTooSmallForOneBlockFailsNamingModelSizesAndFix() {
        MemoryPlan.Sizes s = new MemoryPlan.Sizes(2_000_000_000L, 800_000_000L, 27_600_000_000L, 32);
        LensException e = assertThrows(LensException.class,
                () -> MemoryPlan.decide("llama-7b", "auto", s, 3_000_000_000L, "logitlens.memoryBudget=3g"));
        assertEquals("model 'llama-7b' cannot run in its memory budget even streamed: it needs 4.40 GB (the embedding,"
                + " final norm and head, plus 3 blocks at once) but weights 27.60 GB (2.00 GB outside the blocks,"
                + " largest block 0.80 GB), budget 3.00 GB (logitlens.memoryBudget=3g). Raise the budget with"
                + " -Dlogitlens.memoryBudget=5g (on a machine with that much free memory), or use a smaller model or"
                + " dtype", e.getMessage());
        assertThrows(LensException.class, () -> MemoryPlan.decide("m", "stream", s, 3_000_000_000L, "x"));
    }

    @Test
    void budgets() {
        assertEquals(6L << 30, MemoryPlan.parseBudget("6g"));
        assertEquals(512L << 20, MemoryPlan.parseBudget(" 512M "));
        assertEquals(1536L << 20, MemoryPlan.parseBudget("1.5g"));
        assertEquals(8_000_000_000L, MemoryPlan.parseBudget("8000000000"));
        assertTrue(assertThrows(LensException.class, () -> MemoryPlan.parseBudget("lots")).getMessage()
                .contains("write e.g. 6g"));
        assertEquals("logitlens.memoryBudget=2g", MemoryPlan.budget("2g", ai.djl.Device.cpu()).source());
        assertTrue(MemoryPlan.budget(null, ai.djl.Device.cpu()).bytes() > 0);
    }
}
