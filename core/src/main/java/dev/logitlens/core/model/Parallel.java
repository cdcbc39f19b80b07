package dev.logitlens.core.model;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * Threads a forward pass may split its projections over: bound by the caller for the duration of one call when it
 * has threads to spare (one long prompt), read by {@link Ops#linear}. Unbound, everything runs on the calling thread.
 */
public final class Parallel {
    /** Independent tasks run side by side, results in order. */
    public interface Pool {
        int size();

        <T> List<T> all(List<? extends Callable<T>> tasks);
    }

    private static final ThreadBinding<Pool> BOUND = new ThreadBinding<>();

    private Parallel() {}

    /** Runs {@code body} with {@code pool} bound to this thread. */
    public static <T> T with(Pool pool, Supplier<T> body) {
        return BOUND.with(pool, body);
    }

    static Pool bound() {
        return BOUND.get();
    }
}
