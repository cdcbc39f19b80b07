package dev.logitlens.core.source;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProgressTest {

    @Test
    void linesAreThrottledAndShowBytesRateAndEta() {
        AtomicLong now = new AtomicLong(0);
        List<String> lines = new ArrayList<>();
        Progress p = new Progress("model.safetensors", 548_100_000L, 0, lines::add, now::get);

        now.set(1_000_000_000L);
        p.advance(5_000_000);
        assertEquals(List.of(), lines, "nothing before 2 s");
        now.set(2_000_000_000L);
        p.advance(7_300_000);
        now.set(2_500_000_000L);
        p.advance(1_000_000);
        assertEquals(List.of("  model.safetensors: 12.3 MB / 548.1 MB, 6.2 MB/s, ETA 1 min 27 s"), lines);

        now.set(10_000_000_000L);
        p.finish();
        assertEquals("  model.safetensors: 13.3 MB / 548.1 MB, 1.3 MB/s, done in 10 s", lines.get(1));
    }

    @Test
    void aResumedDownloadCountsOnlyNewBytesInTheRate() {
        AtomicLong now = new AtomicLong(0);
        List<String> lines = new ArrayList<>();
        Progress p = new Progress("x", 2000, 1000, lines::add, now::get);
        p.advance(1000);
        now.set(1_000_000_000L);
        p.finish();
        assertEquals(List.of("  x: 2.0 kB / 2.0 kB, 1.0 kB/s, done in 1 s (resumed at 1.0 kB)"), lines);
    }

    @Test
    void units() {
        assertEquals("999 B", Progress.bytes(999));
        assertEquals("1.5 GB", Progress.bytes(1_500_000_000L));
        assertEquals("2 h 3 min", Progress.duration(7380));
    }
}
