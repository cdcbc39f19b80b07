package dev.logitlens.core.gallery;

import dev.logitlens.core.UserInputException;

import java.util.Objects;

/**
 * One model applied to one prompt.
 *
 * @param model the model
 * @param prompt the prompt
 * @param settings the effective settings: command line, then prompt, then model, then {@code defaults}, then the
 *     built-in values; every field is set
 */
public record Run(ModelEntry model, PromptEntry prompt, Settings settings) {

    public Run {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(settings, "settings");
        if (!settings.isComplete()) {
            throw new IllegalArgumentException("run settings must be fully merged: " + settings);
        }
    }

    /**
     * The layer indices for this run once the model's layer count is known.
     *
     * @throws GalleryException at the place the {@code layers} value was written, when it does not fit the model
     * @throws UserInputException when the value came from the command line (there is no file to point at)
     */
    public int[] layerIndices(int numLayers) {
        LayerSpec layers = settings.layers();
        try {
            return layers.resolve(numLayers);
        } catch (IllegalArgumentException e) {
            if (layers.location() == null) { // from the command line: there is no file to point at
                throw new UserInputException(e.getMessage() + " (model '" + model.id() + "', prompt '" + prompt.id()
                        + "'). The value comes from logitlens.layers; change it so that it fits every model.");
            }
            throw new GalleryException(layers.location(), e.getMessage() + " (model '" + model.id()
                    + "', prompt '" + prompt.id() + "'). Change layers so that it fits every model it applies to.");
        }
    }
}
