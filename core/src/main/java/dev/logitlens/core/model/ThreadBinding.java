package dev.logitlens.core.model;

import java.util.function.Supplier;

/** A value bound to the calling thread for the duration of one call, restoring what was bound before. */
final class ThreadBinding<V> {
    private final ThreadLocal<V> bound = new ThreadLocal<>();

    /** Runs {@code body} with {@code value} bound to this thread. */
    <T> T with(V value, Supplier<T> body) {
        V before = bound.get();
        bound.set(value);
        try {
            return body.get();
        } finally {
            if (before == null) {
                bound.remove();
            } else {
                bound.set(before);
            }
        }
    }

    /** The bound value, or null. */
    V get() {
        return bound.get();
    }
}
