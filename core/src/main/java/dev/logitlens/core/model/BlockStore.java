package dev.logitlens.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The weights of a model's blocks, held in one of two ways.
 *
 * <ul>
 *   <li>{@link Residency#RESIDENT}: every block is loaded once, on the model's manager, one thread per core.</li>
 *   <li>{@link Residency#STREAM}: a block is materialized from the memory-mapped checkpoint when the pass reaches
 *   it, on a sub-manager of its own that is closed when the block is done; while block i computes, blocks i+1 and
 *   i+2 are read on background threads ({@link #AHEAD}). At most three blocks exist at once.</li>
 * </ul>
 *
 * @param <B> the family's block record
 */
public final class BlockStore<B> implements AutoCloseable {
    /** Loads block {@code i}'s tensors through {@code weights} (bound to the manager they are to live on). */
    @FunctionalInterface
    public interface Loader<B> {
        B load(int i, Weights weights);
    }

    public enum Residency { RESIDENT, STREAM }

    private final int count;
    private final Loader<B> loader;
    private final Weights weights;
    private final Residency residency;
    private final List<B> resident;
    private final AtomicLong bytesRead = new AtomicLong();
    private final ExecutorService prefetcher;
    /**
     * Streamed blocks read ahead of the one computing, each on its own thread: widening BF16 on one thread (about
     * 0.4 GB/s) was slower than the compute of a small pass, which then waited for every block.
     */
    public static final int AHEAD = 2;
    private final Pending<B>[] pending;

    private final Recycler recycler; // streamed: done blocks' tensors, for later blocks to be widened into

    private record Pending<B>(NDManager manager, Weights weights, CompletableFuture<B> block, int[] holders) {}

    @SuppressWarnings("unchecked")
    private BlockStore(int count, Loader<B> loader, Weights weights, Residency residency) {
        this.count = count;
        this.loader = loader;
        this.weights = weights;
        this.residency = residency;
        this.pending = new Pending[count];
        if (residency == Residency.RESIDENT) {
            this.resident = loadAll();
            this.prefetcher = null;
            this.recycler = null;
        } else {
            this.resident = null;
            this.recycler = new Recycler(weights.manager());
            this.prefetcher = daemonPool(AHEAD, "logitlens-block-prefetch");
        }
    }

    /** Blocks already built (a model trained in memory), resident. */
    public static <B> BlockStore<B> resident(List<B> blocks) {
        return new BlockStore<>(blocks);
    }

    private BlockStore(List<B> blocks) {
        this.count = blocks.size();
        this.loader = null;
        this.weights = null;
        this.residency = Residency.RESIDENT;
        this.pending = null;
        this.resident = List.copyOf(blocks);
        this.prefetcher = null;
        this.recycler = null;
    }

    /** Blocks 0 .. count-1 read by {@code loader} from {@code weights}, held as {@code residency} says. */
    public static <B> BlockStore<B> of(int count, Loader<B> loader, Weights weights, Residency residency) {
        return new BlockStore<>(count, loader, weights, residency);
    }

    public Residency residency() {
        return residency;
    }

    public int count() {
        return count;
    }

    /** Streamed block tensors widened into the memory of a block done before (0 when resident). */
    public long tensorsRecycled() {
        return recycler == null ? 0 : recycler.taken();
    }

    /** Bytes of checkpoint tensors read for blocks so far (a streamed pass reads every block once). */
    public long bytesRead() {
        return bytesRead.get();
    }

    /**
     * Block {@code i}, ready to compute with; a streamed block is waited for (or read now) and the next one's read
     * starts in the background. Every {@code acquire} is followed by {@link #release} of the same block.
     */
    public B acquire(int i) {
        if (resident != null) {
            return resident.get(i);
        }
        Pending<B> p;
        synchronized (this) {
            p = pending[i] != null ? pending[i] : (pending[i] = submit(i));
            p.holders()[0]++;
            for (int next = i + 1; next <= i + AHEAD && next < count; next++) {
                if (pending[next] == null) {
                    pending[next] = submit(next);
                }
            }
        }
        try {
            return joined(p.block());
        } catch (RuntimeException e) {
            release(i);
            throw e;
        }
    }

    /**
     * Lets a streamed block's weights go once every holder has released it (several threads may compute with one
     * block, each between its own acquire and release); nothing for resident ones.
     */
    public void release(int i) {
        if (resident != null) {
            return;
        }
        Pending<B> p;
        synchronized (this) {
            p = pending[i];
            if (p == null || --p.holders()[0] > 0) {
                return;
            }
            pending[i] = null;
        }
        if (p != null) {
            p.block().handle((b, e) -> null).join(); // a read still under way finishes before its memory goes
            if (i + AHEAD + 1 < count) { // a block not yet submitted will take them
                for (NDArray a : p.weights().loaded()) {
                    if (!a.isReleased()) {
                        recycler.give(a);
                    }
                }
            } else if (i == count - 1) {
                recycler.clear();
            }
            p.manager().close();
        }
    }

    private Pending<B> submit(int i) {
        NDManager manager = weights.manager().newSubManager();
        Weights onIt = weights.on(manager, recycler);
        return new Pending<>(manager, onIt, CompletableFuture.supplyAsync(() -> loadCounted(i, onIt), prefetcher),
                new int[1]);
    }

    /**
     * Every block, on the model's manager, read on one thread per core: most of a resident load is first touching the
     * fresh memory it widens into (a page fault per 4 KiB), which the cores take side by side (a Llama-1B-shaped BF16
     * checkpoint on two cores: 4.2–6.0 s against 5.5–8.2 s on one thread).
     */
    private List<B> loadAll() {
        ExecutorService pool = daemonPool(Math.max(1, Math.min(count, Runtime.getRuntime().availableProcessors())),
                "logitlens-block-load");
        try {
            List<CompletableFuture<B>> loads = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int block = i;
                loads.add(CompletableFuture.supplyAsync(() -> loadCounted(block, weights.on(weights.manager())), pool));
            }
            // Every load ends before a failure is thrown: none may still be making tensors on the manager then
            CompletableFuture.allOf(loads.toArray(CompletableFuture[]::new)).handle((v, e) -> null).join();
            List<B> all = new ArrayList<>(count);
            for (CompletableFuture<B> load : loads) {
                all.add(joined(load));
            }
            return List.copyOf(all);
        } finally {
            pool.shutdownNow();
        }
    }

    private static ExecutorService daemonPool(int threads, String name) {
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** The block, or the load's own exception. */
    private static <B> B joined(CompletableFuture<B> load) {
        try {
            return load.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private B loadCounted(int i, Weights w) {
        long before = w.bytesLoaded();
        B b = loader.load(i, w);
        bytesRead.addAndGet(w.bytesLoaded() - before);
        return b;
    }

    @Override
    public void close() {
        if (prefetcher != null) {
            for (int i = 0; i < count; i++) {
                Pending<B> p;
                synchronized (this) {
                    p = pending[i];
                    pending[i] = null;
                }
                if (p != null) {
                    p.block().handle((b, e) -> null).join();
                    p.manager().close();
                }
            }
            prefetcher.shutdownNow();
            recycler.close();
        }
    }
}
