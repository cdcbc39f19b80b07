package dev.logitlens.core.run;

import dev.logitlens.core.gallery.Run;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The message a build ends with when runs failed: each cause once, in run order, with the number of further
 * runs it failed. The collector marks those runs ({@link RunOutcome#sameErrorAs()}), so nothing here
 * guesses which failures belong together.
 */
public final class FailureReport {
    private FailureReport() {}

    /** Empty when every run succeeded; otherwise {@code "2 of 6 runs failed:\n  model 'a' × prompt 'b': ..."}. */
    public static Optional<String> of(List<RunOutcome> outcomes) {
        Map<RunOutcome, List<RunOutcome>> groups = new LinkedHashMap<>();
        Map<Run, RunOutcome> firstByRun = new IdentityHashMap<>();
        int failed = 0;
        for (RunOutcome o : outcomes) {
            if (o.ok()) {
                continue;
            }
            failed++;
            RunOutcome first = o.sameErrorAs() == null ? null : firstByRun.get(o.sameErrorAs());
            if (first == null) {
                firstByRun.put(o.run(), o);
                groups.put(o, new ArrayList<>());
            } else {
                groups.get(first).add(o);
            }
        }
        if (failed == 0) {
            return Optional.empty();
        }
        StringBuilder msg = new StringBuilder().append(failed).append(" of ").append(outcomes.size())
                .append(" runs failed:");
        for (Map.Entry<RunOutcome, List<RunOutcome>> g : groups.entrySet()) {
            msg.append("\n  ").append(g.getKey().message());
            int more = g.getValue().size();
            if (more > 0) {
                msg.append("\n    (the same error failed ").append(more).append(" more run").append(more > 1 ? "s" : "")
                        .append(" of model '").append(g.getKey().modelId()).append("')");
            }
        }
        return Optional.of(msg.toString());
    }
}
