package dev.logitlens.core.run;

import dev.logitlens.core.BuildListener;
import dev.logitlens.core.lens.ModelPass;

import java.util.Locale;

/**
 * Progress lines of a long model pass, at most one every {@link #INTERVAL_NANOS} (a quick pass prints none):
 * {@code llama-7b: block 12/32 of 8 prompts, 4.9 GB read, 61 s, about 1 min 40 s left}.
 */
final class PassProgress implements ModelPass.Listener {
    static final long INTERVAL_NANOS = 5_000_000_000L;

    private final String model;
    private final int prompts;
    private final BuildListener listener;
    private final long start = System.nanoTime();
    private long last = start;

    PassProgress(String model, int prompts, BuildListener listener) {
        this.model = model;
        this.prompts = prompts;
        this.listener = listener;
    }

    @Override
    public void blockDone(int block, int blocks, long bytesRead) {
        long now = System.nanoTime();
        if (now - last < INTERVAL_NANOS) {
            return;
        }
        last = now;
        double elapsed = (now - start) / 1e9;
        double left = elapsed / block * (blocks - block); // the lens after the last block is not in the estimate
        listener.info(line(block, blocks, bytesRead, elapsed, left));
    }

    String line(int block, int blocks, long bytesRead, double elapsed, double left) {
        String read = bytesRead > 0 ? String.format(Locale.ROOT, ", %.1f GB read", bytesRead / 1e9) : "";
        return String.format(Locale.ROOT, "%s: block %d/%d of %d prompt%s%s, %s, about %s left", model, block, blocks,
                prompts, prompts == 1 ? "" : "s", read, duration(elapsed), duration(left));
    }

    static String duration(double seconds) {
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.0f s", seconds);
        }
        long s = Math.round(seconds);
        return s / 60 + " min " + s % 60 + " s";
    }
}
