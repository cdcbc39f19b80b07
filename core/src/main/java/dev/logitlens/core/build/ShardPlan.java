package dev.logitlens.core.build;

import dev.logitlens.core.gallery.Gallery;
import dev.logitlens.core.gallery.ModelEntry;
import dev.logitlens.core.gallery.ParameterCount;
import dev.logitlens.core.gallery.Run;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which shard computes which run of a gallery. The plan depends on the gallery file alone (never on what a
 * machine has downloaded), so every job of a CI matrix computes the same plan without talking to the others.
 *
 * <p>Cost of a run = the model's parameters × the prompt's estimated tokens. A model's runs stay together
 * (one load per model) unless the model alone costs more than a shard's fair share (the total / N); then its
 * prompts are cut into that many consecutive pieces of about equal cost. Pieces are placed largest first on the
 * least-loaded shard (ties: the lower shard), which is within 4/3 of the best balance.
 *
 * @param count    the number of shards
 * @param shardOf  for each gallery run, in order, the shard (1..count) that computes it
 * @param cost     for each gallery run, its estimated cost
 * @param models   how each model's parameter count was found, by model id in gallery order
 */
public record ShardPlan(int count, List<Integer> shardOf, List<Double> cost, Map<String, Estimate> models) {
    /** Assumed for a model whose size neither the gallery nor its name tells. */
    public static final long DEFAULT_PARAMETERS = 1_000_000_000L;

    /** A model's parameter count and where it came from ({@code parameters:}, its name, or assumed). */
    public record Estimate(long parameters, String basis) {}

