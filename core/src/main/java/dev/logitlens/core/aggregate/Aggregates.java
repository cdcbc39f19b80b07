package dev.logitlens.core.aggregate;

import dev.logitlens.core.lens.Answer;
import dev.logitlens.core.lens.LensResult;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a prompt set says about each model: per layer, over all its ok runs and over each tag, the mean of
 * the answer probabilities, entropy and KL to the final layer, the fraction of prompts whose top-1 is the
 * final top-1, the median rank of the expected answer, and the final-layer accuracy; every value with its
 * 95% interval ({@link Interval}). Everything is read at the last position, where the next token is
 * predicted. Computed from plain results, so a merge of shards can render it without models.
 */
public final class Aggregates {
    /** The {@code tag} of series over all of a model's runs. */
    public static final String ALL = dev.logitlens.core.gallery.PromptEntry.ALL_TAG;

    public static final String ENTROPY = "entropy";
    public static final String KL = "kl_to_final";
    public static final String TOP1_IS_FINAL = "top1_is_final";
    public static final String FINAL_ACCURACY = "final_accuracy";
    /** Prefix of the measures of a tuned lens ({@code tuned:entropy}, ...), computed by {@link #tuned}. */
    public static final String TUNED = "tuned:";

    /** {@code p(expect)}, {@code p(<group>)}: the probability of an answer group. */
    public static String probMeasure(String group) {
        return "p(" + group + ")";
    }

    /** {@code rank(expect)}: the median rank of the expected answer's best id. */
    public static final String RANK_EXPECT = "rank(" + Answer.EXPECT + ")";

    /**
     * One measured value.
     *
     * @param layer block index, or -1 for a value of the whole model (final-layer accuracy)
     * @param depth (layer + 1) / the model's number of blocks, or NaN for a whole-model value
     */
    public record Point(int layer, double depth, Interval.Estimate estimate) {}

    /** One curve of the summary: a measure of one model over one tag's runs. */
    public record Series(String model, String tag, String measure, List<Point> points) {}

    private Aggregates() {}

    /**
     * The series of every model (in the order of {@code runs}), tag ({@link #ALL} first, then tags in sorted
     * order) and measure.
     */
    /**
     * The series of the tuned lenses of {@code runs} (each holding a run's tuned-lens result), measures prefixed
     * with {@link #TUNED}: every measure but the final-layer accuracy (the last layer is the model's own).
     */
    public static List<Series> tuned(List<RunData> runs) {
        List<Series> out = new ArrayList<>();
        for (Series s : compute(runs)) {
            if (!s.measure().equals(FINAL_ACCURACY)) { // the last layer is the model's own: no other accuracy
                out.add(new Series(s.model(), s.tag(), TUNED + s.measure(), s.points()));
            }
        }
        return out;
    }

    public static List<Series> compute(List<RunData> runs) {
        Map<String, List<RunData>> byModel = new LinkedHashMap<>();
        for (RunData r : runs) {
            byModel.computeIfAbsent(r.modelId(), m -> new ArrayList<>()).add(r);
        }
        List<Series> out = new ArrayList<>();
        for (Map.Entry<String, List<RunData>> e : byModel.entrySet()) {
            // The model's block count, as deep as any of its runs lensed (the last block, with layers: all).
            int blocks = 0;
            for (RunData r : e.getValue()) {
                for (int b : r.result().layers()) {
                    blocks = Math.max(blocks, b + 1);
                }
            }
            Map<String, List<RunData>> byTag = new LinkedHashMap<>();
            byTag.put(ALL, e.getValue());
            Set<String> tags = new TreeSet<>();
            e.getValue().forEach(r -> tags.addAll(r.tags()));
            for (String t : tags) {
                byTag.put(t, e.getValue().stream().filter(r -> r.tags().contains(t)).toList());
            }
            for (Map.Entry<String, List<RunData>> t : byTag.entrySet()) {
                out.addAll(model(e.getKey(), t.getKey(), t.getValue(), blocks));
            }
        }
        return out;
    }

    /** The relative depth of a block: (layer + 1) / blocks, so the last block is at 1 whatever the model's depth. */
    public static double depth(int layer, int blocks) {
        return (layer + 1.0) / blocks;
    }

