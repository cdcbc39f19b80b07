package dev.logitlens.core.run;

import dev.logitlens.core.gallery.Answers;
import dev.logitlens.core.gallery.Run;
import dev.logitlens.core.lens.Answer;
import dev.logitlens.core.lens.AnswerProbe;
import dev.logitlens.core.tokenizer.ContinuationIds;
import dev.logitlens.core.tokenizer.LensTokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** A run's {@code expect} and {@code compare} groups as the ids the collector measures. */
public final class AnswerGroups {
    private AnswerGroups() {}

    /** Resolves every group against the model's tokenizer; problems go to {@code warn}, with their location. */
    static List<AnswerProbe.Group> resolve(Run run, LensTokenizer tokenizer, int vocabSize, Consumer<String> warn) {
        ContinuationIds ids = new ContinuationIds(tokenizer, vocabSize);
        List<AnswerProbe.Group> out = new ArrayList<>();
        for (Map.Entry<String, Answers.Group> e : groups(run.prompt().answers()).entrySet()) {
            Answers.Group g = e.getValue();
            ContinuationIds.Resolved r = ids.resolve(run.prompt().text(), g.continuations(),
                    g.match() == Answers.Match.PREFIX);
            String what = e.getKey().equals(Answer.EXPECT) ? "expect" : "compare group '" + e.getKey() + "'";
            for (String w : r.warnings()) {
                warn.accept(g.location() + ": " + what + ": " + w);
            }
            out.add(new AnswerProbe.Group(e.getKey(), g.match().yaml(), g.continuations(), r.ids()));
        }
        return out;
    }

    /** The expected answer first (named {@code expect}), then the compare groups in order. */
    static Map<String, Answers.Group> groups(Answers answers) {
        Map<String, Answers.Group> all = new LinkedHashMap<>();
        if (answers.expect() != null) {
            all.put(Answer.EXPECT, answers.expect());
        }
        all.putAll(answers.compare());
        return all;
    }

    /** What of the answers decides a run's numbers, for its cache key; "" when there are none. */
    public static String cacheKey(Answers answers) {
        StringBuilder b = new StringBuilder();
        groups(answers).forEach((name, g) -> {
            b.append(name).append('\u0000').append(g.match().yaml());
            for (String c : g.continuations()) {
                b.append('\u0000').append(c.length()).append(':').append(c); // length-prefixed: no run-together
            }
            b.append('\u0001');
        });
        return b.toString();
    }
}