    public ShardPlan {
        shardOf = List.copyOf(shardOf);
        cost = List.copyOf(cost);
        models = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(models));
    }

    /** The plan of {@code gallery} for {@code count} shards. */
    public static ShardPlan of(Gallery gallery, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("at least one shard is needed, not " + count);
        }
        List<Run> runs = gallery.runs();
        Map<String, Estimate> estimates = new LinkedHashMap<>();
        for (ModelEntry m : gallery.models()) {
            estimates.put(m.id(), estimate(m));
        }
        double[] cost = new double[runs.size()];
        Map<String, List<Integer>> byModel = new LinkedHashMap<>();
        double total = 0;
        for (int i = 0; i < runs.size(); i++) {
            Run r = runs.get(i);
            cost[i] = (double) estimates.get(r.model().id()).parameters() * tokens(r.prompt().text());
            total += cost[i];
            byModel.computeIfAbsent(r.model().id(), id -> new ArrayList<>()).add(i);
        }
        double share = total / count;
        List<List<Integer>> pieces = new ArrayList<>();
        for (List<Integer> runsOfModel : byModel.values()) {
            double modelCost = runsOfModel.stream().mapToDouble(i -> cost[i]).sum();
            int parts = count == 1 || modelCost <= share * (1 + 1e-9) ? 1
                    : (int) Math.min(runsOfModel.size(), Math.min(count, Math.ceil(modelCost / share - 1e-9)));
            pieces.addAll(split(runsOfModel, cost, parts));
        }
        List<double[]> sized = new ArrayList<>(); // {piece index, cost}
        for (int p = 0; p < pieces.size(); p++) {
            sized.add(new double[] {p, pieces.get(p).stream().mapToDouble(i -> cost[i]).sum()});
        }
        // Largest first; equal costs keep gallery order, so the plan is the same on every machine.
        sized.sort(Comparator.comparingDouble((double[] s) -> -s[1]).thenComparingDouble(s -> s[0]));
        double[] load = new double[count];
        Integer[] shardOf = new Integer[runs.size()];
        for (double[] s : sized) {
            int best = 0;
            for (int sh = 1; sh < count; sh++) {
                if (load[sh] < load[best]) {
                    best = sh;
                }
            }
            load[best] += s[1];
            for (int i : pieces.get((int) s[0])) {
                shardOf[i] = best + 1;
            }
        }
        List<Double> costs = new ArrayList<>();
        for (double c : cost) {
            costs.add(c);
        }
        return new ShardPlan(count, List.of(shardOf), costs, estimates);
    }

    /** Consecutive runs cut into {@code parts} pieces of about equal cost (each at least one run). */
    private static List<List<Integer>> split(List<Integer> runs, double[] cost, int parts) {
        List<List<Integer>> out = new ArrayList<>();
        double total = runs.stream().mapToDouble(i -> cost[i]).sum();
        double done = 0;
        List<Integer> piece = new ArrayList<>();
        for (int j = 0; j < runs.size(); j++) {
            int i = runs.get(j);
            piece.add(i);
            done += cost[i];
            int left = runs.size() - j - 1;
            int piecesLeft = parts - out.size() - 1;
            boolean full = done >= total * (out.size() + 1) / parts - 1e-9 * total;
            if (piecesLeft > 0 && (full || left == piecesLeft) && left >= piecesLeft) {
                out.add(piece);
                piece = new ArrayList<>();
            }
        }
        out.add(piece);
        return out;
    }

    /** The size the gallery gives, else the one the repo or directory name states, else {@link #DEFAULT_PARAMETERS}. */
    static Estimate estimate(ModelEntry m) {
        if (m.parameters() != null) {
            return new Estimate(m.parameters(), "parameters: in the gallery");
        }
        if (m.isImported()) {
            return new Estimate(0, "imported: nothing to compute");
        }
        String name = m.repo() != null ? m.repo() : m.pathAsWritten();
        return ParameterCount.fromName(name).map(n -> new Estimate(n, "from its name"))
                .orElse(new Estimate(DEFAULT_PARAMETERS, "assumed; set parameters: on the model to plan better"));
    }

    /** About four bytes of UTF-8 per token, as for English BPE vocabularies; at least one. */
    static int tokens(String prompt) {
        return Math.max(1, (prompt.getBytes(StandardCharsets.UTF_8).length + 3) / 4);
    }

    /** Indices into the gallery's runs that {@code shard} computes, in gallery order. */
    public List<Integer> runsOf(int shard) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < shardOf.size(); i++) {
            if (shardOf.get(i) == shard) {
                out.add(i);
            }
        }
        return out;
    }

    /** The plan as the {@code plan} option prints it: per shard its share of the cost, its models and prompts. */
    public List<String> describe(Gallery gallery) {
        List<String> lines = new ArrayList<>();
        double total = cost.stream().mapToDouble(Double::doubleValue).sum();
        lines.add("Plan for " + count + " shard" + (count == 1 ? "" : "s") + " of " + gallery.runs().size()
                + " runs (cost = parameters × estimated prompt tokens):");
        for (Map.Entry<String, Estimate> e : models.entrySet()) {
            lines.add("  model '" + e.getKey() + "': " + human(e.getValue().parameters()) + " parameters ("
                    + e.getValue().basis() + ")");
        }
        for (int sh = 1; sh <= count; sh++) {
            List<Integer> mine = runsOf(sh);
            double c = mine.stream().mapToDouble(cost::get).sum();
            Map<String, List<String>> prompts = new LinkedHashMap<>();
            for (int i : mine) {
                Run r = gallery.runs().get(i);
                prompts.computeIfAbsent(r.model().id(), id -> new ArrayList<>()).add(r.prompt().id());
            }
            lines.add("  shard " + sh + "/" + count + ": " + mine.size() + " run" + (mine.size() == 1 ? "" : "s") + ", "
                    + String.format(Locale.ROOT, "%.0f%%", total == 0 ? 0 : 100 * c / total) + " of the cost, "
                    + prompts.size() + " model load" + (prompts.size() == 1 ? "" : "s"));
            for (Map.Entry<String, List<String>> e : prompts.entrySet()) {
                lines.add("    " + e.getKey() + ": " + String.join(", ", e.getValue()));
            }
        }
        return lines;
    }

    private static String human(long n) {
        if (n >= 1_000_000_000L) {
            return trim(n / 1e9) + "B";
        }
        if (n >= 1_000_000L) {
            return trim(n / 1e6) + "M";
        }
        return Long.toString(n);
    }

    private static String trim(double v) {
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }
}
