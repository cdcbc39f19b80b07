package dev.logitlens.core.gallery;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One model of a gallery: a local Hugging Face model directory ({@code path}), a hub repository
 * ({@code repo} at {@code revision}), or a folder of run documents collected elsewhere ({@code import}).
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
 * @param importDir the folder of run documents ({@code <prompt-id>.json}), resolved against the gallery file's
 *     directory; null unless {@code import} is used
 * @param importAsWritten {@code import} exactly as written; null unless {@code import} is used
 */
public record ModelEntry(String id, String label, Path path, String pathAsWritten, String repo, String revision,
        Settings settings, Location location, Long parameters, TunedLensSpec tunedLens, Path importDir,
        String importAsWritten) {

    /** A model without a tuned lens. */
    public ModelEntry(String id, String label, Path path, String pathAsWritten, String repo, String revision,
                      Settings settings, Location location, Long parameters) {
        this(id, label, path, pathAsWritten, repo, revision, settings, location, parameters, null);
    }

    /** A model whose runs are computed (path or repo). */
    public ModelEntry(String id, String label, Path path, String pathAsWritten, String repo, String revision,
                      Settings settings, Location location, Long parameters, TunedLensSpec tunedLens) {
        this(id, label, path, pathAsWritten, repo, revision, settings, location, parameters, tunedLens, null, null);
    }

    public ModelEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(settings, "settings");
        if ((path != null ? 1 : 0) + (repo != null ? 1 : 0) + (importDir != null ? 1 : 0) != 1) {
            throw new IllegalArgumentException("model '" + id + "' needs exactly one of path, repo and import");
        }
        label = label == null ? id : label;
        revision = repo != null && revision == null ? "main" : revision;
    }

    /**
     * Where the weights (or, for {@code import}, the runs) come from, as provenance, the manifest and the pages
     * show it: {@code path:<as written>}, {@code hub:<org/name>} or {@code import:<as written>}. Built here only.
     */
    public String source() {
        return isLocal() ? "path:" + pathAsWritten : isImported() ? "import:" + importAsWritten : "hub:" + repo;
    }

    /** True for a local directory, false for a hub repository or imported runs. */
    public boolean isLocal() {
        return path != null;
    }

    /** True when the runs are read from documents in {@link #importDir()} instead of being computed. */
    public boolean isImported() {
        return importDir != null;
    }
}
