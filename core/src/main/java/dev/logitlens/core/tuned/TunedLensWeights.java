package dev.logitlens.core.tuned;

import java.util.function.Consumer;

/**
 * The translators of a tuned lens as read from its folder, in plain float32 arrays.
 *
 * <p>Translator {@code i} acts on tuned-lens's hidden state {@code i}: 0 is the embedding output, {@code i ≥ 1}
 * the output of block {@code i − 1}. The lens of that state is {@code unembed(finalNorm(h + W h + b))}.
 *
 * @param source  how messages name the lens (its folder, or the hub path it came from)
 * @param config  its config.json
 * @param weights [numHiddenLayers][d·d] row-major W (out × in, as {@code torch.nn.Linear} stores it)
 * @param biases  [numHiddenLayers][d], zeros where the lens has no bias
 * @param dtype   the dtype the translators were stored in
 */
public record TunedLensWeights(String source, TunedLensConfig config, float[][] weights, float[][] biases,
                               String dtype) {

    public int dModel() {
        return config.dModel();
    }

    public int numTranslators() {
        return weights.length;
    }

    /**
     * Checks the lens fits a model of {@code numLayers} blocks and hidden size {@code hiddenSize}, and warns
     * through {@code warn} when the lens recorded another unembedding than {@code unembedHash} (null: unknown).
     */
    public void checkFits(String model, int numLayers, int hiddenSize, String unembedHash, Consumer<String> warn) {
        if (config.dModel() != hiddenSize) {
            throw new TunedLensException("Tuned lens " + source + " has d_model " + config.dModel() + " but model "
                    + model + " has hidden size " + hiddenSize + ": the lens was trained for another model.");
        }
        if (config.numHiddenLayers() != numLayers) {
            throw new TunedLensException("Tuned lens " + source + " has num_hidden_layers "
                    + config.numHiddenLayers() + " but model " + model + " has " + numLayers
                    + " layers: the lens was trained for another model.");
        }
        if (config.unembedHash() != null && unembedHash != null && !config.unembedHash().equals(unembedHash)) {
            warn.accept("Tuned lens " + source + " was trained with another unembedding than model " + model
                    + "'s (unembed_hash " + abbrev(config.unembedHash()) + " in its config.json, "
                    + abbrev(unembedHash) + " here); it may belong to a different checkpoint of the model.");
        }
    }

    private static String abbrev(String h) {
        return h.length() > 12 ? h.substring(0, 12) + "…" : h;
    }
}
