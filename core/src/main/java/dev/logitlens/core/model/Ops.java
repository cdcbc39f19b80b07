package dev.logitlens.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The building blocks every family shares, written once. Shapes in comments: T tokens, D hidden,
 * H heads, Hkv key/value heads, Dh head size.
 */
public final class Ops {
    private Ops() {}

    /** Embedding lookup: rows {@code ids} [N] of {@code table} [V, D] → [N, D]. */
    public static NDArray embed(NDArray table, NDArray ids) {
        NDArray rows = table.get(new NDIndex("{}", ids));
        rows.attach(ids.getManager()); // the prompt's activations, not the model's: freed with the prompt
        return rows;
    }

    /** LayerNorm over the last axis: {@code (x - mean) / sqrt(var + eps) * w + b} (biased variance, as torch). */
    public static NDArray layerNorm(NDArray x, NDArray w, NDArray b, float eps) {
        NDArray mean = x.mean(new int[] {-1}, true);
        NDArray centered = x.sub(mean);
        NDArray var = centered.square().mean(new int[] {-1}, true);
        NDArray y = centered.div(var.add(eps).sqrt());
        if (w != null) {
            y = y.mul(w);
        }
        return b == null ? y : y.addi(b); // in place: y is made here and kept by nothing else
    }

    /**
     * RMSNorm: {@code x / sqrt(mean(x²) + eps) * w}; Gemma stores {@code w - 1}, so it multiplies by
     * {@code (1 + w)} ({@code plusOne}). Computed in float32 as Hugging Face does.
     */
    public static NDArray rmsNorm(NDArray x, NDArray w, float eps, boolean plusOne) {
        DataType in = x.getDataType();
        NDArray xf = in == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray y = xf.div(xf.square().mean(new int[] {-1}, true).add(eps).sqrt());
        NDArray wf = w.getDataType() == DataType.FLOAT32 ? w : w.toType(DataType.FLOAT32, false);
        y = y.mul(plusOne ? wf.add(1f) : wf);
        return in == DataType.FLOAT32 ? y : y.toType(in, false);
    }

    /**
     * The tanh approximation of GELU ({@code gelu_new}, {@code gelu_pytorch_tanh}). x³ as (x·x)·x: bit for bit what
     * torch's {@code pow(x, 3.0)} in transformers computes (measured), while a tensor exponent, all DJL offers, takes
     * the general pow: last bits apart and 20× slower.
     */
    public static NDArray geluTanh(NDArray x) {
        // The same operations in the same order, in place where autograd keeps no copy of the operand (tanh keeps its
        // result): three fresh [N, I] arrays instead of nine. Sums and products commute bit for bit.
        NDArray inner = x.mul(x).muli(x).muli(scalar(x, 0.044715f)).addi(x)
                .muli(scalar(x, (float) Math.sqrt(2.0 / Math.PI)));
        return x.mul(scalar(x, 0.5f)).muli(inner.tanh().add(1f));
    }

    /**
     * A scalar operand for a multiplicative op, owned by {@code x}'s manager (or the open NDScope).
     * {@code x.mul(0.5f)} would do the same arithmetic, but DJL closes that scalar right after the call while
     * autograd keeps a view of its CPU memory for the backward pass, which the garbage collector may then
     * free: training through these ops (the demo trainer) read garbage gradients. Results are identical.
     */
    static NDArray scalar(NDArray x, Number value) {
        return x.getManager().create(value);
    }

    /** Exact GELU ({@code gelu}): {@code x·Φ(x)}. */
    public static NDArray geluErf(NDArray x) {
        return x.mul(0.5f).mul(x.div((float) Math.sqrt(2.0)).erf().add(1f));
    }

    public static NDArray silu(NDArray x) {
        return x.mul(ai.djl.nn.Activation.sigmoid(x));
    }

    /**
     * Hugging Face's {@code hidden_act} / {@code activation_function} names. With a bound {@link Parallel} pool the
     * rows [N, I] are split over its threads when every part then holds a multiple of {@link #SPLIT_COLS} elements:
     * the elementwise loops' scalar tail (where sigmoid and pow differ in the last bit) stays where it was.
     */
    public static NDArray activation(String name, NDArray x) {
        Parallel.Pool pool = Parallel.bound();
        long n = x.getShape().get(0);
        if (pool != null && x.getShape().dimension() == 2 && n >= SPLIT_ROWS
                && x.getShape().get(1) % SPLIT_COLS == 0) {
            int parts = (int) Math.min(pool.size(), n);
            return inParts(parts, n, 1, 0, (r0, r1) -> activationOf(name, x.get(r0 + ":" + r1)));
        }
        return activationOf(name, x);
    }

