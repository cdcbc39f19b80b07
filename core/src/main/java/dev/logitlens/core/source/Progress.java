package dev.logitlens.core.source;

import dev.logitlens.core.BuildListener;

import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * One download's progress line, e.g. {@code   model.safetensors: 12.3 MB / 548.1 MB, 45.2 MB/s, ETA 11 s},
 * printed at most every {@link #INTERVAL_NANOS} and once at the end so a Maven log stays readable.
 */
final class Progress {

    static final long INTERVAL_NANOS = 2_000_000_000L;

    private final String file;
    private final long total;
    private final long resumedFrom;
    private final BuildListener listener;
    private final LongSupplier clock;
    private final long start;
    private long done;
    private long lastPrint;

    /**
     * @param total       expected size in bytes, or -1 when unknown
     * @param resumedFrom bytes already on disk; they count towards done but not towards the rate
     */
    Progress(String file, long total, long resumedFrom, BuildListener listener, LongSupplier clock) {
        this.file = file;
        this.total = total;
        this.resumedFrom = resumedFrom;
        this.listener = listener;
        this.clock = clock;
        this.start = clock.getAsLong();
        this.lastPrint = start;
        this.done = resumedFrom;
    }

    void advance(long bytes) {
        done += bytes;
        long now = clock.getAsLong();
        if (now - lastPrint >= INTERVAL_NANOS) {
            lastPrint = now;
            listener.info(line(now, false));
        }
    }

    void finish() {
        listener.info(line(clock.getAsLong(), true));
    }

    long done() {
        return done;
    }

    String line(long now, boolean finished) {
        double seconds = Math.max(now - start, 1) / 1e9;
        double rate = (done - resumedFrom) / seconds;
        StringBuilder sb = new StringBuilder("  ").append(file).append(": ").append(bytes(done));
        if (total >= 0) {
            sb.append(" / ").append(bytes(total));
        }
        sb.append(", ").append(bytes(Math.round(rate))).append("/s");
        if (finished) {
            sb.append(", done in ").append(duration(seconds));
            if (resumedFrom > 0) {
                sb.append(" (resumed at ").append(bytes(resumedFrom)).append(")");
            }
        } else if (total >= 0 && rate > 0) {
            sb.append(", ETA ").append(duration(Math.max(0, total - done) / rate));
        }
        return sb.toString();
    }

    static String bytes(long n) {
        if (n < 1000) {
            return n + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double v = n;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return (s / 60) + " min " + (s % 60) + " s";
        }
        return (s / 3600) + " h " + (s % 3600 / 60) + " min";
    }
}
