package dev.logitlens.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.checkpoint.CheckpointException;


/**
 * What the families share when loading: the config path errors name, early failure on values the forward
 * pass lacks, and the separate-or-tied unembedding. (config.json is read by each family's config record through
 * {@link ConfigReader}.)
 */
public final class FamilySupport {
    private FamilySupport() {}

    /** The checkpoint's config.json path, as error messages name it. */
    public static String configPath(Checkpoint checkpoint) {
        return checkpoint.dir().resolve(Checkpoint.CONFIG).toString();
    }

    /**
     * Fails now, naming the file and key, when {@link Ops#activation} does not implement {@code name}, rather
     * than in the middle of the first forward pass.
     */
    public static void checkActivation(NDManager manager, String name, String key, String where) {
        try (NDManager m = manager.newSubManager()) {
            Ops.activation(name, m.zeros(new Shape(1)));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(where + ": " + key + " '" + name
                    + "' is not supported (docs/models.md lists the activations logitlens implements)");
        }
    }

    /**
     * The separate unembedding {@code name} [V, P] (saved outside the base model, so never prefixed), or null
     * when {@code tie_word_embeddings} is true: then {@code from_pretrained} ties it to the input embedding
     * whatever the file holds.
     */
    public static NDArray separateHead(Checkpoint checkpoint, Weights w, String name, boolean tied, long vocab,
                                       long width) {
        if (tied) {
            return null;
        }
        if (!w.hasUnprefixed(name)) {
            throw new CheckpointException(checkpoint.dir() + ": config.json sets tie_word_embeddings to false but "
                    + "the weights have no '" + name + "' (a base-model-only save?); save the model with its "
                    + "language-model head, or set tie_word_embeddings to true if the head is the embedding");
        }
        return w.getUnprefixed(name, vocab, width);
    }
}
