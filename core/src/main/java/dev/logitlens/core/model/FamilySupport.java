package dev.logitlens.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.checkpoint.CheckpointException;


/**
 * What the families share when loading: config.json into its record, early failure on values the forward
 * pass lacks, and the separate-or-tied unembedding.
 */
public final class FamilySupport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private FamilySupport() {}

    /** The checkpoint's config.json path, as error messages name it. */
    public static String configPath(Checkpoint checkpoint) {
        return checkpoint.dir().resolve(Checkpoint.CONFIG).toString();
    }

    /**
     * Binds {@code json} to {@code type}; a missing or malformed key becomes a {@link CheckpointException}
     * naming {@code where} (the config.json path) and the family.
     *
     * @param sizes the keys every tensor's shape follows, each with the default transformers would fill in:
     *              absent, they fail here naming that default (see {@link ConfigReader#required})
     */
    public static <T> T parse(JsonNode json, Class<T> type, String where, String family, ConfigReader.Size... sizes) {
        ConfigReader r = new ConfigReader(json, where);
        for (ConfigReader.Size size : sizes) {
            r.required(size.key(), size.transformersDefault());
        }
        try {
            return JSON.treeToValue(json, type);
        } catch (Exception e) {
            String msg = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
            throw new CheckpointException(where + ": invalid " + family + " config (" + msg + ")");
        }
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
