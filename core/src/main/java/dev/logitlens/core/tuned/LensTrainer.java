package dev.logitlens.core.tuned;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.logitlens.core.lens.LensSession;
import dev.logitlens.core.model.LensModel;
import dev.logitlens.core.BuildListener;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Trains a tuned lens for a loaded model with DJL's autograd, with tuned-lens's objective: for each block output
 * h_i (but the last), the KL from the model's own next-token distribution to {@code unembed(finalNorm(h + W h +
 * b))}, averaged over positions and summed over layers; translators start at zero (the logit lens) and are
 * trained with DJL's Adam (as tuned-lens's {@code --optimizer adam}: β = (0.9, 0.999), weight decay 1e-3) at a
 * fixed learning rate, the gradient clipped to global norm 1 as tuned-lens does.
 *
 * <p>Translator 0 (tuned-lens's embedding state) has no block output of ours to train on and stays zero; the
 * folder written is still a complete tuned-lens lens (num_hidden_layers translators).
 */
public final class LensTrainer {

    /**
     * @param steps        optimizer steps
     * @param batch        sequences per step
     * @param maxTokens    tokens per sequence at most (longer texts are cut; also capped by the model's positions)
     * @param learningRate Adam's learning rate
     * @param seed         batch order
     * @param logEvery     a progress line every this many steps
     */
    public record Options(int steps, int batch, int maxTokens, double learningRate, long seed, int logEvery) {
        public Options {
            if (steps < 1 || batch < 1 || maxTokens < 2 || !(learningRate > 0) || logEvery < 1) {
                throw new IllegalArgumentException("steps, batch, logEvery ≥ 1, maxTokens ≥ 2, learningRate > 0");
            }
        }
    }

    /**
     * What training achieved on held-out texts: mean KL to the model's output per block, nats.
     *
     * @param logitKl [L] the logit lens's (translators at zero)
     * @param tunedKl [L] the trained lens's
     * @param lens    the trained translators
     */
    public record Report(double[] logitKl, double[] tunedKl, TunedLensWeights lens) {}

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPS = 1e-8;
    private static final double WEIGHT_DECAY = 1e-3;

    private LensTrainer() {}

    /**
     * @param train   training texts (one sequence each)
     * @param heldOut texts the report is measured on
     */
    public static Report train(LensSession session, String modelName, List<String> train, List<String> heldOut,
                               Options o, BuildListener out) {
        LensModel model = session.model();
        int layers = model.info().numLayers();
        int d = model.info().hiddenSize();
        int maxLen = Math.min(o.maxTokens(), model.info().maxPositions());
        List<int[]> trainIds = encode(session, train, maxLen);
        List<int[]> heldIds = encode(session, heldOut, maxLen);
        if (trainIds.isEmpty()) {
            throw new TunedLensException("the training corpus has no text of at least 2 tokens");
        }
        float[][] w = new float[layers][d * d];
        float[][] b = new float[layers][d];
        NDManager root = NDManager.newBaseManager(model.unembedding().weight().getDevice());
        try (root) {
            // parameters of translators 1 .. L-1, float32 whatever the model's dtype, updated in place by DJL's Adam
            NDArray[] pw = new NDArray[layers];
            NDArray[] pb = new NDArray[layers];
            for (int t = 1; t < layers; t++) {
                pw[t] = root.zeros(new Shape(d, d), DataType.FLOAT32);
                pb[t] = root.zeros(new Shape(d), DataType.FLOAT32);
                pw[t].setRequiresGradient(true);
                pb[t].setRequiresGradient(true);
            }
            Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) o.learningRate()))
                    .optBeta1((float) BETA1).optBeta2((float) BETA2).optEpsilon((float) EPS)
                    .optWeightDecays((float) WEIGHT_DECAY).build();
            Random rnd = new Random(o.seed());
            double[] window = new double[layers - 1];
            int inWindow = 0;
            int skipped = 0;
            long t0 = System.nanoTime();
            out.info("Training a tuned lens for " + modelName + ": " + (layers - 1) + " translators of " + d + "×" + d
                    + ", " + trainIds.size() + " training and " + heldIds.size() + " held-out sequences, "
                    + o.steps() + " steps of " + o.batch() + ", learning rate " + o.learningRate());
            for (int step = 1; step <= o.steps(); step++) {
                double[] losses = new double[layers - 1];
                try (NDManager sm = root.newSubManager(); NDScope ignored = new NDScope()) {
                    try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                        NDArray total = null;
                        for (int s = 0; s < o.batch(); s++) {
                            int[] ids = trainIds.get(rnd.nextInt(trainIds.size()));
                            Forward f = forward(model, sm, ids);
                            for (int block = 0; block < layers - 1; block++) {
                                NDArray kl = klOfLens(model, f, block, pw[block + 1], pb[block + 1])
                                        .div(o.batch());
                                losses[block] += kl.toType(DataType.FLOAT32, false).getFloat();
                                total = total == null ? kl : total.add(kl);
                            }
                        }
                        gc.backward(total);
                    }
                }
                if (!clipAndStep(pw, pb, adam)) { // outside the scope: Adam's state lives on from step to step
                    skipped++;
                }
                for (int i = 0; i < losses.length; i++) {
                    window[i] += losses[i];
                }
                inWindow++;
                if (step % o.logEvery() == 0 || step == o.steps()) {
                    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  step %d/%d (%.1f s): KL per"
                            + " layer", step, o.steps(), (System.nanoTime() - t0) / 1e9));
                    for (double v : window) {
                        line.append(String.format(Locale.ROOT, " %.3f", v / inWindow));
                    }
                    out.info(line.append(" nats").append(skipped == 0 ? "" : " (" + skipped + " step(s) skipped so far:"
                            + " non-finite gradient)").toString());
                    Arrays.fill(window, 0);
                    inWindow = 0;
                }
            }
            for (int t = 1; t < layers; t++) {
                w[t] = pw[t].toFloatArray();
                b[t] = pb[t].toFloatArray();
            }
        }
        String hash = unembedHash(model);
        TunedLensWeights lens = new TunedLensWeights(modelName, new TunedLensConfig(modelName, d, layers, true, null,
                hash), w, b, "float32");
        double[] logit = evaluate(session, heldIds, null);
        double[] tuned = evaluate(session, heldIds, lens);
        StringBuilder line = new StringBuilder("Held-out KL to the model's output per layer (logit lens → tuned lens):");
        for (int i = 0; i < layers; i++) {
            line.append(String.format(Locale.ROOT, " %d: %.3f → %.3f;", i, logit[i], tuned[i]));
        }
        out.info(line.toString());
        return new Report(logit, tuned, lens);
    }

    /** The block outputs and the model's own log-probabilities of one sequence, as constants. */
    private record Forward(NDList outputs, NDArray finalLogp) {}

    private static Forward forward(LensModel model, NDManager m, int[] ids) {
        NDArray input = m.create(Arrays.stream(ids).asLongStream().toArray(), new Shape(ids.length));
        NDList outs = model.blockOutputs(input);
        NDList f32 = new NDList();
        for (NDArray h : outs) {
            f32.add(h.toType(DataType.FLOAT32, false).stopGradient());
        }
        NDArray logits = model.unembedding().logits(model.finalNorm(outs.get(outs.size() - 1)));
        return new Forward(f32, logits.toType(DataType.FLOAT32, false).logSoftmax(-1).stopGradient());
    }

    /** Mean over positions of KL(final ‖ lens of block) with translator (w, b): a scalar. */
    private static NDArray klOfLens(LensModel model, Forward f, int block, NDArray w, NDArray b) {
        NDArray h = f.outputs().get(block);
        NDArray x = h.add(h.matMul(w.transpose())).add(b);
        NDArray z = model.unembedding().logits(model.finalNorm(castLike(x, model)));
        NDArray logp = z.toType(DataType.FLOAT32, false).logSoftmax(-1);
        NDArray pf = f.finalLogp().exp();
        return pf.mul(f.finalLogp().sub(logp)).sum(new int[] {-1}).mean();
    }

    private static NDArray castLike(NDArray x, LensModel model) {
        DataType dt = model.unembedding().weight().getDataType();
        return x.getDataType() == dt ? x : x.toType(dt, false);
    }

    /** The gradient clipped to global norm 1 (as tuned-lens does), then one Adam step in place. */
    private static boolean clipAndStep(NDArray[] pw, NDArray[] pb, Optimizer adam) {
        double sq = 0;
        for (int t = 1; t < pw.length; t++) {
            for (NDArray p : new NDArray[] {pw[t], pb[t]}) {
                try (NDArray g = p.getGradient(); NDArray g2 = g.square(); NDArray s = g2.sum()) {
                    sq += s.getFloat();
                }
            }
        }
        if (!Double.isFinite(sq)) {
            // DJL's backward gives a non-finite gradient now and then (finite loss, no overflow in the lens): the
            // step is skipped and the gradient cleared, as mixed-precision training skips overflowing steps.
            for (int t = 1; t < pw.length; t++) {
                for (NDArray p : new NDArray[] {pw[t], pb[t]}) {
                    try (NDArray g = p.getGradient()) {
                        g.set(new ai.djl.ndarray.index.NDIndex(":"), 0f);
                    }
                }
            }
            return false;
        }
        float scale = (float) Math.min(1.0, 1.0 / (Math.sqrt(sq) + 1e-6));
        for (int t = 1; t < pw.length; t++) {
            NDArray[] ps = {pw[t], pb[t]};
            for (int k = 0; k < 2; k++) {
                try (NDArray g = ps[k].getGradient(); NDArray clipped = g.mul(scale)) {
                    adam.update((k == 0 ? "w" : "b") + t, ps[k], clipped);
                }
            }
        }
        return true;
    }

    /** Mean KL to the model's output per block over {@code seqs}, for the logit lens (null) or {@code lens}. */
    public static double[] evaluate(LensSession session, List<int[]> seqs, TunedLensWeights lens) {
        LensModel model = session.model();
        int layers = model.info().numLayers();
        double[] sum = new double[layers];
        long count = 0;
        NDManager root = NDManager.newBaseManager(model.unembedding().weight().getDevice());
        try (root) {
            TunedLens tuned = lens == null ? null : TunedLens.on(lens, root, DataType.FLOAT32);
            for (int[] ids : seqs) {
                try (NDManager sm = root.newSubManager(); NDScope ignored = new NDScope()) {
                    Forward f = forward(model, sm, ids);
                    for (int block = 0; block < layers; block++) {
                        NDArray h = f.outputs().get(block);
                        NDArray x = tuned == null ? h : tuned.translate(block, h);
                        NDArray logp = model.unembedding().logits(model.finalNorm(castLike(x, model)))
                                .toType(DataType.FLOAT32, false).logSoftmax(-1);
                        float[] kl = f.finalLogp().exp().mul(f.finalLogp().sub(logp)).sum(new int[] {-1})
                                .toFloatArray();
                        for (float v : kl) {
                            sum[block] += Math.max(0, v);
                        }
                    }
                    count += ids.length;
                }
            }
        }
        for (int i = 0; i < layers; i++) {
            sum[i] /= Math.max(1, count);
        }
        return sum;
    }

    /** Token ids of each text, cut to {@code maxLen}; texts under 2 tokens are dropped. */
    public static List<int[]> encode(LensSession session, List<String> texts, int maxLen) {
        List<int[]> out = new ArrayList<>();
        for (String t : texts) {
            int[] ids = session.tokenizer().encode(t);
            if (ids.length >= 2) {
                out.add(ids.length > maxLen ? Arrays.copyOf(ids, maxLen) : ids);
            }
        }
        return out;
    }

    /** tuned-lens's unembed_hash of the model's unembedding. */
    static String unembedHash(LensModel model) {
        NDArray weight = model.unembedding().weight();
        return UnembedHash.of(r -> {
            try (NDArray row = weight.get(r); NDArray f = row.toType(DataType.FLOAT32, false)) {
                return f.toFloatArray();
            }
        }, (int) weight.getShape().get(0), (int) weight.getShape().get(1));
    }
}
