package dev.logitlens.site;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logitlens.core.lens.LensResult;
import org.junit.jupiter.api.Test;

class HeatmapTest {
    @Test
    void strideKeepsTheLastLayerAndFits() {
        assertArrayEquals(new int[] {0, 1, 2, 3}, Heatmap.strideColumns(4, 12));
        for (int layers = 2; layers <= 100; layers++) {
            for (int max = 2; max <= 30; max++) {
                int[] cols = Heatmap.strideColumns(layers, max);
                assertEquals(layers - 1, cols[cols.length - 1], "last layer always shown");
                assertTrue(cols.length <= Math.max(max, 2) && cols.length >= Math.min(layers, 2));
                for (int i = 1; i < cols.length; i++) {
                    assertEquals(cols[1] - cols[0], cols[i] - cols[i - 1], "uniform stride");
                }
            }
        }
        assertArrayEquals(new int[] {2, 5, 8, 11, 14, 17, 20, 23}, Heatmap.strideColumns(24, 12));
    }

    @Test
    void buckets() {
        assertEquals(0, Heatmap.bucket(Double.NaN));
        assertEquals(0, Heatmap.bucket(0.0999));
        assertEquals(1, Heatmap.bucket(0.1));
        assertEquals(9, Heatmap.bucket(0.95));
        assertEquals(9, Heatmap.bucket(1.0));
    }

    @Test
    void depthMapEndsAtOneAndMarksTheSettleCell() {
        LensResult r = Fixtures.result("m", new String[] {"a", " b", " c"}, 8, 3, 7);
        Heatmap.Svg svg = Heatmap.byDepth(r);
        assertEquals("0 0 1000 30", svg.viewBox());
        int settle = r.settleLayerIndex(2);
        assertEquals(settle >= 0 ? 1 : 0, svg.marks().size());
        if (settle >= 0) {
            assertEquals(Math.round(1000.0 * settle / 8), svg.marks().get(0).x());
            assertEquals(20, svg.marks().get(0).y());
        }
        // Every cell is painted exactly once: the drawn widths per row add up with the background.
        Heatmap.Svg thumb = Heatmap.thumbnail(r, 2, 4);
        assertEquals("0 0 3 2", thumb.viewBox()); // layers 1, 4, 7: stride 3 back from the last
        assertEquals("q0", thumb.paths().get(0).cls());
    }
}
