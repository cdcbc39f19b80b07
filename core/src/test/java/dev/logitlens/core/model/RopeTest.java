package dev.logitlens.core.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.djl.Djl;
import dev.logitlens.core.reference.NaiveRope;
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
        double[][] expected = NaiveRope.rotate(x, heads, dh, rotaryDim, rope.invFreq(), interleaved);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] got = rope.apply(m.create(hTd, new Shape(heads, t, dh)), interleaved).toFloatArray();
            for (int p = 0; p < t; p++) {
                for (int i = 0; i < heads * dh; i++) {
                    assertEquals(expected[p][i], got[(i / dh) * t * dh + p * dh + i % dh], 1e-5,
                            "position " + p + ", feature " + i);
                }
            }
            // The rotation itself, not only its agreement with the reference: position 0 is the identity,
            // a later position really rotates, and pass-through dims are untouched.
            assertEquals(hTd[0], got[0], 0f);
            int last = (t - 1) * dh; // head 0, position T-1, feature 0 in [H, T, Dh]
            assertTrue(Math.abs(got[last] - hTd[last]) > 1e-3, "position " + (t - 1) + " should rotate");
            for (int hd = 0; hd < heads; hd++) {
                for (int p = 0; p < t; p++) {
                    for (int e = rotaryDim; e < dh; e++) {
                        int at = hd * t * dh + p * dh + e;
                        assertEquals(hTd[at], got[at], 0f, "pass-through feature " + e);
                    }
                }
            }
        }
    }

    @Test
    void errorsNameTheConfigFileAndKey() throws Exception {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Rope.fromConfig(
                "models/m/config.json", 8, 10000.0, json("{\"type\":\"linear\"}"), 64, 0));
        assertEquals("models/m/config.json: rope_scaling.factor is missing or not a number in {\"type\":\"linear\"};"
                + " add it as the model's original config has it", e.getMessage());
        e = assertThrows(CheckpointException.class, () -> Rope.fromConfig("models/m/config.json", 8, 10000.0,
                json("{\"type\":\"longrope\",\"short_factor\":[1,1,1,1],\"long_factor\":[1,2]}"), 64, 0));
        assertEquals("models/m/config.json: rope_scaling.long_factor must be a list of 4 numbers (rotary dimension"
                + " / 2), got 2 entries", e.getMessage());
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
                () -> Rope.fromConfig(8, 10000.0, json("{\"type\":\"proportional\",\"factor\":2.0}"), 64));
        assertTrue(e.getMessage().contains("proportional") && e.getMessage().contains("rope_scaling"),
                e.getMessage());
        assertThrows(CheckpointException.class,
                () -> Rope.fromConfig(8, 10000.0, json("{\"type\":\"dynamic\"}"), 64));
        assertThrows(CheckpointException.class,
                () -> Rope.fromConfig(8, 10000.0, json("{\"type\":\"yarn\"}"), 64));
        assertThrows(CheckpointException.class,
                () -> Rope.fromConfig(8, 10000.0, json("{\"type\":\"linear\"}"), 64));
        // an explicit "default" or JSON null means no scaling
        assertEquals(Rope.fromConfig(8, 10000.0, null, 64).invFreq()[3],
                Rope.fromConfig(8, 10000.0, json("{\"rope_type\":\"default\"}"), 64).invFreq()[3], 0);
        assertEquals(Rope.fromConfig(8, 10000.0, null, 64).invFreq()[3],
                Rope.fromConfig(8, 10000.0, json("null"), 64).invFreq()[3], 0);
    }

    // ---- length-dependent and attention-scaled types, each against HF's formulas in plain doubles ----

    /** theta^(-2i/dim) for a given base, in doubles. */
    private static double[] plain(int dim, double base) {
        double[] f = new double[dim / 2];
        for (int i = 0; i < f.length; i++) {
            f[i] = 1 / Math.pow(base, 2.0 * i / dim);
        }
        return f;
    }

    private static void assertFreqs(double[] expected, double[] got, String what) {
        assertEquals(expected.length, got.length, what + ": number of frequencies");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], got[i], 2e-6 * expected[i], what + ", frequency " + i);
        }
    }

    @Test
    void dynamicNtkRescalesTheBaseOnlyBeyondMaxPositions() throws Exception {
        int dim = 16, max = 32;
        double theta = 10000, factor = 2.5;
        Rope rope = Rope.fromConfig(dim, theta, json("{\"rope_type\":\"dynamic\",\"factor\":2.5}"), max);
        double[] dflt = plain(dim, theta);
        assertFreqs(dflt, rope.invFreq(), "init");
        assertFreqs(dflt, rope.forLength(max).invFreq(), "T = max");
        assertEquals(1.0, rope.forLength(100).attentionFactor(), 0);
        for (int t : new int[] {max + 1, 50, 100}) {
            // base * ((factor * T / max) - (factor - 1)) ** (dim / (dim - 2))
            double base = theta * Math.pow(factor * t / max - (factor - 1), (double) dim / (dim - 2));
            double[] expected = plain(dim, base);
            double[] got = rope.forLength(t).invFreq();
            assertFreqs(expected, got, "T = " + t);
            assertTrue(got[dim / 2 - 1] < dflt[dim / 2 - 1] * 0.999, "the scaling should change T = " + t);
        }
    }

    /** HF's _compute_yarn_parameters written out: inverse frequencies then the attention factor last. */
    private static double[] yarnExpected(int dim, double theta, double factor, double betaFast, double betaSlow,
                                         double originalMax, boolean truncate) {
        double low = dim * Math.log(originalMax / (betaFast * 2 * Math.PI)) / (2 * Math.log(theta));
        double high = dim * Math.log(originalMax / (betaSlow * 2 * Math.PI)) / (2 * Math.log(theta));
        if (truncate) {
            low = Math.floor(low);
            high = Math.ceil(high);
        }
        low = Math.max(low, 0);
        high = Math.min(high, dim - 1);
        if (low == high) {
            high += 0.001;
        }
        double[] out = new double[dim / 2];
        for (int i = 0; i < out.length; i++) {
            double posFreq = Math.pow(theta, 2.0 * i / dim);
            double ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
            double extrapolationFactor = 1 - ramp;
            out[i] = 1 / (factor * posFreq) * (1 - extrapolationFactor) + 1 / posFreq * extrapolationFactor;
        }
        return out;
    }

    @Test
    void yarnBlendsFrequenciesOverTheRamp() throws Exception {
        int dim = 32;
        double theta = 10000;
        // defaults: beta_fast 32, beta_slow 1, original max = max_position_embeddings, truncate true
        Rope r = Rope.fromConfig(dim, theta, json("{\"rope_type\":\"yarn\",\"factor\":4.0}"), 2048);
        double[] expected = yarnExpected(dim, theta, 4, 32, 1, 2048, true);
        assertFreqs(expected, r.invFreq(), "defaults");
        assertEquals(0.1 * Math.log(4) + 1, r.attentionFactor(), 1e-12);
        // the config must exercise all three regions: kept, blended, divided by factor
        double[] base = plain(dim, theta);
        assertEquals(base[0], r.invFreq()[0], 1e-6 * base[0]);
        assertEquals(base[dim / 2 - 1] / 4, r.invFreq()[dim / 2 - 1], 1e-6 * base[dim / 2 - 1]);
        boolean blended = false;
        for (int i = 0; i < dim / 2; i++) {
            double ratio = r.invFreq()[i] / base[i];
            blended |= ratio < 0.99 && ratio > 0.26;
        }
        assertTrue(blended, "some frequency should lie between kept and interpolated");
        // the length does not matter for yarn
        assertFreqs(r.invFreq(), r.forLength(10_000).invFreq(), "long sequence");

        // explicit original_max_position_embeddings, betas, truncate false
        Rope t = Rope.fromConfig(dim, theta, json("{\"type\":\"yarn\",\"factor\":8.0,\"beta_fast\":16,"
                + "\"beta_slow\":2,\"original_max_position_embeddings\":1000,\"truncate\":false}"), 8000);
        assertFreqs(yarnExpected(dim, theta, 8, 16, 2, 1000, false), t.invFreq(), "truncate false");
        assertEquals(0.1 * Math.log(8) + 1, t.attentionFactor(), 1e-12);
    }

    @Test
    void yarnAttentionFactorFromMscaleOrExplicit() throws Exception {
        Rope m = Rope.fromConfig(16, 10000, json("{\"rope_type\":\"yarn\",\"factor\":40,\"mscale\":0.707,"
                + "\"mscale_all_dim\":1.0,\"original_max_position_embeddings\":4096}"), 163840);
        double num = 0.1 * 0.707 * Math.log(40) + 1, den = 0.1 * 1.0 * Math.log(40) + 1;
        assertEquals(num / den, m.attentionFactor(), 1e-12);
        assertFreqs(yarnExpected(16, 10000, 40, 32, 1, 4096, true), m.invFreq(), "deepseek-like");
        // equal mscales cancel (DeepSeek-V3's 1.0 / 1.0 case)
        Rope eq = Rope.fromConfig(16, 10000, json("{\"rope_type\":\"yarn\",\"factor\":40,\"mscale\":1.0,"
                + "\"mscale_all_dim\":1.0}"), 4096);
        assertEquals(1.0, eq.attentionFactor(), 1e-12);
        Rope explicit = Rope.fromConfig(16, 10000, json("{\"rope_type\":\"yarn\",\"factor\":4,"
                + "\"attention_factor\":1.25,\"mscale\":2,\"mscale_all_dim\":1}"), 4096);
        assertEquals(1.25, explicit.attentionFactor(), 0);
        // factor <= 1 leaves the magnitude alone
        assertEquals(1.0, Rope.fromConfig(16, 10000, json("{\"rope_type\":\"yarn\",\"factor\":1.0}"), 64)
                .attentionFactor(), 0);
    }

    private static String list(double... v) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            b.append(i > 0 ? "," : "").append(v[i]);
        }
        return b.append(']').toString();
    }

    @Test
    void longropeSwitchesFactorsAtTheOriginalContext() throws Exception {
        int dim = 8;
        double theta = 10000;
        double[] shortF = {1.0, 1.1, 1.5, 2.0};
        double[] longF = {1.0, 3.0, 9.0, 27.0};
        String s = "{\"type\":\"longrope\",\"short_factor\":" + list(shortF) + ",\"long_factor\":" + list(longF) + "}";
        // Phi-3 layout: original_max_position_embeddings at the top level of config.json, max 4096 / 256
        Rope r = Rope.fromConfig(dim, theta, json(s), 4096, 256);
        double[] base = plain(dim, theta);
        double[] expShort = new double[dim / 2];
        double[] expLong = new double[dim / 2];
        for (int i = 0; i < dim / 2; i++) {
            expShort[i] = base[i] / shortF[i];
            expLong[i] = base[i] / longF[i];
        }
        assertFreqs(expShort, r.invFreq(), "init");
        assertFreqs(expShort, r.forLength(256).invFreq(), "T = original max");
        assertFreqs(expLong, r.forLength(257).invFreq(), "T = original max + 1");
        double attention = Math.sqrt(1 + Math.log(4096.0 / 256) / Math.log(256));
        assertEquals(attention, r.attentionFactor(), 1e-12);
        assertEquals(attention, r.forLength(1000).attentionFactor(), 1e-12);

        // "su" is the old name; original max inside the scaling object; an explicit attention_factor wins
        String su = "{\"type\":\"su\",\"short_factor\":" + list(shortF) + ",\"long_factor\":" + list(longF)
                + ",\"original_max_position_embeddings\":100,\"attention_factor\":1.5}";
        Rope r2 = Rope.fromConfig(dim, theta, json(su), 4096);
        assertFreqs(expShort, r2.forLength(100).invFreq(), "su short");
        assertFreqs(expLong, r2.forLength(101).invFreq(), "su long");
        assertEquals(1.5, r2.attentionFactor(), 0);
        // no original max anywhere: the context is max_position_embeddings and the factor 1
        Rope r3 = Rope.fromConfig(dim, theta, json(s), 64);
        assertEquals(1.0, r3.attentionFactor(), 0);
        assertFreqs(expLong, r3.forLength(65).invFreq(), "fallback long");
        // an explicit factor sets the default attention factor
        Rope r4 = Rope.fromConfig(dim, theta, json(s.replace("}", ",\"factor\":32}")), 4096, 256);
        assertEquals(Math.sqrt(1 + Math.log(32) / Math.log(256)), r4.attentionFactor(), 1e-12);

        CheckpointException e = assertThrows(CheckpointException.class, () -> Rope.fromConfig(dim, theta,
                json("{\"type\":\"longrope\",\"short_factor\":[1,1],\"long_factor\":" + list(longF) + "}"), 64));
        assertTrue(e.getMessage().contains("short_factor") && e.getMessage().contains("4"), e.getMessage());
    }

    @Test
    void applyUsesTheLengthsFrequenciesAndTheAttentionFactor() throws Exception {
        Djl.engine();
        int heads = 2, t = 6, dh = 8, rotaryDim = 8;
        Rope rope = Rope.fromConfig(rotaryDim, 10000.0, json("{\"type\":\"longrope\",\"short_factor\":[1,2,3,4],"
                + "\"long_factor\":[5,6,7,8]}"), 64, 4);
        Random rng = new Random(3);
        double[][] x = new double[t][heads * dh];
        float[] hTd = new float[heads * t * dh];
        for (int p = 0; p < t; p++) {
            for (int i = 0; i < heads * dh; i++) {
                float v = (float) rng.nextGaussian();
                x[p][i] = v;
                hTd[(i / dh) * t * dh + p * dh + i % dh] = v;
            }
        }
        double[] longInv = rope.forLength(t).invFreq();
        double af = rope.attentionFactor();
        assertEquals(Math.sqrt(1 + Math.log(16) / Math.log(4)), af, 1e-12);
        double[][] expected = NaiveRope.rotate(x, heads, dh, rotaryDim, longInv, af, false);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] got = rope.apply(m.create(hTd, new Shape(heads, t, dh)), false).toFloatArray();
            for (int p = 0; p < t; p++) {
                for (int i = 0; i < heads * dh; i++) {
                    assertEquals(expected[p][i], got[(i / dh) * t * dh + p * dh + i % dh], 1e-5,
                            "position " + p + ", feature " + i);
                }
            }
        }
        // position 0 is scaled by the attention factor, not left alone
        assertEquals(x[0][0] * af, expected[0][0], 1e-12);
    }
}
