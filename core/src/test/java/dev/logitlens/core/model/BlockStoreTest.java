package dev.logitlens.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.djl.Djl;
import dev.logitlens.core.synth.RandomLlama;
import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link BlockStore}'s resident load: every block once, in order, read on the cores; a failing block fails it as itself. */
class BlockStoreTest {
    private static final int LAYERS = 6;

    private static Map<String, float[]> write(Path dir) throws Exception {
        Map<String, float[]> written = RandomLlama.write(dir, new RandomLlama.Spec("llama", LAYERS, 32, 4, 2, 8, 48, 50,
                64, TensorDtype.BF16, "", true, 1, 3, Map.of()));
        WordLevelTokenizerWriter.write(dir, List.of(), 50);
        return written;
    }

    @Test
    void residentBlocksAreLoadedOnceEachInOrderOnTheCores(@TempDir Path dir) throws Exception {
        Djl.engine();
        Map<String, float[]> written = write(dir);
        Set<String> threads = ConcurrentHashMap.newKeySet();
        int[] calls = new int[LAYERS];
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = new Weights(Checkpoint.open(dir), m, DataType.FLOAT32, "embed_tokens.weight", "", "model.");
            BlockStore<NDArray> store = BlockStore.of(LAYERS, (i, on) -> {
                synchronized (calls) {
                    calls[i]++;
                }
                threads.add(Thread.currentThread().getName());
                return on.get("layers." + i + ".mlp.up_proj.weight", 48, 32);
            }, w, BlockStore.Residency.RESIDENT);
            for (int i = 0; i < LAYERS; i++) {
                assertEquals(1, calls[i], "block " + i + " loaded once");
                NDArray up = store.acquire(i);
                assertArrayEquals(written.get("layers." + i + ".mlp.up_proj.weight"), up.toFloatArray(),
                        "block " + i + " is its own, widened from BF16");
                store.release(i);
            }
            assertEquals(LAYERS * 48L * 32 * 2, store.bytesRead(), "every block's bytes counted once");
            assertEquals(Set.of("logitlens-block-load"), threads, "read on the load threads");
        }
    }

    @Test
    void aFailingBlockFailsTheLoadAsItselfOnceEveryOtherLoadHasEnded(@TempDir Path dir) throws Exception {
        Djl.engine();
        write(dir);
        Set<Integer> ended = ConcurrentHashMap.newKeySet();
        try (NDManager m = NDManager.newBaseManager()) {
            Weights w = new Weights(Checkpoint.open(dir), m, DataType.FLOAT32, "embed_tokens.weight", "", "model.");
            CheckpointException cause = new CheckpointException("block 3: tensor 'x' is missing");
            CheckpointException e = assertThrows(CheckpointException.class, () -> BlockStore.of(LAYERS, (i, on) -> {
                if (i == 3) {
                    throw cause;
                }
                try {
                    Thread.sleep(50); // the later blocks are still loading when block 3 fails
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
                NDArray up = on.get("layers." + i + ".mlp.up_proj.weight", 48, 32);
                ended.add(i);
                return up;
            }, w, BlockStore.Residency.RESIDENT));
            assertSame(cause, e);
            assertEquals(Set.of(0, 1, 2, 4, 5), ended, "no load still making tensors on the manager");
        }
    }
}
