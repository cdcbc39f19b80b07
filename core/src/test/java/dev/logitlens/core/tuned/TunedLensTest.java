package dev.logitlens.core.tuned;

import ai.djl.Device;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.LensSession;
import dev.logitlens.core.reference.LensAssert;
import dev.logitlens.core.reference.NaiveGemma;
import dev.logitlens.core.reference.NaiveGpt2;
import dev.logitlens.core.reference.NaiveLlama;
import dev.logitlens.core.synth.RandomGemma;
import dev.logitlens.core.synth.RandomGpt2;
import dev.logitlens.core.synth.RandomLlama;
import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tuned lens of tiny random models of three families against the double-precision reference: each block output
 * through {@code h + W h + b} of translator block + 1 (none for the last block), the final norm, the head and, for
 * Gemma 2, the final soft-cap. Translators are written with {@link TorchStateDictWriter} and read back by the loader.
 */
class TunedLensTest {
    static final List<String> WORDS = List.of("the", "capital", "of", "france", "is", "paris", "a", "dog");
    static final String PROMPT = "the capital of france is";
    static final int[] IDS = {1, 2, 3, 4, 5};
    static final int VOCAB = 64;

    /** Random translators for a model of {@code layers} blocks of width {@code d}, written as a lens folder. */
    static TunedLensWeights writeLens(Path dir, int layers, int d, long seed) throws Exception {
        Random rnd = new Random(seed);
        float[][] w = new float[layers][d * d];
        float[][] b = new float[layers][d];
        for (int i = 0; i < layers; i++) {
            for (int j = 0; j < d * d; j++) {
                w[i][j] = (float) (rnd.nextGaussian() * 0.4 / Math.sqrt(d));
            }
            for (int j = 0; j < d; j++) {
                b[i][j] = (float) (rnd.nextGaussian() * 0.3);
            }
        }
        TorchStateDictWriter.writeFolder(dir, new TunedLensConfig("tiny", d, layers, true, null, null), w, b);
        TunedLensWeights lens = TunedLensFolder.load(dir, "lenses/tiny");
        for (int i = 0; i < layers; i++) {
            assertArrayEquals(w[i], lens.weights()[i], 0f);
            assertArrayEquals(b[i], lens.biases()[i], 0f);
        }
        return lens;
    }

    /** Independent of TunedLens: our block i uses translator i + 1; the last block none. */
    static BiFunction<Integer, double[][], double[][]> naive(TunedLensWeights lens) {
        int d = lens.dModel();
        int n = lens.numTranslators();
        return (block, h) -> {
            if (block == n - 1) {
                return h;
            }
            float[] w = lens.weights()[block + 1];
            float[] b = lens.biases()[block + 1];
            double[][] out = new double[h.length][d];
            for (int t = 0; t < h.length; t++) {
                for (int o = 0; o < d; o++) {
                    double s = h[t][o] + b[o];
                    for (int i = 0; i < d; i++) {
                        s += (double) w[o * d + i] * h[t][i];
                    }
                    out[t][o] = s;
                }
            }
            return out;
        };
    }

    private static LensResult[] collect(Path model, TunedLensWeights lens, List<String> warnings) throws Exception {
        return collectBoth(model, lens, warnings).results();
    }

    record Collected(LensResult[] results, float[][] klBetween) {}

    private static Collected collectBoth(Path model, TunedLensWeights lens, List<String> warnings) throws Exception {
        WordLevelTokenizerWriter.write(model, WORDS, VOCAB);
        try (LensSession s = LensSession.open(model, "tiny", Device.cpu(), "auto")) {
            assertArrayEquals(IDS, s.tokenizer().encode(PROMPT));
            TunedLens tuned = s.tunedLens(lens, warnings::add);
            dev.logitlens.core.lens.LensCollector.Both b = s.collect(PROMPT, 5, null, List.of(), tuned);
            return new Collected(new LensResult[] {b.logit(), b.tuned()}, b.klBetween());
        }
    }

    private static void assertBoth(LensResult[] r, double[][][] logit, double[][][] tuned) {
        LensAssert.assertMatches(r[0], logit);
        LensAssert.assertMatches(r[1], tuned);
        int last = r[1].numLayers() - 1;
        for (int pos = 0; pos < IDS.length; pos++) {
            assertArrayEquals(r[0].topk()[last][pos], r[1].topk()[last][pos], "the last block is the model's own");
            assertEquals(r[0].finalTop1Prob()[last][pos], r[1].finalTop1Prob()[last][pos], 0f);
        }
        boolean differs = false;
        for (int li = 0; li < last; li++) {
            differs |= Math.abs(r[0].klToFinal()[li][0] - r[1].klToFinal()[li][0]) > 1e-3;
        }
        assertTrue(differs, "the translators change the earlier layers");
    }

