package dev.logitlens.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.djl.Djl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rope's DJL rotation against its plain-double version, and the scaled frequencies against HF's formulas. */
class RopeTest {
    private static JsonNode json(String s) throws Exception {
        return new ObjectMapper().readTree(s);
    }

    @ParameterizedTest(name = "interleaved={0} rotaryDim={1}")
    @CsvSource({"false, 8", "true, 8", "false, 4", "true, 6"})
    void applyMatchesNaive(boolean interleaved, int rotaryDim) {
        Djl.engine();
        int heads = 3, t = 7, dh = 8;
        Rope rope = Rope.fromConfig(rotaryDim, 10000.0, null, 128);
        Random rng = new Random(1);
        double[][] x = new double[t][heads * dh];
        float[] hTd = new float[heads * t * dh]; // the same values laid out [H, T, Dh]
        for (int p = 0; p < t; p++) {
            for (int i = 0; i < heads * dh; i++) {
                float v = (float) rng.nextGaussian();
                x[p][i] = v;
                hTd[(i / dh) * t * dh + p * dh + i % dh] = v;
            }
        }
        double[][] expected = Rope.naive(x, heads, dh, rotaryDim, rope.invFreq(), interleaved);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] got = rope.apply(m.create(hTd, new Shape(heads, t, dh)), interleaved).toFloatArray();
            for (int p = 0; p < t; p++) {
                for (int i = 0; i < heads * dh; i++) {
                    assertEquals(expected[p][i], got[(i / dh) * t * dh + p * dh + i % dh], 1e-5,
                            "position " + p + ", feature " + i);
                }
            }
            // position 0 is the identity, and a later position really rotates
            NDArray one = rope.apply(m.create(hTd, new Shape(heads, t, dh)), interleaved);
            assertEquals(hTd[0], one.toFloatArray()[0], 0f);
            assertTrue(Math.abs(expected[t - 1][0] - x[t - 1][0]) > 1e-3);
        }
        // pass-through dims are untouched
        for (int p = 0; p < t; p++) {
            for (int e = rotaryDim; e < dh; e++) {
                assertEquals(x[p][e], expected[p][e], 0);
            }
        }
    }

    @Test
    void defaultFrequencies() {
        double[] inv = Rope.fromConfig(8, 10000.0, null, 64).invFreq();
        assertEquals(4, inv.length);
        for (int i = 0; i < 4; i++) {
            assertEquals(Math.pow(10000.0, -2.0 * i / 8), inv[i], 1e-7 * inv[i]);
        }
    }

    @Test
    void linearScalingDividesFrequencies() throws Exception {
        double[] plain = Rope.fromConfig(16, 500000.0, null, 64).invFreq();
        double[] lin = Rope.fromConfig(16, 500000.0, json("{\"type\":\"linear\",\"factor\":4.0}"), 64).invFreq();
        double[] lin2 = Rope.fromConfig(16, 500000.0, json("{\"rope_type\":\"linear\",\"factor\":4.0}"), 64).invFreq();
        for (int i = 0; i < plain.length; i++) {
            assertEquals(plain[i] / 4, lin[i], 1e-7 * plain[i]);
            assertEquals(lin[i], lin2[i], 0);
        }
    }

    @Test
    void llama3ScalingFollowsTheThreeBands() throws Exception {
        JsonNode s = json("{\"rope_type\":\"llama3\",\"factor\":8.0,\"low_freq_factor\":1.0,"
                + "\"high_freq_factor\":4.0,\"original_max_position_embeddings\":64}");
        double[] plain = Rope.fromConfig(32, 10000.0, null, 64).invFreq();
        double[] got = Rope.fromConfig(32, 10000.0, s, 512).invFreq();
        int bands = 0;
        for (int i = 0; i < plain.length; i++) {
            double wavelen = 2 * Math.PI / plain[i];
            double expected;
            if (wavelen < 64 / 4.0) {
                expected = plain[i];            // high frequency: kept
                bands |= 1;
            } else if (wavelen > 64 / 1.0) {
                expected = plain[i] / 8;        // low frequency: divided by factor
                bands |= 2;
            } else {                            // medium: smooth interpolation
                double smooth = (64 / wavelen - 1) / (4 - 1);
                expected = (1 - smooth) * plain[i] / 8 + smooth * plain[i];
                bands |= 4;
            }
            assertEquals(expected, got[i], 1e-6 * plain[i], "frequency " + i);
        }
        assertEquals(7, bands, "the test config should exercise all three bands");
    }

    @Test
    void unsupportedScalingFailsClearly() throws Exception {
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> Rope.fromConfig(8, 10000.0, json("{\"type\":\"dynamic\",\"factor\":2.0}"), 64));
        assertTrue(e.getMessage().contains("dynamic") && e.getMessage().contains("rope_scaling"), e.getMessage());
        assertThrows(CheckpointException.class,
                () -> Rope.fromConfig(8, 10000.0, json("{\"type\":\"linear\"}"), 64));
        // an explicit "default" or JSON null means no scaling
        assertEquals(Rope.fromConfig(8, 10000.0, null, 64).invFreq()[3],
                Rope.fromConfig(8, 10000.0, json("{\"rope_type\":\"default\"}"), 64).invFreq()[3], 0);
        assertEquals(Rope.fromConfig(8, 10000.0, null, 64).invFreq()[3],
                Rope.fromConfig(8, 10000.0, json("null"), 64).invFreq()[3], 0);
    }
}
