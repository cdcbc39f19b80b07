package dev.logitlens.core.gallery;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A parsed gallery file: which models to run on which prompts.
 *
 * @param file the gallery file as it was named
 * @param title the site title
 * @param models the models, in file order
 * @param prompts the prompts, in file order with included files expanded in place
 * @param runs every model × prompt pair to compute, in order: for {@code runs: all} model-major (all prompts of
 *     the first model, then of the second, ...); otherwise as listed
 */
public record Gallery(Path file, String title, List<ModelEntry> models, List<PromptEntry> prompts, List<Run> runs) {

    public Gallery {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(title, "title");
        models = List.copyOf(models);
        prompts = List.copyOf(prompts);
        runs = List.copyOf(runs);
    }
}
