package dev.logitlens.site;

import dev.logitlens.core.aggregate.AggregateFiles;
import dev.logitlens.core.lens.Answer;
import dev.logitlens.core.lens.LensResult;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The run page's answers: one line per group under the heading, and their probabilities as a chart. */
final class RunAnswers {
    /** One line: the group's words, where it becomes top-1 and stays, and whether it is the final answer. */
    record Line(String text, boolean expect, Boolean finalIsIt) {}

    private RunAnswers() {}

    static List<Line> lines(LensResult r) {
        List<Line> out = new ArrayList<>();
        int last = r.numLayers() - 1;
        int finalTop1 = r.finalTop1()[r.numPositions() - 1];
        for (Answer a : r.answers()) {
            String who = label(a);
            String where;
            if (a.ids().length == 0) {
                where = "no token stands for it in this model's vocabulary";
            } else if (a.settleLayerIndex() >= 0) {
                int s = a.settleLayerIndex();
                where = String.format(Locale.ROOT, "top-1 from layer %d (depth %.2f)", r.layers()[s],
                        Heatmap.relativeDepth(r, s));
            } else {
                where = "not top-1 at the last layer (rank " + a.rank()[last] + ", "
                        + SiteRenderer.percent(a.prob()[last]) + ")";
            }
            Boolean isFinal = a.isExpect() ? a.contains(finalTop1) : null;
            out.add(new Line(who + ": " + where, a.isExpect(), isFinal));
        }
        return out;
    }

    /** {@code expected Paris}, {@code english flower}: how the page names a group. */
    static String label(Answer a) {
        return (a.isExpect() ? "expected " : a.name() + " ") + words(a);
    }

    /** The continuations as written, without their leading spaces: {@code Paris / paris}. */
    private static String words(Answer a) {
        return String.join(" / ", a.continuations().stream().map(String::strip).toList());
    }

    /** One chart of every group's probability over the lensed layers, or none when the run has no groups. */
    static List<Charts.Chart> charts(LensResult r) {
        if (r.answers().isEmpty()) {
            return List.of();
        }
        List<Charts.SeriesIn> series = new ArrayList<>();
        for (int i = 0; i < r.answers().size(); i++) {
            Answer a = r.answers().get(i);
            List<Charts.In> pts = new ArrayList<>();
            for (int li = 0; li < r.numLayers(); li++) {
                double depth = Heatmap.relativeDepth(r, li);
                String p = AggregateFiles.number(a.prob()[li]);
                String title = label(a) + " · layer " + r.layers()[li]
                        + ": p = " + p + ", rank " + a.rank()[li];
                pts.add(new Charts.In(depth, a.prob()[li], Double.NaN, Double.NaN, title, new String[] {
                        Integer.toString(r.layers()[li]), AggregateFiles.number(depth), p, "", "",
                        "1"}));
            }
            series.add(new Charts.SeriesIn("s" + (i % SiteRenderer.SERIES_COLOURS), label(a), pts));
        }
        return List.of(Charts.chart("answers-chart", "Answers across layers",
                "Probability at the last position (sum over each group's token ids), by relative depth.",
                "probability", Charts.Scale.unit(), series));
    }
}
