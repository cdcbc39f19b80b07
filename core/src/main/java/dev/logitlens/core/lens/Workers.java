package dev.logitlens.core.lens;

import dev.logitlens.core.djl.Djl;
import dev.logitlens.core.model.Parallel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The collector's threads. libtorch runs each operation on one thread (see {@code Djl}): parallel work is split
 * here into independent tasks (row chunks × vocabulary ranges, groups of prompts), each a long run of operations
 * with no barrier inside, so a busy neighbour slows a task down without stalling the others.
 */
public final class Workers implements AutoCloseable, Parallel.Pool {
    private final int size;
    private final ExecutorService pool;

    /** @param size threads; 1 runs every task on the calling thread */
    public Workers(int size) {
        this.size = Math.max(1, size);
        this.pool = this.size == 1 ? null : Executors.newFixedThreadPool(this.size, r -> {
            Thread t = new Thread(() -> {
                Djl.initThread();
                r.run();
            }, "logitlens-lens");
            t.setDaemon(true);
            return t;
        });
    }

    /** One per core, or the {@code logitlens.threads} system property. */
    public static Workers forCpu() {
        String p = System.getProperty("logitlens.threads");
        int n = p == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(p.trim());
        return new Workers(n);
    }

    @Override
    public int size() {
        return size;
    }

    /** Runs {@code tasks}, returning their results in order; the first failure is rethrown once all are done. */
    @Override
    public <T> List<T> all(List<? extends Callable<T>> tasks) {
        Djl.initThread(); // the caller may run tasks itself
        List<T> out = new ArrayList<>(tasks.size());
        if (pool == null || tasks.size() == 1) {
            for (Callable<T> t : tasks) {
                out.add(call(t));
            }
            return out;
        }
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        for (Callable<T> t : tasks) {
            futures.add(pool.submit(t));
        }
        RuntimeException failure = null;
        for (Future<T> f : futures) {
            try {
                out.add(f.get());
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (failure == null) {
                    failure = c instanceof RuntimeException r ? r : new IllegalStateException(c);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        return out;
    }

    private static <T> T call(Callable<T> t) {
        try {
            return t.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
