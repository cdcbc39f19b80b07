package dev.logitlens.core.run;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.logitlens.core.BuildListener;
import dev.logitlens.core.Sha256;
import dev.logitlens.core.ToolVersion;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.djl.Djl;
import dev.logitlens.core.format.RunJson;
import dev.logitlens.core.gallery.Gallery;
import dev.logitlens.core.gallery.ModelEntry;
import dev.logitlens.core.gallery.Run;
import dev.logitlens.core.gallery.Settings;
import dev.logitlens.core.lens.AnswerProbe;
import dev.logitlens.core.lens.LensCollector;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.LensSession;
import dev.logitlens.core.lens.MemoryPlan;
import dev.logitlens.core.lens.Provenance;
import dev.logitlens.core.model.ModelInfo;
import dev.logitlens.core.source.HubModelSource;
import dev.logitlens.core.source.HubOptions;
import dev.logitlens.core.source.RepoType;
import dev.logitlens.core.source.ResolvedModel;
import dev.logitlens.core.gallery.GalleryException;
import dev.logitlens.core.gallery.TunedLensSpec;
import dev.logitlens.core.tuned.TunedLens;
import dev.logitlens.core.tuned.TunedLensException;
import dev.logitlens.core.tuned.TunedLensFolder;
import dev.logitlens.core.tuned.TunedLensWeights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Computes every run of a gallery: each model is loaded once for all its runs and closed before the next
 * model is loaded (so at most one model's weights are in memory), cached runs are taken from the
 * {@link RunCache}, and a model whose runs are all cached is not loaded at all.
 *
 * <p>Progress goes to the {@link BuildListener}: one line per run ({@code [3/12] gpt2 × france: 0.42 s}),
 * then a summary table.
 */
public final class GalleryCollector {

    /**
     * @param cacheDir the run cache folder, or null for no cache
     * @param hub      how hub models are found; null reads the environment (online, no settings.xml token)
     * @param failFast stop at the first failed run and throw its cause; otherwise collect every run and
     *                 report the failures in the outcomes
     */
    public record Options(Path cacheDir, HubOptions hub, boolean failFast, String memoryBudget) {
        /** With the memory budget taken from the machine (see {@link MemoryPlan#budget}). */
        public Options(Path cacheDir, HubOptions hub, boolean failFast) {
            this(cacheDir, hub, failFast, null);
        }
    }

    private final Options options;
    private final BuildListener listener;
    private final RunCache cache;
    private final Set<String> warned = new HashSet<>();

    public GalleryCollector(Options options, BuildListener listener) {
        this.options = options;
        this.listener = listener == null ? BuildListener.NONE : listener;
        this.cache = options.cacheDir() == null ? null : new RunCache(options.cacheDir(), this.listener);
    }

    /**
     * Collects the runs of {@code gallery}.
     *
     * @return one outcome per run, in the gallery's run order
     * @throws RuntimeException with {@code failFast}, the cause of the first failed run
     */
    public List<RunOutcome> collect(Gallery gallery) {
        return collect(gallery.runs());
    }

    /**
     * Collects only {@code runs} (some of a gallery's runs, in its order: a shard's share, or the runs that are
     * not imported from files).
     *
     * @return one outcome per run, in the order given
     */
    public List<RunOutcome> collect(List<Run> runs) {
        Map<String, List<Integer>> byModel = new LinkedHashMap<>();
        for (int i = 0; i < runs.size(); i++) {
            byModel.computeIfAbsent(runs.get(i).model().id(), id -> new ArrayList<>()).add(i);
        }
        RunOutcome[] outcomes = new RunOutcome[runs.size()];
        Progress progress = new Progress(runs.size());
        for (List<Integer> indices : byModel.values()) {
            collectModel(runs, indices, outcomes, progress);
        }
        List<RunOutcome> out = List.of(outcomes);
        summary(out);
        return out;
    }

    /** A model ready to be keyed and loaded. */
    private record Prepared(Checkpoint checkpoint, String source, String commit, String weightsHash, String tokenizerSha,
                            Device device, String keyDtype, TunedLensWeights lens, String lensSha) {}

    private void collectModel(List<Run> runs, List<Integer> indices, RunOutcome[] outcomes, Progress progress) {
        Run first = runs.get(indices.get(0));
        ModelEntry model = first.model();
        Settings settings = first.settings(); // device and dtype are per model: prompts cannot set them
        Prepared prep;
        try {
            prep = prepare(model, settings);
        } catch (RuntimeException e) {
            failAll(runs, indices, e, outcomes, progress);
            return;
        }

        List<Integer> pending = new ArrayList<>();
        for (int i : indices) {
            Run run = runs.get(i);
            Optional<RunJson.Document> hit = cache == null ? Optional.empty() : cache.get(key(prep, run));
            Optional<RunJson.Document> tunedHit = prep.lens() == null || hit.isEmpty() ? Optional.empty()
                    : cache.get(tunedKey(prep, run));
            if (hit.isPresent() && (prep.lens() == null || tunedHit.isPresent())) {
                outcomes[i] = fromCache(run, prep, hit.get());
                if (tunedHit.isPresent()) {
                    RunJson.Document t = tunedHit.get();
                    outcomes[i] = outcomes[i].withTuned(new RunOutcome.Tuned(t.result(),
                            t.klToLogitLens(), prep.lens().source()));
                }
                listener.info(progress.next() + label(run) + ": (cached)");
            } else {
                pending.add(i);
            }
        }
        if (pending.isEmpty()) {
            return; // every run cached: the weights are never loaded
        }

        LensSession session;
        String memoryReason;
        long t0 = System.nanoTime();
        try {
            Checkpoint checkpoint = prep.checkpoint();
            DataType compute = LensSession.computeType(settings.dtype(), prep.device(), checkpoint);
            MemoryPlan.Budget budget = MemoryPlan.budget(options.memoryBudget(), prep.device());
            MemoryPlan plan = MemoryPlan.decide(model.id(), settings.memory(), MemoryPlan.sizes(checkpoint, compute),
                    budget.bytes(), budget.source());
            memoryReason = plan.reason();
            session = LensSession.open(checkpoint, model.id(), prep.device(), compute, plan.residency());
        } catch (RuntimeException e) {
            failAll(runs, pending, e, outcomes, progress);
            return;
        }
        try (session) {
            ModelInfo info = session.model().info();
            listener.info("Loaded " + model.id() + " (" + info.modelType() + ", " + info.numLayers() + " layers, "
                    + info.dtype() + ", " + deviceName(prep.device()) + ") in " + seconds(System.nanoTime() - t0) + "; "
                    + memoryReason);
            TunedLens tuned = null;
            if (prep.lens() != null) {
                try {
                    tuned = session.tunedLens(prep.lens(), line -> warnOnce("model '" + model.id() + "': " + line));
                } catch (TunedLensException e) {
                    failAll(runs, pending, new GalleryException(model.tunedLens().location(), "model '" + model.id()
                            + "': " + e.getMessage()), outcomes, progress);
                    return;
                }
            }
            // Everything a run needs before the pass; a run that cannot start fails alone.
            List<Integer> ready = new ArrayList<>();
            List<LensCollector.Request> requests = new ArrayList<>();
            Map<Integer, RuntimeException> early = new java.util.HashMap<>();
            LensCollector.HiddenTransform transform = tuned == null ? null : tuned::translate;
            for (int i : pending) {
                Run run = runs.get(i);
                try {
                    int[] layers = run.layerIndices(info.numLayers());
                    List<AnswerProbe.Group> groups = AnswerGroups.resolve(run, session.tokenizer(), info.vocabSize(),
                            line -> listener.warn(label(run) + ": " + line));
                    requests.add(new LensCollector.Request(run.prompt().text(), run.settings().k(), layers, groups,
                            transform));
                    ready.add(i);
                } catch (RuntimeException e) {
                    if (options.failFast()) {
                        fail(run, i, e, outcomes, progress);
                    }
                    early.put(i, e);
                }
            }
            // All pending prompts of the model in one pass over its blocks.
            long start = System.nanoTime();
            List<LensCollector.Outcome> results = session.collectAll(requests,
                    new PassProgress(model.id(), ready.size(), listener));
            long took = System.nanoTime() - start;
            long rows = results.stream().filter(o -> o.result() != null)
                    .mapToLong(o -> o.result().numPositions()).sum();
            // Reported in gallery order, the runs that could not start among them.
            for (int i : pending) {
                Run run = runs.get(i);
                if (early.containsKey(i)) {
                    fail(run, i, early.get(i), outcomes, progress);
                    continue;
                }
                LensCollector.Outcome o = results.get(ready.indexOf(i));
                if (o.error() != null) {
                    fail(run, i, o.error(), outcomes, progress);
                    continue;
                }
                LensCollector.Both both = o.both();
                LensResult result = both.logit();
                int unk = session.tokenizer().unknownId();
                long unknown = unk < 0 ? 0 : Arrays.stream(result.inputIds()).filter(id -> id == unk).count();
                if (unknown > 0) { // the lens is still computed, but the model never saw these words
                    listener.warn(label(run) + ": " + unknown + " token(s) of the prompt are unknown to the tokenizer ("
                            + session.tokenizer().tokenString(unk) + ") at " + run.prompt().location());
                }
                Provenance provenance = new Provenance(model.id(), prep.source(), prep.commit(),
                        prep.weightsHash(), info.dtype(), deviceName(prep.device()), run.settings().k(),
                        Arrays.stream(result.layers()).boxed().toList(), run.prompt().text(), ToolVersion.get());
                if (cache != null) {
                    cache.put(key(prep, run), result, provenance);
                    if (both.tuned() != null) {
                        cache.putTuned(tunedKey(prep, run), both.tuned(), provenance, both.klBetween());
                    }
                }
                // A run's share of the pass, by its rows
                double seconds = took / 1e9 * result.numPositions() / Math.max(1, rows);
                outcomes[i] = RunOutcome.ok(run, result, provenance, false, seconds);
                if (both.tuned() != null) {
                    outcomes[i] = outcomes[i].withTuned(new RunOutcome.Tuned(both.tuned(), both.klBetween(),
                            prep.lens().source()));
                }
                listener.info(progress.next() + label(run) + ": " + String.format(Locale.ROOT, "%.2f s", seconds));
            }
        }
    }

    private Prepared prepare(ModelEntry model, Settings settings) {
        Path dir;
        String source = model.source();
        String commit = null;
        if (model.isLocal()) {
            dir = model.path();
            if (!java.nio.file.Files.isDirectory(dir)) {
                throw new dev.logitlens.core.gallery.GalleryException(model.location(), "model '" + model.id()
                        + "': path " + model.pathAsWritten() + " is not a directory (resolved to "
                        + dir.toAbsolutePath().normalize() + "). Point path at a Hugging Face model directory"
                        + " holding config.json, model.safetensors and tokenizer.json, relative to the gallery file");
            }
        } else {
            HubOptions hub = options.hub() != null ? options.hub() : HubOptions.fromEnvironment(false, null, null);
            ResolvedModel resolved = new HubModelSource(hub).resolve(model.repo(), model.revision(),
                    listener);
            dir = resolved.snapshotDir();
            commit = resolved.commit();
        }
        Checkpoint checkpoint = Checkpoint.open(dir); // headers only: cheap, and fails early on a bad directory
        String tokenizerSha;
        try {
            tokenizerSha = Sha256.of(checkpoint.tokenizerFile());
            // tokenizer_config.json can switch BOS/EOS on or off, so it is part of the tokenizer's identity.
            Path tokenizerConfig = checkpoint.tokenizerFile().resolveSibling("tokenizer_config.json");
            if (java.nio.file.Files.isRegularFile(tokenizerConfig)) {
                tokenizerSha = tokenizerSha + "+" + Sha256.of(tokenizerConfig);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(checkpoint.tokenizerFile() + ": cannot be read (" + e.getMessage() + ")", e);
        }
        Device device = Djl.device(settings.device(), this::warnOnce);
        // "auto" resolves differently on a GPU (float16 for 16-bit weights), so the key says where it ran.
        String keyDtype = settings.dtype().equals("auto") ? "auto@" + (device.isGpu() ? "gpu" : "cpu") : settings.dtype();
        TunedLensWeights lens = null;
        String lensSha = null;
        if (model.tunedLens() != null) {
            Path lensDir = lensFolder(model);
            try {
                lens = TunedLensFolder.load(lensDir, model.tunedLens().label());
                lensSha = Sha256.of(lensDir.resolve(TunedLensFolder.PARAMS));
            } catch (TunedLensException e) {
                throw new GalleryException(model.tunedLens().location(), "model '" + model.id() + "': "
                        + e.getMessage());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new Prepared(checkpoint, source, commit, checkpoint.weightsHash(), tokenizerSha, device, keyDtype, lens,
                lensSha);
    }

    /** The local folder of a model's tuned lens, downloaded first when it lives in a hub repo. */
    private Path lensFolder(ModelEntry model) {
        TunedLensSpec spec = model.tunedLens();
        if (spec.isLocal()) {
            if (!java.nio.file.Files.isDirectory(spec.dir())) {
                throw new GalleryException(spec.location(), "model '" + model.id() + "': tunedLens path "
                        + spec.pathAsWritten() + " is not a directory (resolved to " + spec.dir().toAbsolutePath()
                        + "). Point it at a folder holding config.json and params.pt, relative to the gallery file.");
            }
            return spec.dir();
        }
        HubOptions hub = options.hub() != null ? options.hub() : HubOptions.fromEnvironment(false, null, null);
        String prefix = spec.pathAsWritten().isEmpty() ? "" : spec.pathAsWritten() + "/";
        ResolvedModel r = new HubModelSource(hub).resolveFiles(RepoType.parse(spec.repoType()), spec.repo(),
                spec.revision(), List.of(prefix + TunedLensFolder.CONFIG, prefix + TunedLensFolder.PARAMS),
                listener);
        return spec.pathAsWritten().isEmpty() ? r.snapshotDir() : r.snapshotDir().resolve(spec.pathAsWritten());
    }

    /** A tuned run's key: the logit lens's, with the lens's params.pt in the weights' identity. */
    private static RunCache.Key tunedKey(Prepared prep, Run run) {
        RunCache.Key k = key(prep, run);
        return new RunCache.Key(k.weightsIdentity() + "+tuned:" + prep.lensSha(), k.tokenizerSha256(), k.prompt(),
                k.k(), k.layers(), k.dtype(), k.collectorVersion(), k.answers());
    }

    private static RunCache.Key key(Prepared prep, Run run) {
        return new RunCache.Key(RunCache.weightsIdentity(prep.weightsHash(), prep.commit()), prep.tokenizerSha(),
                run.prompt().text(), run.settings().k(), run.settings().layers().toString(), prep.keyDtype(),
                LensCollector.VERSION, AnswerGroups.cacheKey(run.prompt().answers()));
    }

    /**
     * A cached run under this gallery's names: the numbers and how they were computed come from the entry;
     * the model id and source from the gallery (the same weights may sit under another id or path), which
     * only the provenance holds.
     */
    private static RunOutcome fromCache(Run run, Prepared prep, RunJson.Document doc) {
        Provenance p = doc.provenance();
        Provenance here = new Provenance(run.model().id(), prep.source(), p.revision(), p.weightsHash(), p.dtype(),
                p.device(), p.k(), p.layers(), p.prompt(), p.toolVersion());
        return RunOutcome.ok(run, doc.result(), here, true, 0);
    }

    /** A model that cannot be prepared or loaded fails all its runs; the log gives the cause once. */
    private void failAll(List<Run> runs, List<Integer> indices, RuntimeException e, RunOutcome[] outcomes,
                         Progress progress) {
        Run first = runs.get(indices.get(0));
        fail(first, indices.get(0), e, outcomes, progress);
        for (int i : indices.subList(1, indices.size())) {
            outcomes[i] = RunOutcome.failedLikeFirst(runs.get(i), e, first);
            listener.warn(progress.next() + label(runs.get(i)) + ": FAILED: model '" + runs.get(i).model().id()
                    + "' could not be loaded (see above)");
        }
    }

    private void fail(Run run, int index, RuntimeException e, RunOutcome[] outcomes, Progress progress) {
        RunOutcome o = RunOutcome.failed(run, e);
        outcomes[index] = o;
        listener.warn(progress.next() + label(run) + ": FAILED: " + (e.getMessage() == null ? e : e.getMessage()));
        if (options.failFast()) {
            throw e;
        }
    }

    private void warnOnce(String line) {
        if (warned.add(line)) {
            listener.warn(line);
        }
    }

    /** {@code cpu} or {@code gpu(N)}: DJL prints the CPU as {@code cpu()}. */
    static String deviceName(Device device) {
        return device.isGpu() ? "gpu(" + device.getDeviceId() + ")" : "cpu";
    }

    private static String label(Run run) {
        return run.model().id() + " × " + run.prompt().id();
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    /** The table at the end: one row per run, then the counts. */
    private void summary(List<RunOutcome> outcomes) {
        String[] head = {"model", "prompt", "status", "time"};
        List<String[]> rows = new ArrayList<>();
        int collected = 0;
        int cachedCount = 0;
        int failed = 0;
        for (RunOutcome o : outcomes) {
            String status = !o.ok() ? "FAILED" : o.cached() ? "cached" : "ok";
            String time = o.ok() && !o.cached() ? String.format(Locale.ROOT, "%.2f s", o.seconds()) : "";
            rows.add(new String[] {o.modelId(), o.promptId(), status, time});
            if (!o.ok()) {
                failed++;
            } else if (o.cached()) {
                cachedCount++;
            } else {
                collected++;
            }
        }
        int[] width = new int[head.length];
        for (int c = 0; c < head.length; c++) {
            width[c] = head[c].length();
            for (String[] r : rows) {
                width[c] = Math.max(width[c], r[c].length());
            }
        }
        listener.info("Summary: " + outcomes.size() + " runs: " + collected + " collected, " + cachedCount
                + " cached, " + failed + " failed");
        listener.info("  " + row(head, width));
        for (String[] r : rows) {
            listener.info("  " + row(r, width));
        }
    }

    private static String row(String[] cells, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            b.append(cells[c]);
            if (c < cells.length - 1) {
                b.append(" ".repeat(width[c] - cells[c].length() + 2));
            }
        }
        return b.toString().stripTrailing();
    }

    /** Numbers the progress lines in the order runs are processed. */
    private static final class Progress {
        private final int total;
        private int done;

        Progress(int total) {
            this.total = total;
        }

        String next() {
            return "[" + (++done) + "/" + total + "] ";
        }
    }
}
