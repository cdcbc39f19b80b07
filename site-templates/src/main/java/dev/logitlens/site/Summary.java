package dev.logitlens.site;

import dev.logitlens.core.aggregate.AggregateFiles;
import dev.logitlens.core.aggregate.Aggregates;
import dev.logitlens.core.aggregate.RunData;
import dev.logitlens.core.lens.Answer;
import dev.logitlens.core.lens.LensResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The summary page's content: the aggregate series of every model ({@link Aggregates}), drawn as one chart
 * per measure with every model overlaid on relative depth, and the model × prompt table of the depth at
 * which the expected answer settles.
 */
final class Summary {
    static final String PAGE = "summary.html";
    static final String CSV = "aggregates/aggregates.csv";
    static final String JSON = "aggregates/aggregates.json";

    /** Charts of one tag ({@link Aggregates#ALL} for every run). */
    record TagCharts(String tag, String label, int runs, List<Charts.Chart> charts) {}

    /** One cell of the depth table: shown text, sort value, run link (null when not run). */
    record DepthCell(String text, String sort, String href, String title) {}

    record DepthRow(Views.PromptLink prompt, List<DepthCell> cells) {}

    final List<Aggregates.Series> series;
    final List<TagCharts> tags = new ArrayList<>();
    final List<DepthRow> depthRows = new ArrayList<>();
    final boolean anyExpect;

    Summary(SiteModel site, Map<String, Views.PromptLink> promptLinks) {
        Map<String, SitePrompt> prompts = new LinkedHashMap<>();
        site.prompts().forEach(p -> prompts.put(p.id(), p));
        List<RunData> data = new ArrayList<>();
        List<RunData> tunedData = new ArrayList<>();
        // Models in page order, runs in prompt order, so series and files come out in the gallery's order.
        for (SiteModelInfo m : site.models()) {
            for (SitePrompt p : site.prompts()) {
                for (SiteRun r : site.runs()) {
                    if (r.ok() && r.modelId().equals(m.id()) && r.promptId().equals(p.id())) {
                        data.add(new RunData(m.id(), p.id(), p.tags(), r.result()));
                        if (r.tuned() != null) {
                            tunedData.add(new RunData(m.id(), p.id(), p.tags(), r.tuned().result()));
                        }
                    }
                }
            }
        }
        List<Aggregates.Series> all = new ArrayList<>(Aggregates.compute(data));
        all.addAll(Aggregates.tuned(tunedData)); // drawn dashed in the logit lens's charts
        series = all;
        anyExpect = data.stream().anyMatch(d -> d.result().expected().isPresent());

        Map<String, String> cls = new LinkedHashMap<>();
        Map<String, String> labels = new LinkedHashMap<>();
        Map<String, Integer> blocks = new LinkedHashMap<>();
        for (int i = 0; i < site.models().size(); i++) {
            SiteModelInfo m = site.models().get(i);
            cls.put(m.id(), "s" + (i % SiteRenderer.SERIES_COLOURS));
            labels.put(m.id(), m.label());
        }
        for (RunData d : data) {
            for (int b : d.result().layers()) {
                blocks.merge(d.modelId(), b + 1, Math::max);
            }
        }

        Map<String, Map<String, List<Aggregates.Series>>> byTag = new LinkedHashMap<>(); // tag -> measure -> series
        byTag.put(Aggregates.ALL, new LinkedHashMap<>());
        for (Aggregates.Series s : series) {
            String measure = s.measure().startsWith(Aggregates.TUNED)
                    ? s.measure().substring(Aggregates.TUNED.length()) : s.measure();
            byTag.computeIfAbsent(s.tag(), t -> new LinkedHashMap<>())
                    .computeIfAbsent(measure, x -> new ArrayList<>()).add(s);
        }
        List<String> tagOrder = new ArrayList<>(byTag.keySet());
        java.util.Collections.sort(tagOrder.subList(1, tagOrder.size()));
        for (String tag : tagOrder) {
            List<Charts.Chart> charts = new ArrayList<>();
            for (Map.Entry<String, List<Aggregates.Series>> e : byTag.get(tag).entrySet()) {
                if (e.getKey().equals(Aggregates.FINAL_ACCURACY)) {
                    charts.add(accuracyChart(tag, e.getValue(), cls, labels));
                } else {
                    charts.add(measureChart(tag, e.getKey(), e.getValue(), cls, labels));
                }
            }
            long runs = tag.equals(Aggregates.ALL) ? data.size() : data.stream().filter(d -> d.tags().contains(tag)).count();
            tags.add(new TagCharts(tag, tag.equals(Aggregates.ALL) ? "all prompts" : "tag " + tag, (int) runs, charts));
        }

        for (SitePrompt p : site.prompts()) {
            List<DepthCell> cells = new ArrayList<>();
            for (SiteModelInfo m : site.models()) {
                SiteRun run = site.runs().stream().filter(r -> r.modelId().equals(m.id()) && r.promptId().equals(p.id()))
                        .findFirst().orElse(null);
                cells.add(depthCell(run, m, p, blocks.getOrDefault(m.id(), 1)));
            }
            depthRows.add(new DepthRow(promptLinks.get(p.id()), cells));
        }
    }

