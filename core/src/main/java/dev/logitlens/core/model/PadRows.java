package dev.logitlens.core.model;

import java.util.function.Supplier;

/**
 * How many rows at the end of a forward pass's row-packed arrays belong to no prompt (the pass's pad prompt, there
 * for libtorch's elementwise tails and never lensed): {@link Ops#linear} may leave their products zero. oneDNN's
 * kernel with the rows as filters is a fifth to a third slower for one row above a multiple of 16 (65 against 64
 * rows, measured), so the prompts' rows are multiplied alone. Bound by the caller for one block of one group;
 * unbound, every row is a prompt's.
 */
public final class PadRows {
    private static final ThreadBinding<Integer> BOUND = new ThreadBinding<>();

    private PadRows() {}

    /** Runs {@code body} with the last {@code rows} rows of its arrays bound as padding on this thread. */
    public static <T> T with(int rows, Supplier<T> body) {
        return BOUND.with(rows, body);
    }

    /** The bound pad rows, 0 when unbound. */
    static int bound() {
        Integer rows = BOUND.get();
        return rows == null ? 0 : rows;
    }
}
