package dev.logitlens.site;

import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.Provenance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Synthetic but self-consistent lens results: a full softmax over a small vocabulary per cell, from which
 * top-k, tracked ids, probabilities, entropy, KL to the last layer, the final top-1 and its rank are all
 * derived, so every invariant of {@link LensResult} holds. The answer token gains probability with depth,
 * as in real models.
 */
final class Fixtures {
    static final String XSS = "</script><img src=x onerror=alert(1)>";
    /** Token strings, some hostile, some with whitespace that must be made visible. */
    private static final String[] WORDS = {" the", " a", " Paris", " London", " is", "\n", " \n\n", "  two", "</script>",
        "<!--", "&amp;", "\u2028", " Berlin", " city", " capital", " of", ",", ".", " France", " and", " it", "\t",
        " \"quoted\"", " '", " <img src=x onerror=alert(2)>", " Rome", " Madrid", " \u00e9t\u00e9", " \ud83d\ude00", " one"};
    private static final int VOCAB = 240;

    private Fixtures() {
    }

    static String word(int id) {
        return id < WORDS.length ? WORDS[id] : " w" + id;
    }

    /** A consistent result for {@code input} on a model with {@code numLayers} blocks, all lensed. */
    static LensResult result(String[] input, int numLayers, int k, long seed) {
        Random rnd = new Random(seed);
        int p = input.length;
        int l = numLayers;
        int[] layers = new int[l];
        for (int i = 0; i < l; i++) {
            layers[i] = i;
        }
        double[][][] dist = new double[l][p][];
        double[][][] logits = new double[l][p][];
        int[] answer = new int[p];
        for (int pos = 0; pos < p; pos++) {
            answer[pos] = 2 + rnd.nextInt(40);
            int early = rnd.nextInt(VOCAB);
            double[] base = new double[VOCAB];
            for (int v = 0; v < VOCAB; v++) {
                base[v] = rnd.nextGaussian();
            }
            for (int li = 0; li < l; li++) {
                double depth = (li + 1.0) / l;
                double[] z = new double[VOCAB];
                for (int v = 0; v < VOCAB; v++) {
                    z[v] = base[v] * (1.5 - depth) + 0.3 * rnd.nextGaussian();
                }
                z[early] += 3 * Math.sin(Math.PI * depth);
                z[answer[pos]] += 9 * depth * depth;
                logits[li][pos] = z;
                dist[li][pos] = softmax(z);
            }
        }
        int[][][] topk = new int[l][p][];
        for (int li = 0; li < l; li++) {
            for (int pos = 0; pos < p; pos++) {
                topk[li][pos] = topK(dist[li][pos], k);
            }
        }
        int[][] tracked = new int[p][];
        float[][][] probs = new float[p][l][];
        for (int pos = 0; pos < p; pos++) {
            final int fp = pos;
            tracked[pos] = Arrays.stream(topk).flatMapToInt(layer -> Arrays.stream(layer[fp])).distinct().sorted().toArray();
            for (int li = 0; li < l; li++) {
                probs[pos][li] = new float[tracked[pos].length];
                for (int j = 0; j < tracked[pos].length; j++) {
                    probs[pos][li][j] = (float) dist[li][pos][tracked[pos][j]];
                }
            }
        }
        int[] finalTop1 = new int[p];
        float[][] entropy = new float[l][p];
        float[][] kl = new float[l][p];
        float[][] ftProb = new float[l][p];
        int[][] ftRank = new int[l][p];
        for (int pos = 0; pos < p; pos++) {
            finalTop1[pos] = topK(dist[l - 1][pos], 1)[0];
            double[] fin = dist[l - 1][pos];
            for (int li = 0; li < l; li++) {
                double[] d = dist[li][pos];
                double h = 0;
                double kld = 0;
                int rank = 1;
                for (int v = 0; v < VOCAB; v++) {
                    h -= d[v] > 0 ? d[v] * Math.log(d[v]) : 0;
                    kld += fin[v] > 0 ? fin[v] * Math.log(fin[v] / d[v]) : 0;
                    if (logits[li][pos][v] > logits[li][pos][finalTop1[pos]]) {
                        rank++;
                    }
                }
                entropy[li][pos] = (float) h;
                kl[li][pos] = (float) kld;
                ftProb[li][pos] = (float) d[finalTop1[pos]];
                ftRank[li][pos] = rank;
            }
        }
        int[] inputIds = new int[p];
        SortedMap<Integer, String> vocab = new TreeMap<>();
        for (int pos = 0; pos < p; pos++) {
            inputIds[pos] = 1000 + pos; // distinct ids outside the synthetic vocabulary
            vocab.put(inputIds[pos], input[pos]);
        }
        for (int[][] layer : topk) {
            for (int[] cell : layer) {
                for (int id : cell) {
                    vocab.put(id, word(id));
                }
            }
        }
        for (int id : finalTop1) {
            vocab.put(id, word(id));
        }
        return new LensResult(inputIds, input, layers, k, topk, tracked, probs, vocab, entropy, kl, finalTop1,
                ftProb, ftRank);
    }

    static Provenance provenance(String modelId, String source, LensResult r, String prompt) {
        List<Integer> layers = Arrays.stream(r.layers()).boxed().toList();
        return new Provenance(modelId, source, source.startsWith("hub:") ? "0123456789abcdef0123456789abcdef01234567" : null,
                "ab".repeat(32), "float32", "cpu", r.k(), layers, prompt, "0.1.0-test");
    }

