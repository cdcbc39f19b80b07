package dev.logitlens.core.tuned;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;

/**
 * Reads a tuned lens folder as tuned-lens's {@code TunedLens.save} writes it: {@code config.json} and
 * {@code params.pt}, the state dict of {@code layer_translators} ({@code {i}.weight} [d, d], {@code {i}.bias} [d]
 * for i in 0 .. num_hidden_layers − 1).
 */
public final class TunedLensFolder {
    public static final String CONFIG = "config.json";
    public static final String PARAMS = "params.pt";

    private TunedLensFolder() {}

    /**
     * @param dir   the folder
     * @param label how messages name it (the gallery's path, or the hub repo and path)
     */
    public static TunedLensWeights load(Path dir, String label) {
        String where = "tuned lens " + label;
        TunedLensConfig config = TunedLensConfig.read(dir.resolve(CONFIG), where + ": " + CONFIG);
        Map<String, StoredTensor> state = TorchStateDict.read(dir.resolve(PARAMS), where + ": " + PARAMS);
        int n = config.numHiddenLayers();
        int d = config.dModel();
        float[][] weights = new float[n][];
        float[][] biases = new float[n][];
        String dtype = null;
        TreeSet<String> unexpected = new TreeSet<>(state.keySet());
        for (int i = 0; i < n; i++) {
            StoredTensor w = take(state, unexpected, i + ".weight", new long[] {d, d}, where);
            weights[i] = w.values();
            dtype = w.dtype();
            if (config.bias()) {
                biases[i] = take(state, unexpected, i + ".bias", new long[] {d}, where).values();
            } else {
                biases[i] = new float[d];
            }
        }
        if (!unexpected.isEmpty()) {
            throw new TunedLensException(where + ": " + PARAMS + " holds unexpected entries " + unexpected
                    + " besides the " + n + " translators config.json's num_hidden_layers announces"
                    + (config.bias() ? "" : " (bias: false)") + ".");
        }
        return new TunedLensWeights(label, config, weights, biases, dtype);
    }

    private static StoredTensor take(Map<String, StoredTensor> state, TreeSet<String> unexpected, String key,
                                     long[] shape, String where) {
        StoredTensor t = state.get(key);
        if (t == null) {
            throw new TunedLensException(where + ": " + PARAMS + " lacks '" + key + "' (config.json announces "
                    + "translators with d_model " + shape[0] + "); the file and config.json do not belong together.");
        }
        if (!java.util.Arrays.equals(t.shape(), shape)) {
            throw new TunedLensException(where + ": " + PARAMS + " '" + key + "' has shape " + t.shapeText()
                    + " where config.json's d_model " + shape[0] + " needs " + java.util.Arrays.toString(shape) + ".");
        }
        unexpected.remove(key);
        return t;
    }
}
