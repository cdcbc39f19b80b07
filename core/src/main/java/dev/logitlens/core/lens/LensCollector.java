package dev.logitlens.core.lens;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.logitlens.core.model.LensModel;
import dev.logitlens.core.tokenizer.LensTokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The tutorial's {@code collect_logit_lens}, in Java, plus per-cell metrics, for one prompt or for all prompts of a
 * model in one {@link ModelPass}.
 *
 * <p>Memory: the [L, P, V] probabilities are never materialized, nor any layer's [P, V] logits: the pass keeps the
 * final-normed hidden states [L, P, D'] and the model's own distribution [P, V], and lenses every layer tile by tile
 * over the vocabulary ({@link FusedLens}). Every array a pass creates is released when it is done.
 */
public final class LensCollector implements AutoCloseable {
    /** Bumped whenever the numbers a collector produces could change; part of every cache key. */
    public static final int VERSION = 2;

    private final LensModel model;
    private final LensTokenizer tokenizer;
    private final NDManager manager;
    private final Workers workers;

    /**
     * A map of block outputs applied before the final norm (a tuned lens's translators). It must return the last
     * block's output unchanged: that layer's lens is the model's own output in both lenses.
     */
    @FunctionalInterface
    public interface HiddenTransform {
        NDArray apply(int block, NDArray hidden);
    }

    /**
     * The logit lens and the lens of transformed states of one prompt.
     *
     * @param logit     the logit lens
     * @param tuned     the lens of the transformed states, or null when there was no transform
     * @param klBetween [L][P] KL(tuned ‖ logit) in nats per cell, or null with {@code tuned}
     */
    public record Both(LensResult logit, LensResult tuned, float[][] klBetween) {}

    /**
     * One prompt to collect: its text, top-k, layers (block indices, negative from the end, or null for all), the
     * answer groups measured at its last position, and a transform whose lens is collected too (or null).
     */
    public record Request(String prompt, int k, int[] layers, List<AnswerProbe.Group> answers,
                          HiddenTransform transform) {
        public Request {
            answers = answers == null ? List.of() : List.copyOf(answers);
        }

        public Request(String prompt, int k, int[] layers, List<AnswerProbe.Group> answers) {
            this(prompt, k, layers, answers, null);
        }

        public Request(String prompt, int k, int[] layers) {
            this(prompt, k, layers, List.of(), null);
        }
    }

    /** The lenses of one request ({@link #result} is the logit lens), or why it failed (the others are unaffected). */
    public record Outcome(Both both, RuntimeException error) {
        public LensResult result() {
            return both == null ? null : both.logit();
        }
    }

    /**
     * @param manager a manager on the model's device; each pass runs in a sub-manager of it
     */
    public LensCollector(LensModel model, LensTokenizer tokenizer, NDManager manager) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.manager = manager;
        // A GPU serializes its kernels anyway; on the CPU one worker per core (libtorch itself runs single-threaded).
        this.workers = manager.getDevice().isGpu() ? new Workers(1) : Workers.forCpu();
    }

    /**
     * Collects the lens of {@code prompt}.
     *
     * @param k      top-k per cell, at least 1
     * @param layers block indices to lens (negative count from the end, as in Python), or null for all
     */
    public LensResult collect(String prompt, int k, int[] layers) {
        return collect(prompt, k, layers, List.of());
    }

    /** As {@link #collect(String, int, int[])}, also measuring {@code answers} at the last position. */
    public LensResult collect(String prompt, int k, int[] layers, List<AnswerProbe.Group> answers) {
        return collect(prompt, k, layers, answers, null).logit();
    }

    /**
     * Both lenses from one forward pass, or the logit lens alone when {@code transform} is null. Both measure KL,
     * rank and settling against the model's own output.
     */
    public Both collect(String prompt, int k, int[] layers, List<AnswerProbe.Group> answers,
                        HiddenTransform transform) {
        Outcome o = collectAll(List.of(new Request(prompt, k, layers, answers, transform)), null).get(0);
        if (o.error() != null) {
            throw o.error();
        }
        return o.both();
    }

    /**
     * Collects every request in as few passes over the model as their layers allow (one, when all lens the same
     * layers). A request that cannot run (empty, too long, bad k or layers) fails alone, before any work.
     *
     * @param listener progress after each block of a pass, or null
     * @return one outcome per request, in order
     */
    public List<Outcome> collectAll(List<Request> requests, ModelPass.Listener listener) {
        Outcome[] out = new Outcome[requests.size()];
        java.util.Map<String, List<Integer>> byLayers = new java.util.LinkedHashMap<>();
        ModelPass.Job[] jobs = new ModelPass.Job[requests.size()];
        for (int i = 0; i < requests.size(); i++) {
            try {
                jobs[i] = job(requests.get(i));
                byLayers.computeIfAbsent(Arrays.toString(jobs[i].layers()), x -> new ArrayList<>()).add(i);
            } catch (RuntimeException e) {
                out[i] = new Outcome(null, e);
            }
        }
        ModelPass pass = new ModelPass(model, manager, workers, listener);
        for (List<Integer> group : byLayers.values()) {
            List<ModelPass.Job> js = group.stream().map(i -> jobs[i]).toList();
            try {
                List<ModelPass.Measured> measured = pass.run(js);
                for (int j = 0; j < group.size(); j++) {
                    ModelPass.Measured m = measured.get(j);
                    LensResult tuned = m.tuned() == null ? null : result(js.get(j), m.tuned());
                    out[group.get(j)] = new Outcome(new Both(result(js.get(j), m), tuned,
                            m.tuned() == null ? null : m.klBetween()), null);
                }
            } catch (RuntimeException e) {
                for (int i : group) {
                    out[i] = new Outcome(null, e);
                }
            }
        }
        return List.of(out);
    }

    private ModelPass.Job job(Request r) {
        int[] ids = tokenizer.encode(r.prompt());
        if (ids.length == 0) {
            throw new LensException("the prompt \"" + r.prompt() + "\" tokenizes to no tokens; give a non-empty prompt");
        }
        int max = model.info().maxPositions();
        if (ids.length > max) {
            throw new LensException("the prompt is " + ids.length + " tokens long but the model accepts at most " + max
                    + "; shorten the prompt or run it on a model with more positions");
        }
        int[] resolved = resolveLayers(r.layers(), model.info().numLayers());
        int vocab = model.info().vocabSize();
        if (r.k() < 1 || r.k() > vocab) {
            throw new LensException("k = " + r.k() + " must be between 1 and the vocabulary size " + vocab);
        }
        return new ModelPass.Job(ids, r.k(), resolved, r.answers(), r.transform());
    }

    private LensResult result(ModelPass.Job job, ModelPass.Measured m) {
        int[] ids = job.ids();
        SortedMap<Integer, String> vocabMap = new TreeMap<>();
        for (AnswerProbe.Group g : job.answers()) {
            for (int id : g.ids()) {
                vocabMap.put(id, tokenizer.tokenString(id));
            }
        }
        for (int id : ids) {
            vocabMap.put(id, tokenizer.tokenString(id));
        }
        for (int[] t : m.tracked()) {
            for (int id : t) {
                vocabMap.put(id, tokenizer.tokenString(id));
            }
        }
        for (int id : m.finalTop1()) {
            vocabMap.put(id, tokenizer.tokenString(id));
        }
        String[] input = Arrays.stream(ids).mapToObj(tokenizer::tokenString).toArray(String[]::new);
        return new LensResult(ids, input, job.layers(), job.k(), m.topk(), m.tracked(), m.probs(), vocabMap,
                m.entropy(), m.kl(), m.finalTop1(), m.finalTop1Prob(), m.finalTop1Rank(), m.answers());
    }

    @Override
    public void close() {
        workers.close();
    }

    /** The request's layers through {@link LayerIndices}, as the gallery resolves them; null means all. */
    private static int[] resolveLayers(int[] requested, int numLayers) {
        try {
            return LayerIndices.resolve(requested, numLayers);
        } catch (IllegalArgumentException e) {
            throw new LensException(e.getMessage());
        }
    }
}
