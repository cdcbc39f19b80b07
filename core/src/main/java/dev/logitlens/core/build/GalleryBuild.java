package dev.logitlens.core.build;

import dev.logitlens.core.gallery.Gallery;
import dev.logitlens.core.gallery.GalleryParser;
import dev.logitlens.core.gallery.Run;
import dev.logitlens.core.gallery.Settings;
import dev.logitlens.core.BuildListener;
import dev.logitlens.core.run.FailureReport;
import dev.logitlens.core.run.GalleryCollector;
import dev.logitlens.core.run.RunOutcome;
import dev.logitlens.core.source.HubOptions;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole pipeline behind each goal, in one place: parse the gallery, collect its runs (all of them, or one
 * shard's), render the site (from the runs, or merged from shards' directories). The
 * Maven goals, the tests and the demo build all go through here, so they cannot drift apart.
 *
 * <p>The site renderer lives in a module above core; it is handed in as a {@link SiteWriter}.
 */
public final class GalleryBuild {

    /**
     * What every build needs.
     *
     * @param gallery   the gallery file, as it should appear in messages
     * @param overrides command-line settings over the gallery's ({@link Settings#EMPTY} for none)
     * @param cacheDir  the run cache, or null for none
     * @param hub       how hub models are found; null reads the environment
     * @param failFast  stop at the first failed run and throw its cause
     */
    public record Request(Path gallery, Settings overrides, Path cacheDir, HubOptions hub, boolean failFast,
                          String memoryBudget) {
        /** With the memory budget taken from the machine. */
        public Request(Path gallery, Settings overrides, Path cacheDir, HubOptions hub, boolean failFast) {
            this(gallery, overrides, cacheDir, hub, failFast, null);
        }

        public Request {
            Objects.requireNonNull(gallery, "gallery");
            Objects.requireNonNull(overrides, "overrides");
        }

        /** A gallery file with no overrides, no cache and the environment's hub settings. */
        public static Request of(Path gallery) {
            return new Request(gallery, Settings.EMPTY, null, null, false);
        }

        public Request withCache(Path dir) {
            return new Request(gallery, overrides, dir, hub, failFast);
        }

        public Request withFailFast(boolean on) {
            return new Request(gallery, overrides, cacheDir, hub, on);
        }
    }

    /** Writes the site of a gallery from its outcomes (the site module's {@code SiteBuilder::build}). */
    @FunctionalInterface
    public interface SiteWriter {
        void write(Gallery gallery, List<RunOutcome> outcomes, Path outputDir) throws IOException;
    }

    /** What a build produced: the gallery and one outcome per run that was its to produce. */
    public record Result(Gallery gallery, List<RunOutcome> outcomes) {
        public Result {
            outcomes = List.copyOf(outcomes);
        }

        /** The failures, each cause once; empty when every run succeeded. */
        public Optional<String> failures() {
            return FailureReport.of(outcomes);
        }
    }

    private final BuildListener listener;

    public GalleryBuild(BuildListener listener) {
        this.listener = listener == null ? BuildListener.NONE : listener;
    }

    /** Parses the gallery, computes (or takes from the cache) every run, and writes the site to {@code out}. */
    public Result site(Request request, Path out, SiteWriter site) throws IOException {
        Gallery gallery = parse(request);
        List<RunOutcome> outcomes = collectOrImport(request, gallery.runs());
        return render(gallery, outcomes, out, site);
    }

    /**
     * The plan of the request's gallery for {@code shards} shards, printed to the listener; nothing is computed
     * and no model is opened.
     */
    public ShardPlan plan(Request request, Shard shard) {
        Gallery gallery = parse(request);
        ShardPlan plan = ShardPlan.of(gallery, shard.count());
        plan.describe(gallery).forEach(listener::info);
        return plan;
    }

    /**
     * Computes only the runs the plan gives to {@code shard} and writes them, with the plan and the gallery values
     * they were computed for, to {@code dir} (see {@link CollectedRuns}). A merge renders the site from such
     * directories.
     */
    public Result collect(Request request, Shard shard, Path dir) throws IOException {
        Gallery gallery = parse(request);
        ShardPlan plan = ShardPlan.of(gallery, shard.count());
        List<Run> mine = plan.runsOf(shard.index()).stream().map(gallery.runs()::get).toList();
        listener.info("Shard " + shard + ": " + mine.size() + " of " + gallery.runs().size() + " runs");
        List<RunOutcome> outcomes = collectOrImport(request, mine);
        CollectedRuns.write(dir, gallery, shard, plan, outcomes);
        listener.info("Runs of shard " + shard + " written to " + dir);
        return new Result(gallery, outcomes);
    }

    /**
     * Renders the site of the request's gallery from collect directories, without opening any model, reading
     * any weights or touching the network; the site is the one a single build of the gallery writes. Runs no
     * directory holds become failed runs naming the shard that was to compute them.
     *
     * @throws dev.logitlens.core.UserInputException when a directory was collected for a different gallery
     */
    public Result merge(Request request, List<Path> from, Path out, SiteWriter site) throws IOException {
        Gallery gallery = parse(request);
        List<RunOutcome> outcomes = CollectedRuns.read(gallery, from);
        listener.info("Merged " + outcomes.stream().filter(RunOutcome::ok).count() + " of " + outcomes.size()
                + " runs from " + from.size() + " director" + (from.size() == 1 ? "y" : "ies"));
        return render(gallery, outcomes, out, site);
    }

    /** The gallery of a request, every error located in its file. */
    public static Gallery parse(Request request) {
        return GalleryParser.parse(request.gallery(), request.overrides());
    }

    /** The outcomes of {@code runs}, in their order: imported models' runs read from files, the others computed. */
    private List<RunOutcome> collectOrImport(Request request, List<Run> runs) {
        List<Run> computed = runs.stream().filter(r -> !r.model().isImported()).toList();
        java.util.Iterator<RunOutcome> collected = computed.isEmpty() ? java.util.Collections.emptyIterator()
                : collector(request).collect(computed).iterator();
        List<RunOutcome> out = new java.util.ArrayList<>(runs.size());
        for (Run r : runs) {
            if (r.model().isImported()) {
                RunOutcome o = ImportedRuns.read(r);
                listener.info(r.model().id() + " × " + r.prompt().id() + ": "
                        + (o.ok() ? "imported" : "FAILED: " + o.message()));
                if (!o.ok() && request.failFast()) {
                    throw new dev.logitlens.core.UserInputException(o.message());
                }
                out.add(o);
            } else {
                out.add(collected.next());
            }
        }
        return out;
    }

    private GalleryCollector collector(Request request) {
        return new GalleryCollector(new GalleryCollector.Options(request.cacheDir(), request.hub(), request.failFast(),
                request.memoryBudget()),
                listener);
    }

    private Result render(Gallery gallery, List<RunOutcome> outcomes, Path out, SiteWriter site) throws IOException {
        site.write(gallery, outcomes, out);
        long failed = outcomes.stream().filter(o -> !o.ok()).count();
        listener.info("Site written to " + out + (failed == 0 ? "" : " (" + failed
                + (failed == 1 ? " failed run has" : " failed runs have") + " a page with its message)"));
        return new Result(gallery, outcomes);
    }
}