    private static DepthCell depthCell(SiteRun run, SiteModelInfo m, SitePrompt p, int blocks) {
        if (run == null) {
            return new DepthCell("not run", "", null, m.label() + ": not run on this prompt");
        }
        String href = SiteRenderer.runHref(m.id(), p.id());
        if (!run.ok()) {
            return new DepthCell("failed", "", href, m.label() + " failed on this prompt");
        }
        Answer a = run.result().expected().orElse(null);
        if (a == null) {
            return new DepthCell("no expect", "", href, "the prompt has no expected answer");
        }
        int s = a.settleLayerIndex();
        if (s < 0) {
            // Sorts after every depth: "never" is later than the last layer.
            return new DepthCell("never", "2", href, m.label() + ": the expected answer is not top-1 at the last layer");
        }
        int layer = run.result().layers()[s];
        double depth = Aggregates.depth(layer, blocks);
        return new DepthCell(String.format(Locale.ROOT, "%.2f", depth), AggregateFiles.number(depth), href,
                m.label() + ": top-1 from layer " + layer + " on");
    }

    private static Charts.Chart measureChart(String tag, String measure, List<Aggregates.Series> series,
                                             Map<String, String> cls, Map<String, String> labels) {
        double max = 0;
        for (Aggregates.Series s : series) {
            for (Aggregates.Point p : s.points()) {
                max = Math.max(max, Double.isNaN(p.estimate().hi()) ? p.estimate().value() : p.estimate().hi());
            }
        }
        Charts.Scale scale;
        String yLabel;
        String title;
        String note;
        if (measure.equals(Aggregates.RANK_EXPECT)) {
            scale = Charts.Scale.ranks(max);
            yLabel = "rank (log)";
            title = "Median rank of the expected answer";
            note = "1 = top-1. Band: the order-statistic 95% interval of the median.";
        } else if (measure.equals(Aggregates.ENTROPY) || measure.equals(Aggregates.KL)) {
            scale = Charts.Scale.upTo(max);
            yLabel = "nats";
            title = measure.equals(Aggregates.ENTROPY) ? "Entropy of the lens distribution" : "KL divergence to the final layer";
            note = "Mean over prompts. Band: Student's t 95% interval of the mean.";
        } else if (measure.equals(Aggregates.TOP1_IS_FINAL)) {
            scale = Charts.Scale.unit();
            yLabel = "fraction";
            title = "Fraction of prompts whose top-1 is already the final top-1";
            note = "Band: Wilson 95% interval of the proportion.";
        } else {
            scale = Charts.Scale.unit();
            yLabel = "probability";
            String group = measure.substring(2, measure.length() - 1);
            title = group.equals(Answer.EXPECT) ? "Probability of the expected answer"
                    : "Probability of the group '" + group + "'";
            note = "Mean over prompts (sum over the group's token ids). Band: Student's t 95% interval of the mean.";
        }
        List<Charts.SeriesIn> in = new ArrayList<>();
        for (Aggregates.Series s : series) {
            List<Charts.In> pts = new ArrayList<>();
            for (Aggregates.Point p : s.points()) {
                String[] printed = printed(p);
                String t = labels.get(s.model()) + (s.measure().startsWith(Aggregates.TUNED) ? " (tuned lens)" : "")
                        + " · layer " + p.layer() + ": " + printed[2] + (printed[3].isEmpty() ? "" : " [" + printed[3] + ", " + printed[4] + "]")
                        + ", n = " + printed[5];
                // Plotted from the printed digits, so the chart holds exactly the numbers of the files.
                pts.add(new Charts.In(Double.parseDouble(printed[1]), Double.parseDouble(printed[2]),
                        parse(printed[3]), parse(printed[4]), t, printed));
            }
            boolean tuned = s.measure().startsWith(Aggregates.TUNED);
            in.add(new Charts.SeriesIn(cls.get(s.model()) + (tuned ? " tuned" : ""),
                    labels.get(s.model()) + (tuned ? " (tuned lens)" : ""), pts));
        }
        return Charts.chart(chartId(tag, measure), title, note, yLabel, scale, in, tag.equals(Aggregates.ALL));
    }

    /** Final-layer accuracy: one dot per model at depth 1, with its Wilson interval as a band-less bar. */
    private static Charts.Chart accuracyChart(String tag, List<Aggregates.Series> series, Map<String, String> cls,
                                              Map<String, String> labels) {
        List<Charts.SeriesIn> in = new ArrayList<>();
        for (Aggregates.Series s : series) {
            Aggregates.Point p = s.points().get(0);
            String[] printed = printed(p);
            String t = labels.get(s.model()) + ": " + printed[2]
                    + (printed[3].isEmpty() ? "" : " [" + printed[3] + ", " + printed[4] + "]") + ", n = " + printed[5];
            in.add(new Charts.SeriesIn(cls.get(s.model()), labels.get(s.model()), List.of(new Charts.In(1,
                    Double.parseDouble(printed[2]), parse(printed[3]), parse(printed[4]), t, printed))));
        }
        return Charts.chart(chartId(tag, Aggregates.FINAL_ACCURACY), "Final-layer accuracy",
                "Fraction of prompts whose final top-1 is an expected answer, drawn at depth 1. Band: Wilson 95% interval.",
                "fraction", Charts.Scale.unit(), in, tag.equals(Aggregates.ALL));
    }

    /** layer, depth, mean, lo, hi, n as the files print them. */
    private static String[] printed(Aggregates.Point p) {
        return new String[] {p.layer() < 0 ? "" : Integer.toString(p.layer()), AggregateFiles.number(p.depth()),
                AggregateFiles.number(p.estimate().value()), AggregateFiles.number(p.estimate().lo()),
                AggregateFiles.number(p.estimate().hi()), Integer.toString(p.estimate().n())};
    }

    private static double parse(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }

    /** A stable element id: tag and measure with anything outside [A-Za-z0-9_-] replaced. */
    static String chartId(String tag, String measure) {
        return ("chart-" + (tag.equals(Aggregates.ALL) ? "all" : "tag-" + tag) + "-" + measure)
                .replaceAll("[^A-Za-z0-9_-]", "_");
    }
}