    private static NDArray activationOf(String name, NDArray x) {
        return switch (name) {
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "gelu_python_tanh" -> geluTanh(x);
            case "gelu", "gelu_python" -> geluErf(x);
            case "relu" -> x.maximum(0f);
            case "silu", "swish" -> silu(x);
            default -> throw new IllegalArgumentException("unsupported activation '" + name + "'");
        };
    }

    /**
     * Additive causal mask [T, T]: 0 where key j may be seen from query i (j ≤ i, and i - j < window when
     * a sliding window is set), -inf elsewhere.
     *
     * @param window sliding window size, or 0 for none
     */
    public static NDArray causalMask(NDManager manager, int t, int window, DataType dtype) {
        float[] m = new float[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                boolean visible = j <= i && (window <= 0 || i - j < window);
                m[i * t + j] = visible ? 0f : Float.NEGATIVE_INFINITY;
            }
        }
        NDArray mask = manager.create(m, new Shape(t, t));
        return dtype == DataType.FLOAT32 ? mask : mask.toType(dtype, false);
    }

    /**
     * Scaled dot-product attention with grouped key/value heads.
     *
     * @param q       [H, T, Dh]
     * @param k       [Hkv, T, Dh]
     * @param v       [Hkv, T, Dh]
     * @param mask    [T, T] additive mask
     * @param scale   multiplier of q·k (usually 1/sqrt(Dh))
     * @param softcap attention logit cap (Gemma 2), 0 for none
     * @return [T, H·Dh]
     */
    public static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray mask, float scale, float softcap) {
        long h = q.getShape().get(0);
        long t = q.getShape().get(1);
        long dh = q.getShape().get(2);
        long hkv = k.getShape().get(0);
        if (hkv != h) { // GQA: each key/value head serves h / hkv query heads, as repeat_kv does
            k = k.repeat(0, h / hkv);
            v = v.repeat(0, h / hkv);
        }
        NDArray kk = k;
        NDArray vv = v;
        Parallel.Pool pool = Parallel.bound();
        NDArray out = pool != null && t >= SPLIT_ROWS && h > 1 // heads are independent: split them over the pool
                ? inParts((int) Math.min(pool.size(), h), h, 1, 0, (h0, h1) -> {
                    String heads = h0 + ":" + h1;
                    return heads(q.get(heads), kk.get(heads), vv.get(heads), mask, scale, softcap);
                })
                : heads(q, kk, vv, mask, scale, softcap);                            // [H, T, Dh]
        return out.transpose(1, 0, 2).reshape(t, h * dh);
    }

    /** Attention of heads [H, T, Dh] (keys and values as many heads) → [H, T, Dh]. */
    private static NDArray heads(NDArray q, NDArray k, NDArray v, NDArray mask, float scale, float softcap) {
        // In place where autograd keeps no copy of the operand (a product's result; not tanh's): no fresh [H, T, T]
        NDArray scores = q.matMul(k.transpose(0, 2, 1)).muli(scalar(q, scale)); // [H, T, T]
        if (softcap > 0) {
            scores = scores.div(softcap).tanh().mul(softcap);
        }
        NDArray weights = scores.addi(mask).softmax(-1);
        return weights.matMul(v);
    }

    /**
     * {@link #attention(NDArray, NDArray, NDArray, NDArray, float, float)} over packed prompts: every prompt attends
     * only to itself, with its own causal mask (and sliding window). Prompts of equal length run as one batched
     * product; otherwise prompt by prompt.
     *
     * @param q      [H, N, Dh], already rotated where the family rotates
     * @param k      [Hkv, N, Dh]
     * @param v      [Hkv, N, Dh]
     * @param window sliding window, or 0 for none
     * @return [N, H·Dh]
     */
    public static NDArray attention(Batch batch, NDArray q, NDArray k, NDArray v, int window, float scale,
                                    float softcap) {
        DataType dtype = q.getDataType();
        int segments = batch.segments();
        if (segments == 1) {
            return attention(q, k, v, batch.mask(batch.rows(), window, dtype), scale, softcap);
        }
        long h = q.getShape().get(0);
        long hkv = k.getShape().get(0);
        long dh = q.getShape().get(2);
        if (batch.uniform()) { // [H, S·T, Dh] → [S·H, T, Dh]: each prompt's heads become heads of their own
            int t = batch.length(0);
            NDArray out = attention(byPrompt(q, segments, t), byPrompt(k, segments, t), byPrompt(v, segments, t),
                    batch.mask(t, window, dtype), scale, softcap);                      // [T, S·H·Dh]
            return out.reshape(t, segments, h * dh).transpose(1, 0, 2).reshape((long) segments * t, h * dh);
        }
        NDList parts = new NDList(segments);
        for (int s = 0; s < segments; s++) {
            String rows = ":, " + batch.offset(s) + ":" + (batch.offset(s) + batch.length(s)) + ", :";
            parts.add(attention(q.get(rows), k.get(rows), v.get(rows), batch.mask(batch.length(s), window, dtype),
                    scale, softcap));
        }
        return NDArrays.concat(parts, 0);
    }

    /** [Hx, S·T, Dh] → [S·Hx, T, Dh]. */
    private static NDArray byPrompt(NDArray x, int segments, int t) {
        long heads = x.getShape().get(0);
        long dh = x.getShape().get(2);
        return x.reshape(heads, segments, t, dh).transpose(1, 0, 2, 3).reshape(segments * heads, t, dh);
    }

    /** [T, H·Dh] → [H, T, Dh]. */
    public static NDArray splitHeads(NDArray x, long heads) {
        long t = x.getShape().get(0);
        long dh = x.getShape().get(1) / heads;
        return x.reshape(t, heads, dh).transpose(1, 0, 2);
    }

    /** Rows at least for {@link #linear} to split its work over a bound {@link Parallel} pool. */
    static final int SPLIT_ROWS = 16;
    /** Output columns per part: split points are multiples of it. */
    static final int SPLIT_COLS = 32;

    /**
     * {@code x · Wᵀ + b} for rows {@code x} [N, K] and a torch {@code nn.Linear} weight {@code W} [M, K] ({@link Gemm}).
     * A row's result does not depend on N, nor an output column's on the columns beside it (splitting at multiples
     * of 32 columns), so with a bound {@link Parallel} pool the output columns are split over its threads without
     * changing a bit. Columns rather than rows: each thread then reads only its part of W (measured 10–25% faster than
     * rows at 65–513 rows, two threads). The bound {@link PadRows} may be left zero.
     */
    public static NDArray linear(NDArray x, NDArray w, NDArray b) {
        long n = x.getShape().get(0);
        long m = w.getShape().get(0);
        int pad = PadRows.bound();
        Parallel.Pool pool = Parallel.bound();
        int parts = pool == null || n < SPLIT_ROWS ? 1 : (int) Math.min(pool.size(), m / (2 * SPLIT_COLS));
        NDArray y = parts > 1
                ? inParts(parts, m, SPLIT_COLS, 1, (c0, c1) -> Gemm.timesT(x, w.get(c0 + ":" + c1), pad))
                : Gemm.timesT(x, w, pad);
        return b == null ? y : y.addi(b); // in place: the product is made here and kept by nothing else
    }

    /** {@code w} [R, C] as a contiguous [C, R]: a Conv1D weight [in, out] in {@link #linear}'s layout. */
    public static NDArray transposed(NDArray w) {
        long[] shape = {w.getShape().get(1), w.getShape().get(0)};
        return w.transpose().reshape(shape[0] * shape[1]).reshape(shape); // the flattening copies in row order
    }

    /** Computes {@code part} of [a, b) of n items. */
    @FunctionalInterface
    private interface Part {
        NDArray of(long a, long b);
    }

    /**
     * {@code part} over {@code parts} ranges of [0, n) (starts multiples of {@code multiple}), one task each on the
     * bound pool, joined along {@code axis}. Each task has its own scope: what it makes is let go there, but for its
     * result, which is let go once joined.
     */
    private static NDArray inParts(int parts, long n, long multiple, int axis, Part part) {
        Parallel.Pool pool = Parallel.bound();
        List<Callable<NDArray>> tasks = new ArrayList<>(parts);
        for (int p = 0; p < parts; p++) {
            long a = p * n / parts / multiple * multiple;
            long b = p + 1 == parts ? n : (p + 1) * n / parts / multiple * multiple;
            tasks.add(() -> {
                try (NDScope scope = new NDScope()) {
                    NDArray y = part.of(a, b);
                    NDScope.unregister(y);
                    return y;
                }
            });
        }
        NDList done = new NDList(pool.all(tasks));
        NDArray y = NDArrays.concat(done, axis);
        done.close();
        return y;
    }
}
