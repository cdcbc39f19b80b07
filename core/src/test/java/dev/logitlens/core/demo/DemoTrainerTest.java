package dev.logitlens.core.demo;

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
