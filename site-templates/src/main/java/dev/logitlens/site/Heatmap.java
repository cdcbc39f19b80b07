package dev.logitlens.site;

import dev.logitlens.core.lens.LensResult;
import java.util.ArrayList;
import java.util.List;

/**
 * Server-rendered heatmaps: cells coloured by the top-1 probability, drawn as one SVG path per colour
 * bucket (horizontal runs merged), so a thumbnail costs a few hundred bytes instead of one element per cell.
 * Colours live in lens.css as classes {@code q0}..{@code q9}, shared with the widget and both themes.
 */
final class Heatmap {
    /** Number of colour buckets ({@code q0}..{@code q9}). */
    static final int BUCKETS = 10;

    /** A heatmap ready for the templates. */
    record Svg(String viewBox, List<PathData> paths, List<Mark> marks) {
    }

    /** All cells of one colour bucket. */
    record PathData(String cls, String d) {
    }

    /** An outlined cell (where the answer settles). */
    record Mark(int x, int y, int width, int height) {
    }

    private Heatmap() {
    }

    /** Bucket of a value in [0, 1]; NaN counts as 0. The widget's {@code bucket()} does the same. */
    static int bucket(double t) {
        if (!(t > 0)) {
            return 0;
        }
        return (int) Math.min(BUCKETS - 1, Math.floor(t * BUCKETS));
    }

    /** Probability of the top-1 token of a cell. */
    static float top1Prob(LensResult r, int li, int pos) {
        return r.prob(li, pos, r.topk()[li][pos][0]);
    }

    /**
     * Layer indices to show when only {@code maxCols} fit: a uniform stride counted back from the last
     * layer, so the last layer is always shown. The widget's {@code visibleCols()} does the same.
     */
    static int[] strideColumns(int numLayers, int maxCols) {
        if (numLayers <= maxCols) {
            int[] all = new int[numLayers];
            for (int i = 0; i < numLayers; i++) {
                all[i] = i;
            }
            return all;
        }
        int n = Math.max(2, maxCols);
        int stride = (numLayers - 1 + n - 2) / (n - 1);
        int count = (numLayers - 1) / stride + 1;
        int[] cols = new int[count];
        for (int c = 0; c < count; c++) {
            cols[c] = numLayers - 1 - (count - 1 - c) * stride;
        }
        return cols;
    }

    /** A small thumbnail: the last {@code maxRows} positions, at most {@code maxCols} strided layers. */
    static Svg thumbnail(LensResult r, int maxRows, int maxCols) {
        int[] cols = strideColumns(r.numLayers(), maxCols);
        int rows = Math.min(maxRows, r.numPositions());
        int firstPos = r.numPositions() - rows;
        int[] edges = new int[cols.length + 1];
        for (int c = 0; c <= cols.length; c++) {
            edges[c] = c;
        }
        return build(r, cols, edges, firstPos, 1, "0 0 " + cols.length + " " + rows, false);
    }

    /**
     * Full heatmap with columns placed by relative depth (0..1000 user units), so models of different
     * depth line up: layer {@code layers[i]} spans from the previous lensed layer's end to
     * {@code (layers[i] + 1) / (layers[L-1] + 1)}. Rows are 10 units; the last position's settle cell is
     * outlined.
     */
    static Svg byDepth(LensResult r) {
        int l = r.numLayers();
        int[] cols = new int[l];
        int[] edges = new int[l + 1];
        double depth = r.layers()[l - 1] + 1.0;
        for (int i = 0; i < l; i++) {
            cols[i] = i;
            edges[i + 1] = (int) Math.round(1000 * (r.layers()[i] + 1) / depth);
        }
        edges[0] = 0;
        return build(r, cols, edges, 0, 10, "0 0 1000 " + 10 * r.numPositions(), true);
    }

    /** Relative depth (0..1] of layer index {@code li}: the fraction of the model computed after it. */
    static double relativeDepth(LensResult r, int li) {
        return (r.layers()[li] + 1.0) / (r.layers()[r.numLayers() - 1] + 1.0);
    }

    private static Svg build(LensResult r, int[] cols, int[] edges, int firstPos, int rowH, String viewBox,
                             boolean markSettle) {
        StringBuilder[] d = new StringBuilder[BUCKETS];
        for (int b = 0; b < BUCKETS; b++) {
            d[b] = new StringBuilder();
        }
        int width = edges[cols.length];
        d[0].append("M0 0h").append(width).append('v').append(rowH * (r.numPositions() - firstPos))
                .append("H0z"); // background in bucket 0; only stronger cells are drawn on top
        for (int pos = firstPos; pos < r.numPositions(); pos++) {
            int y = (pos - firstPos) * rowH;
            int c = 0;
            while (c < cols.length) {
                int b = bucket(top1Prob(r, cols[c], pos));
                int end = c + 1;
                while (end < cols.length && bucket(top1Prob(r, cols[end], pos)) == b) {
                    end++;
                }
                if (b > 0) {
                    int w = edges[end] - edges[c];
                    d[b].append('M').append(edges[c]).append(' ').append(y)
                            .append('h').append(w).append('v').append(rowH).append('h').append(-w).append('z');
                }
                c = end;
            }
        }
        List<PathData> paths = new ArrayList<>();
        for (int b = 0; b < BUCKETS; b++) {
            if (!d[b].isEmpty()) {
                paths.add(new PathData("q" + b, d[b].toString()));
            }
        }
        List<Mark> marks = new ArrayList<>();
        int last = r.numPositions() - 1;
        int settle = r.settleLayerIndex(last);
        if (markSettle && settle >= 0) {
            marks.add(new Mark(edges[settle], (last - firstPos) * rowH, edges[settle + 1] - edges[settle], rowH));
        }
        return new Svg(viewBox, List.copyOf(paths), List.copyOf(marks));
    }
}