    /** Splits a prompt into word-ish tokens that keep their leading whitespace, like a BPE tokenizer. */
    static String[] tokenize(String text) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int j = i;
            while (j < text.length() && Character.isWhitespace(text.charAt(j))) {
                j++;
            }
            while (j < text.length() && !Character.isWhitespace(text.charAt(j))) {
                j++;
            }
            out.add(text.substring(i, j));
            i = j;
        }
        return out.toArray(String[]::new);
    }

    /** The small gallery: two models of different depth, three prompts (one hostile), one failed run. */
    static SiteModel small() {
        List<SiteModelInfo> models = List.of(
                new SiteModelInfo("tiny-a", "Tiny A", "path:../models/tiny-a"),
                new SiteModelInfo("deep.b", "Deep <b>B</b>", "hub:org/deep-b"));
        List<SitePrompt> prompts = List.of(
                new SitePrompt("france", "The capital of France is", List.of("geo", "fact")),
                new SitePrompt("xss", XSS, List.of("security", "<b>tag</b>")),
                new SitePrompt("lines", "Line one\n  two spaces\tand a tab", List.of("code")));
        int[] depth = {6, 24};
        List<SiteRun> runs = new ArrayList<>();
        for (int mi = 0; mi < models.size(); mi++) {
            for (int pi = 0; pi < prompts.size(); pi++) {
                SiteModelInfo m = models.get(mi);
                SitePrompt p = prompts.get(pi);
                if (m.id().equals("deep.b") && p.id().equals("lines")) {
                    runs.add(SiteRun.failed(m.id(), p.id(), "<b>CUDA</b> out of memory & more </script>"));
                    continue;
                }
                LensResult r = result(tokenize(p.text()), depth[mi], 5, 31L * mi + pi);
                SiteRun run = SiteRun.ok(m.id(), p.id(), r, provenance(m.id(), m.source(), r, p.text()),
                        "data/" + m.id() + "/" + p.id() + ".json");
                if (m.id().equals("tiny-a") && p.id().equals("france")) { // the one run with a tuned lens
                    LensResult t = result(tokenize(p.text()), depth[mi], 5, 977);
                    float[][] between = new float[depth[mi]][r.numPositions()];
                    Random rnd = new Random(3);
                    for (float[] row : between) {
                        for (int pos = 0; pos < row.length; pos++) {
                            row[pos] = rnd.nextFloat() * 2;
                        }
                    }
                    run = run.withTuned(new SiteRun.Tuned(t, between, "data/tiny-a/france.tuned.json"));
                }
                runs.add(run);
            }
        }
        return new SiteModel("Lens <gallery> & co", "0.1.0-test", models, prompts, runs);
    }

    private static SiteModel gallery;

    /** A gallery of the size the budget is stated for: 10 models (12 to 48 layers) × 20 prompts. Built once. */
    static synchronized SiteModel gallery10x20() {
        if (gallery == null) {
            gallery = buildGallery10x20();
        }
        return gallery;
    }

    private static SiteModel buildGallery10x20() {
        List<SiteModelInfo> models = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            models.add(new SiteModelInfo("model-" + i, "Model " + i + " (" + (12 + 4 * i) + " layers)", "hub:org/model-" + i));
        }
        String[] texts = {"The capital of France is", "To be or not to be, that is the", "1 + 1 =",
            "The quick brown fox jumps over the", "def fibonacci(n):\n    return", "In 1492 Columbus sailed the ocean",
            "The opposite of hot is", "Water boils at a temperature of", "My favourite colour is", "Once upon a time there was a"};
        List<SitePrompt> prompts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            prompts.add(new SitePrompt("prompt-" + i, texts[i % texts.length] + (i >= texts.length ? " (variant " + i + ")" : ""),
                    List.of(i % 2 == 0 ? "fact" : "completion", "set-" + (i % 3))));
        }
        List<SiteRun> runs = new ArrayList<>();
        for (int mi = 0; mi < models.size(); mi++) {
            for (int pi = 0; pi < prompts.size(); pi++) {
                SiteModelInfo m = models.get(mi);
                SitePrompt p = prompts.get(pi);
                LensResult r = result(tokenize(p.text()), 12 + 4 * mi, 5, 1000L * mi + pi);
                runs.add(SiteRun.ok(m.id(), p.id(), r, provenance(m.id(), m.source(), r, p.text()),
                        "data/" + m.id() + "/" + p.id() + ".json"));
            }
        }
        return new SiteModel("Gallery", "0.1.0-test", models, prompts, runs);
    }

    /** Writes what the pipeline would: each ok run's data file (here its V2 document), so data links resolve. */
    static void writeDataFiles(SiteModel site, Path out) throws IOException {
        for (SiteRun run : site.runs()) {
            if (run.ok()) {
                Path f = out.resolve(run.dataPath());
                Files.createDirectories(f.getParent());
                Files.writeString(f, V2.json(run.result(), run.modelId()), StandardCharsets.UTF_8);
                if (run.tuned() != null) {
                    Files.writeString(out.resolve(run.tuned().dataPath()), V2.json(run.tuned().result(), run.modelId()),
                            StandardCharsets.UTF_8);
                }
            }
        }
    }

    private static double[] softmax(double[] z) {
        double max = Arrays.stream(z).max().orElse(0);
        double[] e = new double[z.length];
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            e[i] = Math.exp(z[i] - max);
            sum += e[i];
        }
        for (int i = 0; i < z.length; i++) {
            e[i] /= sum;
        }
        return e;
    }

    private static int[] topK(double[] d, int k) {
        Integer[] idx = new Integer[d.length];
        for (int i = 0; i < d.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> d[b] != d[a] ? Double.compare(d[b], d[a]) : Integer.compare(a, b));
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = idx[i];
        }
        return out;
    }
}
