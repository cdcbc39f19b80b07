package dev.logitlens.demo;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.logitlens.core.checkpoint.ConfigWriter;
import dev.logitlens.core.checkpoint.SafetensorsWriter;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.djl.Djl;
import dev.logitlens.core.model.gpt2.Gpt2Config;
import dev.logitlens.core.model.BlockStore;
import dev.logitlens.core.model.gpt2.Gpt2Model;
import dev.logitlens.core.model.gpt2.Gpt2Weights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Trains the demo model: a small GPT-2 on {@link DemoCorpus}, with the very forward pass the lens uses
 * ({@link Gpt2Model}), DJL's autograd and AdamW written in NDArray ops. Everything random comes from the
 * seed (weights from a {@link Random}, batches from another, libtorch's generator set too), and libtorch
 * runs on one thread, so a run is reproducible on one machine.
 *
 * <p>Usage: {@code DemoTrainer <output dir> [steps] [seed]}; writes {@code config.json},
 * {@code model.safetensors} (BF16), {@code tokenizer.json} and {@code TRAINING.md} of the last step into the
 * output dir, and the same for the snapshots of the run ({@link #SNAPSHOTS}) into {@code <output dir>-step<N>}.
 */
public final class DemoTrainer {
    /** The regeneration command, run from the repository root (exec:java keeps that working directory). */
    public static final String COMMAND = "mvn -B -q install -DskipTests -pl demo-trainer -am && mvn -B -q -pl demo-trainer "
            + "exec:java -Dexec.mainClass=dev.logitlens.demo.DemoTrainer -Dexec.args=\"prompts/models/demo-gpt2\"";

    /**
     * Steps after which the default run is also saved, so a gallery can show facts forming during training.
     * Only those before the last step are taken (the last step is the main checkpoint).
     */
    public static final int[] SNAPSHOTS = {100, 300, 1000};

    /**
     * On-disk dtype of each snapshot step: BF16 halves the files; one snapshot in F16 keeps the loader's
     * other 16-bit path running on every build of the demo gallery.
     */
    static TensorDtype diskDtype(int step) {
        return step == 1000 ? TensorDtype.F16 : TensorDtype.BF16;
    }

    /**
     * Hyper-parameters.
     *
     * @param lr          peak learning rate, reached after {@code warmup} steps, then cosine decay to a tenth
     * @param weightDecay AdamW decay of the matrices (not of norms and biases)
     * @param seed        initial weights, batch order and libtorch's generator (the corpus split is fixed)
     */
    public record Options(int layers, int hidden, int heads, int positions, int steps, int batch, double lr,
                          int warmup, double weightDecay, long seed) {
        public static Options defaults() {
            return new Options(6, 64, 4, 32, 3000, 48, 3e-3, 100, 0.05, DemoCorpus.DEFAULT_SEED);
        }

        public Options withSteps(int steps) {
            return new Options(layers, hidden, heads, positions, steps, batch, lr, warmup, weightDecay, seed);
        }

        public Options withSeed(long seed) {
            return new Options(layers, hidden, heads, positions, steps, batch, lr, warmup, weightDecay, seed);
        }
    }

    /**
     * What a run produced.
     *
     * @param tensors         the trained weights by Hugging Face name, in file order
     * @param shapes          their shapes
     * @param losses          the training loss of every step
     * @param heldOutAccuracy final-layer top-1 accuracy on the held-out prompts
     */
    public record Result(Options options, Gpt2Config config, DemoCorpus corpus, DemoTokenizer tokenizer,
                         Map<String, float[]> tensors, Map<String, long[]> shapes, float[] losses,
                         double heldOutAccuracy, double seconds, List<Snapshot> snapshots) {
        /** The last step as a snapshot, to be written like the others. */
        public Snapshot last() {
            return new Snapshot(options.steps(), tensors, heldOutAccuracy, finalLoss(), seconds);
        }

        /** Mean loss of the last 100 steps (or all, when fewer): one step's loss is too noisy to report. */
        public double finalLoss() {
            return meanLoss(losses, losses.length);
        }

        public long parameterCount() {
            return tensors.values().stream().mapToLong(a -> a.length).sum();
        }
    }

    /**
     * The weights after {@code step} steps of a run.
     *
     * @param heldOutAccuracy final-layer top-1 on the held-out prompts, measured on the F32 weights of that step
     * @param loss            mean training loss of the (up to) 100 steps before it
     * @param seconds         training time until then
     */
    public record Snapshot(int step, Map<String, float[]> tensors, double heldOutAccuracy, double loss,
                           double seconds) {}

    private DemoTrainer() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 3) {
            throw new IllegalArgumentException(USAGE);
        }
        Options o = Options.defaults();
        if (args.length > 1) {
            o = o.withSteps((int) parse(args[1], "steps", 1, Integer.MAX_VALUE));
        }
        if (args.length > 2) {
            o = o.withSeed(parse(args[2], "seed", Long.MIN_VALUE, Long.MAX_VALUE));
        }
        Path out = Path.of(args[0]);
        Result r = train(o, SNAPSHOTS, step -> {
            if (step.step() % 100 == 0 || step.step() == step.of()) {
                System.out.printf(Locale.ROOT, "step %5d/%d  loss %.4f  %.0fs%n", step.step(), step.of(), step.loss(),
                        step.seconds());
            }
        });
        write(r, r.last(), out, TensorDtype.BF16);
        for (Snapshot snap : r.snapshots()) {
            Path dir = snapshotDir(out, snap.step());
            write(r, snap, dir, diskDtype(snap.step()));
            System.out.printf(Locale.ROOT, "wrote %s: loss %.4f, held-out top-1 %.1f%%%n", dir, snap.loss(),
                    100 * snap.heldOutAccuracy());
        }
        System.out.printf(Locale.ROOT, "wrote %s: final loss %.4f, held-out top-1 %.1f%%, %.0f s%n", out,
                r.finalLoss(), 100 * r.heldOutAccuracy(), r.seconds());
    }

    static final String USAGE = "usage: DemoTrainer <output dir> [steps] [seed]   (defaults: "
            + Options.defaults().steps() + " steps, seed " + DemoCorpus.DEFAULT_SEED + ")";

    private static long parse(String text, String what, long min, long max) {
        try {
            long v = Long.parseLong(text.trim());
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("DemoTrainer: " + what + " '" + text + "' is not a whole number"
                + (min > 0 ? " of at least " + min : "") + ". " + USAGE);
    }

    /** Progress of one step. */
    public record Step(int step, int of, float loss, double seconds) {}

    /** {@code <dir>-step<N>}: beside the main checkpoint, so a gallery names them all the same way. */
    public static Path snapshotDir(Path mainDir, int step) {
        return mainDir.resolveSibling(mainDir.getFileName() + "-step" + step);
    }

    public static Result train(Options o, java.util.function.Consumer<Step> progress) {
        return train(o, new int[0], progress);
    }

    /** Trains, keeping a copy of the weights after each step listed in {@code snapshotSteps} (before the last). */
    public static Result train(Options o, int[] snapshotSteps, java.util.function.Consumer<Step> progress) {
        Engine engine = Djl.engine();
        engine.setRandomSeed((int) o.seed());
        // The split is fixed (the tests check the committed model on it); the seed varies only the training.
        DemoCorpus corpus = DemoCorpus.generate(DemoCorpus.DEFAULT_SEED);
        DemoTokenizer tokenizer = new DemoTokenizer(corpus.words());
        Gpt2Config config = new Gpt2Config(tokenizer.size(), o.positions(), o.hidden(), o.layers(), o.heads(), null,
                "gelu_new", 1e-5f, true, false, true);
        // One intra-op thread: the matrices are too small to split, and idle OpenMP workers spinning on a
        // busy machine made steps ten times slower. It also keeps the arithmetic independent of the core count.
        int threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
        long start = System.nanoTime();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Params params = Params.init(config, manager, new Random(o.seed()));
            // Made where it is used: it holds views of the parameters, which AdamW updates in place
            java.util.function.Supplier<Gpt2Model> model = () -> new Gpt2Model(config, params.weights(config),
                    params.blocks(config), manager);
            List<List<int[]>> byRelation = encodeByRelation(corpus, tokenizer);
            Random sampler = new Random(o.seed() + 1);
            AdamW adam = new AdamW(params.all, manager);
            float[] losses = new float[o.steps()];
            List<Snapshot> snapshots = new ArrayList<>();
            for (int step = 0; step < o.steps(); step++) {
                try (NDScope ignored = new NDScope()) {
                    Batch b = Batch.sample(byRelation, o.batch(), sampler, manager);
                    try (GradientCollector gc = engine.newGradientCollector()) {
                        NDArray logp = model.get().logits(dev.logitlens.core.model.Batch.equalLength(b.ids)).logSoftmax(-1);          // [B·T, V]
                        NDArray nll = logp.gather(b.targets, 1).reshape(-1).neg();   // [B·T]
                        NDArray loss = nll.mul(b.mask).sum().mul(b.invCount);
                        gc.backward(loss);
                        losses[step] = loss.getFloat();
                    }
                    adam.step(learningRate(o, step), o.weightDecay());
                }
                progress.accept(new Step(step + 1, o.steps(), losses[step], (System.nanoTime() - start) / 1e9));
                int done = step + 1;
                if (done < o.steps() && java.util.Arrays.stream(snapshotSteps).anyMatch(n -> n == done)) {
                    double took = (System.nanoTime() - start) / 1e9;
                    snapshots.add(new Snapshot(done, copy(params.all), heldOutAccuracy(model.get(), corpus, tokenizer,
                            manager), meanLoss(losses, done), took));
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double accuracy = heldOutAccuracy(model.get(), corpus, tokenizer, manager);
            Map<String, long[]> shapes = new LinkedHashMap<>();
            params.all.forEach((name, a) -> shapes.put(name, a.getShape().getShape()));
            return new Result(o, config, corpus, tokenizer, copy(params.all), shapes, losses, accuracy, seconds,
                    List.copyOf(snapshots));
        } finally {
            JniUtils.setNumThreads(threads);
        }
    }

    private static Map<String, float[]> copy(Map<String, NDArray> params) {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((name, a) -> out.put(name, a.toFloatArray()));
        return out;
    }

    /** Mean loss of the (up to) 100 steps before {@code end}. */
    static double meanLoss(float[] losses, int end) {
        int n = Math.min(100, end);
        double sum = 0;
        for (int i = end - n; i < end; i++) {
            sum += losses[i];
        }
        return sum / n;
    }

    /** Linear warm-up, then cosine decay from the peak to a tenth of it. */
    static double learningRate(Options o, int step) {
        if (step < o.warmup()) {
            return o.lr() * (step + 1) / o.warmup();
        }
        double progress = (double) (step - o.warmup()) / Math.max(1, o.steps() - o.warmup());
        return o.lr() * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }

    /** Final-layer top-1 on the held-out prompts, one prompt per forward pass as the lens runs them. */
    static double heldOutAccuracy(Gpt2Model model, DemoCorpus corpus, DemoTokenizer tokenizer, NDManager manager) {
        int right = 0;
        for (DemoCorpus.Example e : corpus.heldOut()) {
            try (NDScope ignored = new NDScope()) {
                int[] ids = tokenizer.encode(e.prompt());
                NDArray logits = model.logits(manager.create(java.util.Arrays.stream(ids).asLongStream().toArray()));
                int top = (int) logits.get(ids.length - 1).argMax().getLong();
                if (top == tokenizer.id(e.answer())) {
                    right++;
                }
            }
        }
        return (double) right / corpus.heldOut().size();
    }

    private static List<List<int[]>> encodeByRelation(DemoCorpus corpus, DemoTokenizer tokenizer) {
        List<List<int[]>> out = new ArrayList<>();
        for (String relation : DemoCorpus.relations()) {
            List<int[]> seqs = new ArrayList<>();
            for (DemoCorpus.Example e : corpus.train()) {
                if (e.relation().equals(relation)) {
                    seqs.add(tokenizer.encode(e.sentence()));
                }
            }
            out.add(seqs);
        }
        return out;
    }

    /** Writes the last step's model directory in F32. */
    public static void write(Result r, Path dir) throws IOException {
        write(r, r.last(), dir, TensorDtype.F32);
    }

    /** Writes a model directory: config, the snapshot's weights in {@code dtype}, tokenizer and training notes. */
    public static void write(Result r, Snapshot snap, Path dir, TensorDtype dtype) throws IOException {
        Files.createDirectories(dir);
        SafetensorsWriter w = new SafetensorsWriter(dtype);
        snap.tensors().forEach((name, data) -> w.add(name, data, r.shapes().get(name)));
        w.write(dir.resolve("model.safetensors"));
        Gpt2Config c = r.config();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model_type", "gpt2");
        config.put("architectures", List.of("GPT2LMHeadModel"));
        config.put("vocab_size", c.vocabSize());
        config.put("n_positions", c.maxPositions());
        config.put("n_embd", c.hiddenSize());
        config.put("n_layer", c.numLayers());
        config.put("n_head", c.numHeads());
        config.put("activation_function", c.activation());
        config.put("layer_norm_epsilon", c.layerNormEps());
        config.put("tie_word_embeddings", true);
        ConfigWriter.write(dir, config);
        r.tokenizer().write(dir);
        Files.writeString(dir.resolve("TRAINING.md"), trainingNotes(r, snap, dtype));
    }

    static String trainingNotes(Result r, Snapshot snap, TensorDtype dtype) {
        Options o = r.options();
        DemoCorpus corpus = r.corpus();
        long trainTokens = corpus.train().stream().mapToLong(e -> e.sentence().split(" ").length).sum();
        String machine = System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", "
                + Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version")
                + ", libtorch " + Djl.engine().getVersion() + " (CPU)";
        return String.format(Locale.ROOT, """
                # The demo model

                A GPT-2-architecture model (%d layers, d = %d, %d heads, %d positions, %,d parameters, word-level
                vocabulary of %d tokens) trained from scratch by `dev.logitlens.demo.DemoTrainer` on the
                template corpus of `dev.logitlens.demo.DemoCorpus`: capitals and languages of %d countries,
                %d opposites, number words and their successors, and subject-verb agreement across an attractor
                noun. Every fact is written in several sentence forms; for each fact one form is held out of
                training, as are %d agreement sentences, so the held-out prompts test the relation, not memory of
                a sentence. The lens then shows the answer appearing in the later layers.

                ## Regenerate

                From the repository root, on the CPU (the first run fetches exec-maven-plugin from Maven Central):

                ```
                %s
                ```

                Optional arguments after the directory: `[steps] [seed]` (defaults %d and %d). Weights come from
                the seed alone and libtorch runs on one thread, so the same machine gives the same weights.

                ## This checkpoint

                | | |
                |---|---|
                | step | %,d of %,d (%s) |
                | weights on disk | %s (trained in F32) |
                | corpus | %,d training sentences (%,d tokens), %d held-out prompts (split seed %d) |
                | seed | %d (initial weights and batch order) |
                | training | %,d steps of %d sentences (relations drawn evenly), AdamW (peak lr %s, %d warm-up steps, cosine decay, weight decay %s), F32 |
                | training time | %.0f s until this step (wall clock of the training loop, one libtorch thread) |
                | loss | %.4f (mean next-token cross-entropy of the 100 steps before this one, nats) |
                | held-out top-1 | %.1f%% (final layer, %d prompts, F32 weights of this step) |
                | machine | %s |
                """,
                o.layers(), o.hidden(), o.heads(), o.positions(), r.parameterCount(), r.tokenizer().size(),
                DemoCorpus.COUNTRIES.length, DemoCorpus.OPPOSITES.length * 2, DemoCorpus.HELD_OUT_AGREEMENT,
                COMMAND, Options.defaults().steps(), DemoCorpus.DEFAULT_SEED,
                snap.step(), o.steps(), snap.step() == o.steps()
                        ? "the end of the run; its snapshots sit beside this folder as `<folder>-step<N>`"
                        : "a snapshot: the same run ends in the folder without the `-step` suffix",
                dtype.name(),
                corpus.train().size(), trainTokens, corpus.heldOut().size(), corpus.seed(), o.seed(),
                o.steps(), o.batch(), o.lr(), o.warmup(), o.weightDecay(),
                snap.seconds(), snap.loss(), 100 * snap.heldOutAccuracy(), corpus.heldOut().size(), machine);
    }

    /** The trainable arrays by Hugging Face GPT-2 name, initialised as GPT-2 is (scaled residual projections). */
    private static final class Params {
        final Map<String, NDArray> all = new LinkedHashMap<>();
        private final NDManager manager;
        private final Random rng;

        private Params(NDManager manager, Random rng) {
            this.manager = manager;
            this.rng = rng;
        }

        static Params init(Gpt2Config c, NDManager manager, Random rng) {
            Params p = new Params(manager, rng);
            long d = c.hiddenSize();
            long inner = c.innerSize();
            double std = 0.02;
            double residualStd = std / Math.sqrt(2.0 * c.numLayers());
            p.normal("wte.weight", std, c.vocabSize(), d);
            p.normal("wpe.weight", std / 2, c.maxPositions(), d);
            for (int i = 0; i < c.numLayers(); i++) {
                String b = "h." + i + ".";
                p.constant(b + "ln_1.weight", 1, d);
                p.constant(b + "ln_1.bias", 0, d);
                p.normal(b + "attn.c_attn.weight", std, d, 3 * d);
                p.constant(b + "attn.c_attn.bias", 0, 3 * d);
                p.normal(b + "attn.c_proj.weight", residualStd, d, d);
                p.constant(b + "attn.c_proj.bias", 0, d);
                p.constant(b + "ln_2.weight", 1, d);
                p.constant(b + "ln_2.bias", 0, d);
                p.normal(b + "mlp.c_fc.weight", std, d, inner);
                p.constant(b + "mlp.c_fc.bias", 0, inner);
                p.normal(b + "mlp.c_proj.weight", residualStd, inner, d);
                p.constant(b + "mlp.c_proj.bias", 0, d);
            }
            p.constant("ln_f.weight", 1, d);
            p.constant("ln_f.bias", 0, d);
            return p;
        }

        Gpt2Weights weights(Gpt2Config c) {
            return new Gpt2Weights(all.get("wte.weight"), all.get("wpe.weight"), all.get("ln_f.weight"),
                    all.get("ln_f.bias"), null);
        }

        BlockStore<Gpt2Weights.Block> blocks(Gpt2Config c) {
            List<Gpt2Weights.Block> blocks = new ArrayList<>();
            for (int i = 0; i < c.numLayers(); i++) {
                String b = "h." + i + ".";
                // Parameters keep the checkpoint's Conv1D layout; the model reads nn.Linear weights: views
                blocks.add(new Gpt2Weights.Block(
                        all.get(b + "ln_1.weight"), all.get(b + "ln_1.bias"),
                        all.get(b + "attn.c_attn.weight").transpose(), all.get(b + "attn.c_attn.bias"),
                        all.get(b + "attn.c_proj.weight").transpose(), all.get(b + "attn.c_proj.bias"),
                        all.get(b + "ln_2.weight"), all.get(b + "ln_2.bias"),
                        all.get(b + "mlp.c_fc.weight").transpose(), all.get(b + "mlp.c_fc.bias"),
                        all.get(b + "mlp.c_proj.weight").transpose(), all.get(b + "mlp.c_proj.bias")));
            }
            return BlockStore.resident(blocks);
        }

        private void normal(String name, double std, long... shape) {
            float[] v = new float[Math.toIntExact(new Shape(shape).size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (std * rng.nextGaussian());
            }
            add(name, v, shape);
        }

        private void constant(String name, float value, long... shape) {
            float[] v = new float[Math.toIntExact(new Shape(shape).size())];
            java.util.Arrays.fill(v, value);
            add(name, v, shape);
        }

        private void add(String name, float[] v, long... shape) {
            NDArray a = manager.create(v, new Shape(shape));
            a.setRequiresGradient(true);
            all.put(name, a);
        }
    }

    /** AdamW (decoupled weight decay on matrices), updating the parameters in place outside the graph. */
    private static final class AdamW {
        static final float BETA1 = 0.9f;
        static final float BETA2 = 0.98f;
        static final float EPS = 1e-8f;
        static final float CLIP = 1f;

        private final List<NDArray> params;
        private final List<NDArray> m = new ArrayList<>();
        private final List<NDArray> v = new ArrayList<>();
        private final List<Boolean> decay = new ArrayList<>();
        private int t;

        AdamW(Map<String, NDArray> params, NDManager manager) {
            this.params = List.copyOf(params.values());
            for (NDArray p : this.params) {
                m.add(manager.zeros(p.getShape()));
                v.add(manager.zeros(p.getShape()));
                decay.add(p.getShape().dimension() == 2);
            }
        }

        /** One update from the gradients of the last backward pass; the gradients are zeroed after. */
        void step(double lr, double weightDecay) {
            t++;
            List<NDArray> grads = new ArrayList<>(params.size());
            NDArray sq = null;
            for (NDArray p : params) {
                NDArray g = p.getGradient();
                grads.add(g);
                NDArray s = g.square().sum();
                sq = sq == null ? s : sq.add(s);
            }
            // Clip the global gradient norm, as GPT-2 training does, so an unlucky batch cannot blow up a step.
            float norm = (float) Math.sqrt(sq.getFloat());
            float scale = norm > CLIP ? CLIP / norm : 1f;
            float bc1 = (float) (1 - Math.pow(BETA1, t));
            float bc2 = (float) (1 - Math.pow(BETA2, t));
            for (int i = 0; i < params.size(); i++) {
                NDArray p = params.get(i);
                NDArray g = grads.get(i).mul(scale);
                m.get(i).muli(BETA1).addi(g.mul(1 - BETA1));
                v.get(i).muli(BETA2).addi(g.square().mul(1 - BETA2));
                NDArray update = m.get(i).div(bc1).div(v.get(i).div(bc2).sqrt().add(EPS));
                if (decay.get(i)) {
                    p.muli((float) (1 - lr * weightDecay));
                }
                p.subi(update.mul((float) lr));
                grads.get(i).subi(grads.get(i));
            }
        }
    }

    /** A batch of training sentences padded at the end, with next-token targets and a mask of real targets. */
    private record Batch(NDArray ids, NDArray targets, NDArray mask, NDArray invCount) {
        static Batch sample(List<List<int[]>> byRelation, int size, Random rng, NDManager manager) {
            int[][] seqs = new int[size][];
            int t = 0;
            for (int i = 0; i < size; i++) {
                // Relations are drawn evenly, so the few capital sentences weigh as much as the many agreement ones.
                List<int[]> pool = byRelation.get(rng.nextInt(byRelation.size()));
                seqs[i] = pool.get(rng.nextInt(pool.size()));
                t = Math.max(t, seqs[i].length);
            }
            long[] ids = new long[size * t];
            long[] targets = new long[size * t];
            float[] mask = new float[size * t];
            float count = 0;
            for (int i = 0; i < size; i++) {
                for (int j = 0; j < t; j++) {
                    int row = i * t + j;
                    ids[row] = j < seqs[i].length ? seqs[i][j] : 0;
                    if (j + 1 < seqs[i].length) {
                        targets[row] = seqs[i][j + 1];
                        mask[row] = 1;
                        count++;
                    }
                }
            }
            return new Batch(manager.create(ids, new Shape(size, t)), manager.create(targets, new Shape((long) size * t, 1)),
                    // 1 / count as an array of the step: a Number operand's memory could be freed before backward.
                    manager.create(mask), manager.create(1f / count));
        }
    }
}
