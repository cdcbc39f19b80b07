package dev.logitlens.core.gallery;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One model of a gallery: either a local Hugging Face model directory ({@code path}) or a hub repository
 * ({@code repo} at {@code revision}).
 *
 * @param id unique id, used in URLs and file names
 * @param label what pages show; the id when not given
 * @param path the directory, resolved against the gallery file's directory; null when {@code repo} is used
 * @param pathAsWritten {@code path} exactly as written in the gallery, for messages and provenance; null with repo
 * @param repo hub repo id such as {@code meta-llama/Llama-3.2-1B}; null when {@code path} is used
 * @param revision branch, tag or commit of {@code repo}, {@code main} when not given; null with path
 * @param settings what this model sets (unset fields are null)
 * @param location where the model's entry starts
 * @param parameters the model's parameter count as the gallery states it ({@code parameters: 7B}), for planning
 *     shards; null when not given
 * @param tunedLens its tuned lens ({@code tunedLens:}), or null for the logit lens alone
 */
public record ModelEntry(String id, String label, Path path, String pathAsWritten, String repo, String revision,
        Settings settings, Location location, Long parameters, TunedLensSpec tunedLens) {

    /** A model without a tuned lens. */
    public ModelEntry(String id, String label, Path path, String pathAsWritten, String repo, String revision,
                      Settings settings, Location location, Long parameters) {
        this(id, label, path, pathAsWritten, repo, revision, settings, location, parameters, null);
    }

    public ModelEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(settings, "settings");
        if ((path == null) == (repo == null)) {
            throw new IllegalArgumentException("model '" + id + "' needs exactly one of path and repo");
        }
        label = label == null ? id : label;
        revision = repo != null && revision == null ? "main" : revision;
    }

    /**
     * Where the weights come from, as provenance, the manifest and the pages show it: {@code path:<as written>}
     * or {@code hub:<org/name>}. Built here only.
     */
    public String source() {
        return isLocal() ? "path:" + pathAsWritten : "hub:" + repo;
    }

    /** True for a local directory, false for a hub repository. */
    public boolean isLocal() {
        return path != null;
    }
}