    private static List<Series> model(String model, String tag, List<RunData> runs, int blocks) {
        List<Series> out = new ArrayList<>();
        Set<String> groups = new LinkedHashSet<>();
        for (RunData r : runs) {
            r.result().answers().forEach(a -> groups.add(a.name()));
        }
        if (groups.remove(Answer.EXPECT)) { // the expected answer first, then the groups as written
            out.add(perLayer(model, tag, probMeasure(Answer.EXPECT), runs, blocks, Answer.EXPECT,
                    (a, li) -> a.prob()[li], Kind.PROBABILITY));
        }
        for (String g : groups) {
            out.add(perLayer(model, tag, probMeasure(g), runs, blocks, g, (a, li) -> a.prob()[li], Kind.PROBABILITY));
        }
        out.add(perLayer(model, tag, ENTROPY, runs, blocks, null, null, Kind.NATS));
        out.add(perLayer(model, tag, KL, runs, blocks, null, null, Kind.NATS));
        out.add(perLayer(model, tag, TOP1_IS_FINAL, runs, blocks, null, null, Kind.PROPORTION));
        if (out.get(0).measure().equals(probMeasure(Answer.EXPECT))) {
            out.add(perLayer(model, tag, RANK_EXPECT, runs, blocks, Answer.EXPECT, (a, li) -> a.rank()[li],
                    Kind.MEDIAN));
            int right = 0;
            int n = 0;
            for (RunData r : runs) {
                Answer a = measured(r.result(), Answer.EXPECT);
                if (a != null) {
                    n++;
                    right += a.contains(r.result().finalTop1()[r.result().numPositions() - 1]) ? 1 : 0;
                }
            }
            out.add(new Series(model, tag, FINAL_ACCURACY,
                    List.of(new Point(-1, Double.NaN, Interval.proportion(right, n)))));
        }
        out.removeIf(s -> s.points().isEmpty());
        return out;
    }

    private enum Kind { PROBABILITY, NATS, PROPORTION, MEDIAN }

    private interface AnswerValue {
        double at(Answer a, int li);
    }

    /** One value per run at each block index it lensed; runs without the group (or with no ids for it) skipped. */
    private static Series perLayer(String model, String tag, String measure, List<RunData> runs, int blocks,
                                   String group, AnswerValue value, Kind kind) {
        Map<Integer, List<Double>> byLayer = new TreeMap<>();
        for (RunData run : runs) {
            LensResult r = run.result();
            int pos = r.numPositions() - 1;
            Answer a = group == null ? null : measured(r, group);
            if (group != null && a == null) {
                continue;
            }
            for (int li = 0; li < r.numLayers(); li++) {
                double v = switch (measure) {
                    case ENTROPY -> r.entropy()[li][pos];
                    case KL -> r.klToFinal()[li][pos];
                    case TOP1_IS_FINAL -> r.topk()[li][pos][0] == r.finalTop1()[pos] ? 1 : 0;
                    default -> value.at(a, li);
                };
                if (Double.isFinite(v)) {
                    byLayer.computeIfAbsent(r.layers()[li], k -> new ArrayList<>()).add(v);
                }
            }
        }
        List<Point> points = new ArrayList<>();
        byLayer.forEach((layer, values) -> {
            double[] xs = values.stream().mapToDouble(Double::doubleValue).toArray();
            Interval.Estimate e = switch (kind) {
                case PROBABILITY -> Interval.mean(xs, 0, 1);
                case NATS -> Interval.mean(xs, 0, Double.POSITIVE_INFINITY);
                case PROPORTION -> Interval.proportion((int) java.util.Arrays.stream(xs).sum(), xs.length);
                case MEDIAN -> Interval.median(xs);
            };
            points.add(new Point(layer, depth(layer, blocks), e));
        });
        return new Series(model, tag, measure, points);
    }

    /** The run's answer named {@code group}, when it has ids to measure. */
    private static Answer measured(LensResult r, String group) {
        for (Answer a : r.answers()) {
            if (a.name().equals(group) && a.ids().length > 0) {
                return a;
            }
        }
        return null;
    }
}