    @Test
    void gpt2(@TempDir Path dir) throws Exception {
        int layers = 3, d = 32, heads = 4;
        Map<String, float[]> w = RandomGpt2.write(dir.resolve("m"), new RandomGpt2.Spec(layers, d, heads, VOCAB, 16,
                TensorDtype.F32, "", true, 1, 42));
        TunedLensWeights lens = writeLens(dir.resolve("lens"), layers, d, 1);
        List<String> warnings = new ArrayList<>();
        Collected c = collectBoth(dir.resolve("m"), lens, warnings);
        double[][][] plain = NaiveGpt2.lensLogits(w, layers, d, heads, VOCAB, IDS);
        double[][][] tuned = NaiveGpt2.lensLogits(w, layers, d, heads, VOCAB, IDS, naive(lens));
        assertBoth(c.results(), plain, tuned);
        assertEquals(List.of(), warnings);
        // the difference view: KL(tuned ‖ logit) of the full distributions, per cell
        for (int li = 0; li < layers; li++) {
            double[][] lt = dev.logitlens.core.reference.LensAssert.logSoftmax(tuned[li]);
            double[][] lp = dev.logitlens.core.reference.LensAssert.logSoftmax(plain[li]);
            for (int pos = 0; pos < IDS.length; pos++) {
                double kl = 0;
                for (int v = 0; v < VOCAB; v++) {
                    kl += Math.exp(lt[pos][v]) * (lt[pos][v] - lp[pos][v]);
                }
                assertEquals(kl, c.klBetween()[li][pos], 1e-4, "KL between the lenses at layer " + li + ", pos " + pos);
            }
        }
        assertEquals(0f, c.klBetween()[layers - 1][0], 1e-6f);
    }

    @Test
    void llamaBf16(@TempDir Path dir) throws Exception {
        int layers = 3, d = 32, heads = 4, kv = 2, headDim = 8, inter = 48;
        Map<String, float[]> w = RandomLlama.write(dir.resolve("m"), new RandomLlama.Spec("llama", layers, d, heads, kv,
                headDim, inter, VOCAB, 64, TensorDtype.BF16, "model.", false, 1, 11, Map.of()));
        TunedLensWeights lens = writeLens(dir.resolve("lens"), layers, d, 2);
        NaiveLlama.Dims dims = new NaiveLlama.Dims(layers, d, heads, kv, headDim, inter, VOCAB, 1e-6,
                NaiveLlama.invFreq(headDim, 10000.0), new int[layers], 1.0);
        assertBoth(collect(dir.resolve("m"), lens, new ArrayList<>()), NaiveLlama.lensLogits(w, dims, IDS),
                NaiveLlama.lensLogits(w, dims, IDS, naive(lens)));
    }

    @Test
    void gemma2WithFinalSoftcap(@TempDir Path dir) throws Exception {
        int layers = 4, d = 32, heads = 4, kv = 2, headDim = 16, inter = 48;
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("query_pre_attn_scalar", 12);
        config.put("sliding_window", 3);
        config.put("attn_logit_softcapping", 1.5);
        config.put("final_logit_softcapping", 2.0);
        config.put("rope_theta", 50.0);
        Map<String, float[]> w = RandomGemma.write(dir.resolve("m"), new RandomGemma.Spec("gemma2", layers, d, heads,
                kv, headDim, inter, VOCAB, TensorDtype.F32, "", true, 1, 12, config));
        int[] window = new int[layers];
        for (int i = 0; i < layers; i += 2) {
            window[i] = 3;
        }
        double[] theta = new double[layers];
        double[] factor = new double[layers];
        java.util.Arrays.fill(theta, 50.0);
        java.util.Arrays.fill(factor, 1.0);
        NaiveGemma.Params p = new NaiveGemma.Params(layers, d, heads, kv, headDim, inter, VOCAB, true, false,
                1 / Math.sqrt(12), 1.5, 2.0, window, theta, factor);
        TunedLensWeights lens = writeLens(dir.resolve("lens"), layers, d, 3);
        assertBoth(collect(dir.resolve("m"), lens, new ArrayList<>()), NaiveGemma.lensLogits(w, p, IDS),
                NaiveGemma.lensLogits(w, p, IDS, naive(lens)));
    }

