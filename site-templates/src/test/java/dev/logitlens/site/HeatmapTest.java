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
        LensResult r = Fixtures.result(new String[] {"a", " b", " c"}, 8, 3, 7);
        Heatmap.Svg svg = Heatmap.byDepth(r);
        assertEquals("0 0 1000 30", svg.viewBox());
        int settle = r.settleLayerIndex(2);
        assertEquals(settle >= 0 ? 1 : 0, svg.marks().size());
        if (settle >= 0) {
            assertEquals(Math.round(1000.0 * settle / 8), svg.marks().get(0).x());
            assertEquals(20, svg.marks().get(0).y());
        }
        Heatmap.Svg thumb = Heatmap.thumbnail(r, 2, 4);
        assertEquals("0 0 3 2", thumb.viewBox()); // layers 1, 4, 7: stride 3 back from the last
        assertEquals("q0", thumb.paths().get(0).cls());
        assertEachCellPaintedOnce(svg, r, new int[] {0, 1, 2, 3, 4, 5, 6, 7}, 0, 10);
        assertEachCellPaintedOnce(thumb, r, new int[] {1, 4, 7}, 1, 1);
    }

    /**
     * Every cell is painted exactly once: the background (q0) covers the map, and each cell whose bucket is
     * above 0 is covered by exactly one rectangle, of that bucket's class; cells in bucket 0 by none.
     */
    private static void assertEachCellPaintedOnce(Heatmap.Svg svg, LensResult r, int[] layers, int firstPos,
                                                  int rowH) {
        String[] box = svg.viewBox().split(" ");
        int width = Integer.parseInt(box[2]);
        int rows = Integer.parseInt(box[3]) / rowH;
        assertEquals("M0 0h" + width + "v" + rows * rowH + "H0z", svg.paths().get(0).d());
        int[][] painted = new int[rows][width]; // bucket painted at each unit, -1 when painted twice
        java.util.regex.Matcher rect = java.util.regex.Pattern.compile("M(\\d+) (\\d+)h(\\d+)v(\\d+)h-(\\d+)z")
                .matcher("");
        for (Heatmap.PathData p : svg.paths().subList(1, svg.paths().size())) {
            int bucket = Integer.parseInt(p.cls().substring(1));
            rect.reset(p.d());
            int end = 0;
            while (rect.find(end) && rect.start() == end) {
                int x = Integer.parseInt(rect.group(1));
                int y = Integer.parseInt(rect.group(2)) / rowH;
                for (int u = x; u < x + Integer.parseInt(rect.group(3)); u++) {
                    painted[y][u] = painted[y][u] == 0 ? bucket : -1;
                }
                end = rect.end();
            }
            assertEquals(p.d().length(), end, "path " + p.cls() + " is made of cell rectangles only");
        }
        int unitsPerLayer = width / layers.length;
        for (int row = 0; row < rows; row++) {
            for (int c = 0; c < layers.length; c++) {
                int expected = Heatmap.bucket(Heatmap.top1Prob(r, layers[c], firstPos + row));
                for (int u = c * unitsPerLayer; u < (c + 1) * unitsPerLayer; u++) {
                    assertEquals(expected, painted[row][u], "row " + row + ", layer index " + layers[c]);
                }
            }
        }
    }
}
