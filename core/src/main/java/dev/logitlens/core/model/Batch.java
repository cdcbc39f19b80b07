package dev.logitlens.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Several prompts packed into one sequence of N rows, so that projections and MLPs run once over all rows
 * while attention stays within each prompt (its own causal mask, sliding window and positions 0..T-1).
 *
 * <p>A batch owns the small per-pass tables (masks, positions, rotary cos/sin) on its manager, built on
 * first use and shared by every block.
 */
public final class Batch {
    private final NDManager manager;
    private final NDArray ids;
    private final int[] offsets;
    private final int[] lengths;
    private final int rows;
    private final Map<String, NDArray> masks = new HashMap<>();
    private final Map<Rope, NDList> cosSin = new HashMap<>();
    private NDArray positions;

    private Batch(NDManager manager, int[] lengths, long[] ids) {
        this(manager, lengths, keep(manager.create(ids, new Shape(ids.length))));
    }

    private Batch(NDManager manager, int[] lengths, NDArray ids) {
        this.manager = manager;
        this.lengths = lengths.clone();
        this.offsets = new int[lengths.length];
        int n = 0;
        for (int s = 0; s < lengths.length; s++) {
            if (lengths[s] < 1) {
                throw new IllegalArgumentException("segment " + s + " is empty");
            }
            offsets[s] = n;
            n += lengths[s];
        }
        if (n != ids.size()) {
            throw new IllegalArgumentException(ids.size() + " ids for segments of " + n + " tokens in all");
        }
        this.rows = n;
        this.ids = ids;
    }

    /** Packs {@code prompts} (token ids each) in order; the arrays live on {@code manager}. */
    public static Batch of(NDManager manager, List<int[]> prompts) {
        int[] lengths = prompts.stream().mapToInt(p -> p.length).toArray();
        long[] ids = prompts.stream().flatMapToInt(Arrays::stream).asLongStream().toArray();
        return new Batch(manager, lengths, ids);
    }

    /** One prompt: {@code inputIds} [T] int64, on the manager its outputs will live on. */
    public static Batch single(NDArray inputIds) {
        long[] ids = inputIds.toType(DataType.INT64, false).toLongArray();
        return new Batch(inputIds.getManager(), new int[] {ids.length}, ids);
    }

    /** Sequences of equal length: {@code ids} [B, T] int64 (a training batch, padded at the end). */
    public static Batch equalLength(NDArray ids) {
        int count = Math.toIntExact(ids.getShape().get(0));
        int length = Math.toIntExact(ids.getShape().get(1));
        int[] lengths = new int[count];
        Arrays.fill(lengths, length);
        return new Batch(ids.getManager(), lengths, ids.reshape((long) count * length));
    }

    public NDManager manager() {
        return manager;
    }

    /** [N] int64 token ids of all prompts, packed. */
    public NDArray ids() {
        return ids;
    }

    /** N, the number of packed rows. */
    public int rows() {
        return rows;
    }

    public int segments() {
        return lengths.length;
    }

    public int offset(int segment) {
        return offsets[segment];
    }

    public int length(int segment) {
        return lengths[segment];
    }

    /** True when every prompt has the same length: attention then runs as one batched product. */
    public boolean uniform() {
        return Arrays.stream(lengths).allMatch(l -> l == lengths[0]);
    }

    /** [N] int64: each row's position within its own prompt, plus {@code offset} (OPT's learned positions start at 2). */
    public NDArray positions(int offset) {
        if (positions == null) {
            long[] p = new long[rows];
            for (int s = 0; s < lengths.length; s++) {
                for (int t = 0; t < lengths[s]; t++) {
                    p[offsets[s] + t] = t;
                }
            }
            positions = keep(manager.create(p, new Shape(rows)));
        }
        return offset == 0 ? positions : positions.add(offset);
    }

    /** The additive causal mask [T, T] of a prompt of length {@code t}, with a sliding window or 0 for none. */
    public NDArray mask(int t, int window, DataType dtype) {
        int win = window > 0 && window < t ? window : 0; // a window ≥ T masks nothing extra
        return masks.computeIfAbsent(t + "/" + win + "/" + dtype, k -> keep(Ops.causalMask(manager, t, win, dtype)));
    }

    /** cos and sin [N, rotaryDim/2] of every row's position, each prompt's table taken at its own length. */
    NDList cosSin(Rope rope, DataType dtype) {
        return cosSin.computeIfAbsent(rope, r -> {
            Map<Integer, NDList> byLength = new HashMap<>();
            List<NDArray> cos = new ArrayList<>();
            List<NDArray> sin = new ArrayList<>();
            for (int len : lengths) {
                NDList cs = byLength.computeIfAbsent(len, t -> r.forLength(t).cosSin(manager, t, dtype));
                cos.add(cs.get(0));
                sin.add(cs.get(1));
            }
            if (cos.size() == 1) {
                return keep(new NDList(cos.get(0), sin.get(0)));
            }
            NDList packed = new NDList(NDArrays.concat(new NDList(cos), 0), NDArrays.concat(new NDList(sin), 0));
            return keep(packed);
        });
    }

    /** Tables are built lazily inside a block's {@link NDScope}: keep them alive for the whole batch. */
    private static NDList keep(NDList arrays) {
        arrays.forEach(NDScope::unregister);
        return arrays;
    }

    private static NDArray keep(NDArray array) {
        NDScope.unregister(array);
        return array;
    }
}
