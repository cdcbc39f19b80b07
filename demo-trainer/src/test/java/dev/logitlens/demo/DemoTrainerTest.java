package dev.logitlens.demo;

import ai.djl.Device;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.LensSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A few steps of the real trainer on a tiny configuration: the loss falls and the output loads in the lens. */
class DemoTrainerTest {
    static final DemoTrainer.Options TINY = new DemoTrainer.Options(2, 32, 2, 32, 60, 16, 3e-3, 5, 0.05, 5);

    @Test
    void lossDecreasesAndTheCheckpointLoads(@TempDir Path dir) throws Exception {
        DemoTrainer.Result r = DemoTrainer.train(TINY, step -> { });
        float[] losses = r.losses();
        assertEquals(TINY.steps(), losses.length);
        double start = mean(Arrays.copyOfRange(losses, 0, 10));
        double end = mean(Arrays.copyOfRange(losses, losses.length - 10, losses.length));
        assertTrue(Double.isFinite(end) && end < 0.8 * start, "loss went from " + start + " to " + end);

        DemoTrainer.write(r, dir);
        for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json", "TRAINING.md"}) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        assertTrue(Files.readString(dir.resolve("TRAINING.md")).contains("| loss |"));
        String prompt = r.corpus().heldOut().get(0).prompt();
        try (LensSession s = LensSession.open(dir, "tiny", Device.cpu(), "auto")) {
            LensResult lens = s.collect(prompt, 3, null);
            assertEquals(TINY.layers(), lens.numLayers());
            assertArrayEquals(r.tokenizer().encode(prompt), lens.inputIds());
        }
    }

    @Test
    void snapshotsAreStatesOfTheSameRun(@TempDir Path dir) throws Exception {
        DemoTrainer.Result r = DemoTrainer.train(TINY, new int[] {20, 40, 60, 99}, step -> { });
        // 60 is the last step (the main checkpoint) and 99 is past the end: neither is a snapshot
        assertEquals(java.util.List.of(20, 40), r.snapshots().stream().map(DemoTrainer.Snapshot::step).toList());
        DemoTrainer.Snapshot s20 = r.snapshots().get(0);
        assertEquals(DemoTrainer.meanLoss(r.losses(), 20), s20.loss(), 0);
        // the same run as without snapshots: taking them does not disturb the training
        assertArrayEquals(DemoTrainer.train(TINY, step -> { }).losses(), r.losses());
        assertTrue(!Arrays.equals(s20.tensors().get("wte.weight"), r.tensors().get("wte.weight")));

        Path main = dir.resolve("tiny");
        Path snap = DemoTrainer.snapshotDir(main, 20);
        assertEquals(dir.resolve("tiny-step20"), snap);
        DemoTrainer.write(r, s20, snap, dev.logitlens.core.checkpoint.TensorDtype.BF16);
        assertTrue(Files.readString(snap.resolve("TRAINING.md")).contains("| step | 20 of 60 (a snapshot"));
        try (LensSession s = LensSession.open(snap, "tiny20", Device.cpu(), "auto")) {
            assertEquals(TINY.layers(), s.collect(r.corpus().heldOut().get(0).prompt(), 3, null).numLayers());
        }
    }

    @Test
    void sameSeedSameLosses() {
        DemoTrainer.Options few = new DemoTrainer.Options(1, 16, 2, 32, 5, 8, 3e-3, 2, 0.05, 11);
        assertArrayEquals(DemoTrainer.train(few, s -> { }).losses(), DemoTrainer.train(few, s -> { }).losses());
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }
}
