package dev.logitlens.core.run;

import dev.logitlens.core.gallery.Run;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.Provenance;

import java.util.Objects;

/**
 * What became of one gallery run.
 *
 * @param run        the gallery run (model × prompt and its settings)
 * @param ok         whether it produced a result
 * @param cached     true when the result came from the cache rather than the model
 * @param result     the lens result; null when failed
 * @param provenance where the numbers came from; null when failed
 * @param message    when failed: names the model, the prompt and the cause; null when ok
 * @param error      when failed: the cause, so callers can tell a configuration error from a crash
 * @param seconds    time spent collecting (0 for cached and failed runs)
 * @param sameErrorAs when failed by the error that already failed another run of the same model (a model that
 *                    could not be loaded): that first run, whose message carries the cause; null otherwise
 * @param tuned      the tuned lens of the same run when the model has one; null otherwise
 */
public record RunOutcome(Run run, boolean ok, boolean cached, LensResult result, Provenance provenance,
                         String message, RuntimeException error, double seconds, Run sameErrorAs, Tuned tuned) {

    /**
     * A run's tuned lens.
     *
     * @param result        its lens result (the same prompt, layers and k as the logit lens's)
     * @param klToLogitLens [L][P] KL(tuned ‖ logit) per cell, in nats
     * @param lens          how the lens is named (its folder, or repo and path)
     */
    public record Tuned(LensResult result, float[][] klToLogitLens, String lens) {}

    /** An outcome without a tuned lens. */
    public RunOutcome(Run run, boolean ok, boolean cached, LensResult result, Provenance provenance, String message,
                      RuntimeException error, double seconds, Run sameErrorAs) {
        this(run, ok, cached, result, provenance, message, error, seconds, sameErrorAs, null);
    }

    /** The same outcome with its tuned lens. */
    public RunOutcome withTuned(Tuned t) {
        return new RunOutcome(run, ok, cached, result, provenance, message, error, seconds, sameErrorAs, t);
    }

    public RunOutcome {
        Objects.requireNonNull(run, "run");
        if (ok && (result == null || provenance == null)) {
            throw new IllegalArgumentException("an ok outcome needs a result and its provenance");
        }
        if (!ok && message == null) {
            throw new IllegalArgumentException("a failed outcome needs a message");
        }
    }

    static RunOutcome ok(Run run, LensResult result, Provenance provenance, boolean cached, double seconds) {
        return new RunOutcome(run, true, cached, result, provenance, null, null, seconds, null);
    }

    static RunOutcome failed(Run run, RuntimeException error) {
        return new RunOutcome(run, false, false, null, null, describe(run, error), error, 0, null);
    }

    /** A further run of a model that failed as a whole: {@code first} is the run whose outcome gives the cause. */
    static RunOutcome failedLikeFirst(Run run, RuntimeException error, Run first) {
        return new RunOutcome(run, false, false, null, null, describe(run, error), error, 0, first);
    }

    /** A run that was not computed here and failed elsewhere or went missing; the cause says which and where. */
    public static RunOutcome failed(Run run, String cause) {
        return failedElsewhere(run, cause, null);
    }

    /** As {@link #failed(Run, String)}, for a further run failed by the error {@code first}'s outcome gives. */
    public static RunOutcome failedElsewhere(Run run, String cause, Run first) {
        return new RunOutcome(run, false, false, null, null, "model '" + run.model().id() + "' × prompt '"
                + run.prompt().id() + "': " + cause, null, 0, first);
    }

    /** A run computed elsewhere (another machine's shard, an imported file) and read back. */
    public static RunOutcome read(Run run, LensResult result, Provenance provenance) {
        return new RunOutcome(run, true, true, result, provenance, null, null, 0, null);
    }

    /** {@code model 'gpt2' × prompt 'france': <cause>}. */
    static String describe(Run run, RuntimeException error) {
        String cause = error.getMessage() == null ? error.getClass().getName() : error.getMessage();
        return "model '" + run.model().id() + "' × prompt '" + run.prompt().id() + "': " + cause;
    }

    public String modelId() {
        return run.model().id();
    }

    public String promptId() {
        return run.prompt().id();
    }
}
