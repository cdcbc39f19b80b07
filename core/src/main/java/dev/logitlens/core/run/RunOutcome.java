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
 */
public record RunOutcome(Run run, boolean ok, boolean cached, LensResult result, Provenance provenance,
                         String message, RuntimeException error, double seconds) {
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
        return new RunOutcome(run, true, cached, result, provenance, null, null, seconds);
    }

    static RunOutcome failed(Run run, RuntimeException error) {
        return new RunOutcome(run, false, false, null, null, describe(run, error), error, 0);
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
