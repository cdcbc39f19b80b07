package dev.logitlens.site;

import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.Provenance;
import java.util.Objects;

/**
 * One cell of the gallery: a model run on a prompt, successful or not.
 *
 * @param modelId        id of a {@link SiteModelInfo}
 * @param promptId       id of a {@link SitePrompt}
 * @param ok             whether the run produced a result
 * @param failureMessage why it failed (shown on the index and the run page); null when ok
 * @param result         the lens result; null if failed
 * @param provenance     where the numbers came from; null if failed
 * @param dataPath       the run's JSON file relative to the site root, e.g. {@code data/gpt2/france.json};
 *                       null if failed
 * @param tuned          the run's tuned lens, or null when the model has none
 */
public record SiteRun(String modelId, String promptId, boolean ok, String failureMessage,
                      LensResult result, Provenance provenance, String dataPath, Tuned tuned) {

    /**
     * A run's tuned lens on the site.
     *
     * @param result        its lens result
     * @param klToLogitLens [L][P] KL(tuned ‖ logit) per cell
     * @param dataPath      its run document, e.g. {@code data/gpt2/france.tuned.json}
     */
    public record Tuned(LensResult result, float[][] klToLogitLens, String dataPath) {}

    public SiteRun(String modelId, String promptId, boolean ok, String failureMessage, LensResult result,
                   Provenance provenance, String dataPath) {
        this(modelId, promptId, ok, failureMessage, result, provenance, dataPath, null);
    }

    /** The same run with its tuned lens. */
    public SiteRun withTuned(Tuned t) {
        return new SiteRun(modelId, promptId, ok, failureMessage, result, provenance, dataPath, t);
    }
    public SiteRun {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(promptId, "promptId");
        if (ok && (result == null || provenance == null || dataPath == null)) {
            throw new IllegalArgumentException("run " + modelId + "/" + promptId
                    + " is ok but lacks result, provenance or dataPath: pass all three, or ok=false with a message");
        }
        if (ok && (result.numPositions() == 0 || result.numLayers() == 0)) {
            throw new IllegalArgumentException("run " + modelId + "/" + promptId + " has an empty result ("
                    + result.numPositions() + " positions, " + result.numLayers() + " layers): report it as failed");
        }
        if (!ok && (failureMessage == null || failureMessage.isBlank())) {
            failureMessage = "failed without a message";
        }
    }

    /** A successful run. */
    public static SiteRun ok(String modelId, String promptId, LensResult result, Provenance provenance, String dataPath) {
        return new SiteRun(modelId, promptId, true, null, result, provenance, dataPath);
    }

    /** A failed run; it is still shown, with its message. */
    public static SiteRun failed(String modelId, String promptId, String message) {
        return new SiteRun(modelId, promptId, false, message, null, null, null);
    }
}