    @Test
    void aLensForAnotherModelFailsWithBothNumbersAndAForeignHashWarns(@TempDir Path dir) throws Exception {
        int layers = 3, d = 32, heads = 4;
        RandomGpt2.write(dir.resolve("m"), new RandomGpt2.Spec(layers, d, heads, VOCAB, 16, TensorDtype.F32, "", true,
                1, 42));
        TunedLensWeights fewer = writeLens(dir.resolve("l2"), 2, d, 1);
        String msg = assertThrows(TunedLensException.class, () -> collect(dir.resolve("m"), fewer, new ArrayList<>()))
                .getMessage();
        assertTrue(msg.contains("lenses/tiny") && msg.contains("num_hidden_layers 2") && msg.contains("has 3"), msg);
        TunedLensWeights narrow = writeLens(dir.resolve("l16"), layers, 16, 1);
        msg = assertThrows(TunedLensException.class, () -> collect(dir.resolve("m"), narrow, new ArrayList<>()))
                .getMessage();
        assertTrue(msg.contains("d_model 16") && msg.contains("hidden size 32"), msg);

        TunedLensWeights ok = writeLens(dir.resolve("l"), layers, d, 1);
        TunedLensWeights foreign = new TunedLensWeights(ok.source(), new TunedLensConfig("tiny", d, layers, true, null,
                "0".repeat(64)), ok.weights(), ok.biases(), ok.dtype());
        List<String> warnings = new ArrayList<>();
        collect(dir.resolve("m"), foreign, warnings);
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("another unembedding"), warnings.get(0));
    }

    @Test
    void loaderNamesTheFolderFileAndWhatIsWrong(@TempDir Path dir) throws Exception {
        TunedLensWeights lens = writeLens(dir.resolve("l"), 3, 8, 1);
        // config.json announces a width the tensors do not have
        TorchStateDictWriter.writeFolder(dir.resolve("shape"), new TunedLensConfig("x", 8, 3, true, null, null),
                lens.weights(), lens.biases());
        java.nio.file.Files.writeString(dir.resolve("shape/config.json"),
                new TunedLensConfig("x", 9, 3, true, null, null).toJson());
        String msg = assertThrows(TunedLensException.class, () -> TunedLensFolder.load(dir.resolve("shape"), "lenses/s"))
                .getMessage();
        assertTrue(msg.startsWith("tuned lens lenses/s: params.pt '0.weight' has shape [8, 8]"), msg);
        java.nio.file.Files.writeString(dir.resolve("shape/config.json"), "{\"d_model\": 8, \"num_hidden_layers\": 2}");
        msg = assertThrows(TunedLensException.class, () -> TunedLensFolder.load(dir.resolve("shape"), "lenses/s"))
                .getMessage();
        assertTrue(msg.contains("unexpected entries [2.bias, 2.weight]"), msg);
        java.nio.file.Files.writeString(dir.resolve("shape/config.json"), "{\"d_model\": 8, \"num_hidden_layers\": 3,"
                + " \"lens_type\": \"linear_tuned_lens_v2\"}");
        msg = assertThrows(TunedLensException.class, () -> TunedLensFolder.load(dir.resolve("shape"), "lenses/s"))
                .getMessage();
        assertTrue(msg.contains("lenses/s: config.json: lens_type is 'linear_tuned_lens_v2'"), msg);
        msg = assertThrows(TunedLensException.class, () -> TunedLensFolder.load(dir.resolve("none"), "lenses/n"))
                .getMessage();
        assertTrue(msg.startsWith("tuned lens lenses/n: config.json does not exist"), msg);
    }

    @Test
    void theWrittenParamsPtReadsBackWithThePyTorchFixturesReader(@TempDir Path dir) throws Exception {
        // the PyTorch-written fixture, re-written by our writer, reads back identical
        Map<String, StoredTensor> real = TorchStateDict.read(TorchStateDictTest.fixture("params-f32.pt", dir), "x");
        Map<String, TorchStateDictWriter.Entry> copy = new LinkedHashMap<>();
        real.forEach((k, v) -> copy.put(k, new TorchStateDictWriter.Entry(v.shape(), v.values())));
        Path ours = dir.resolve("ours.pt");
        TorchStateDictWriter.write(ours, copy);
        Map<String, StoredTensor> back = TorchStateDict.read(ours, "y");
        assertEquals(real.keySet(), back.keySet());
        real.forEach((k, v) -> assertArrayEquals(v.values(), back.get(k).values(), 0f, k));
    }
}
