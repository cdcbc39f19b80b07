package dev.logitlens.site;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Line charts drawn at build time as SVG (readable without JavaScript): x is relative depth 0..1, y a linear
 * or log scale; each line may carry a band (its interval) and dots whose {@code <title>} gives the values on
 * hover. Dots keep the printed values ({@code data-*}) so a reader can check them against the downloads.
 */
final class Charts {
    static final int W = 600;
    static final int H = 230;
    private static final int LEFT = 52;
    private static final int RIGHT = 12;
    private static final int TOP = 10;
    private static final int BOTTOM = 34;

    /** A chart ready for the template. */
    record Chart(String id, String title, String note, String yLabel, String viewBox, List<Tick> xTicks,
                 List<Tick> yTicks, List<Line> lines, String axisPath) {}

    /** A labelled tick: its pixel position on its axis. */
    record Tick(String pos, String label) {}

    /** One series: polyline points, an optional band polygon ({@code area}) (null for none) and its dots. */
    record Line(String cls, String label, String points, String area, List<Dot> dots) {}

    /** One point; {@code data} are the printed numbers, in the column order of the aggregate files. */
    record Dot(String cx, String cy, String title, String layer, String depth, String mean, String lo, String hi,
               String n) {}

    /** A point to draw: x in [0, 1]; lo/hi NaN for no band there; {@code printed} are its values as text. */
    record In(double x, double y, double lo, double hi, String title, String[] printed) {}

    /** A series to draw. */
    record SeriesIn(String cls, String label, List<In> points) {}

    /** How values map to height. */
    record Scale(double min, double max, boolean log, List<Double> ticks) {
        static Scale unit() {
            return new Scale(0, 1, false, List.of(0.0, 0.25, 0.5, 0.75, 1.0));
        }

        /** 0 up to a round number above {@code max}. */
        static Scale upTo(double max) {
            double top = max > 0 ? niceCeil(max) : 1;
            List<Double> t = new ArrayList<>();
            for (int i = 0; i <= 4; i++) {
                t.add(top * i / 4);
            }
            return new Scale(0, top, false, t);
        }

        /** 1 up to the next power of ten above {@code max}: ranks. */
        static Scale ranks(double max) {
            double top = Math.pow(10, Math.max(1, Math.ceil(Math.log10(Math.max(max, 2)))));
            List<Double> t = new ArrayList<>();
            for (double v = 1; v <= top; v *= 10) {
                t.add(v);
            }
            return new Scale(1, top, true, t);
        }

        double y(double v) {
            double f = log ? (Math.log10(Math.max(v, min)) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))
                    : (v - min) / (max - min);
            f = Math.max(0, Math.min(1, f));
            return TOP + (1 - f) * (H - TOP - BOTTOM);
        }
    }

    private Charts() {}

    static double x(double depth) {
        return LEFT + depth * (W - LEFT - RIGHT);
    }

    /** At most this many dots per line: past it, every k-th point (and the last) keeps its dot, for page size. */
    static final int MAX_DOTS = 48;

    static Chart chart(String id, String title, String note, String yLabel, Scale scale, List<SeriesIn> series) {
        return chart(id, title, note, yLabel, scale, series, true);
    }

    /** @param dots whether points get hoverable dots (folded sections leave them out: the files have every value) */
    static Chart chart(String id, String title, String note, String yLabel, Scale scale, List<SeriesIn> series,
                       boolean dots) {
        List<Tick> xTicks = new ArrayList<>();
        for (double d : new double[] {0, 0.25, 0.5, 0.75, 1}) {
            xTicks.add(new Tick(px(x(d)), trim(d)));
        }
        List<Tick> yTicks = new ArrayList<>();
        for (double v : scale.ticks()) {
            yTicks.add(new Tick(px(scale.y(v)), trim(v)));
        }
        List<Line> lines = new ArrayList<>();
        for (SeriesIn s : series) {
            StringBuilder pts = new StringBuilder();
            StringBuilder upper = new StringBuilder();
            List<String> lower = new ArrayList<>();
            List<Dot> dotList = new ArrayList<>();
            int stride = (s.points().size() + MAX_DOTS - 1) / MAX_DOTS;
            for (int i = 0; i < s.points().size(); i++) {
                In p = s.points().get(i);
                String cx = px(x(p.x()));
                String cy = px(scale.y(p.y()));
                pts.append(pts.length() == 0 ? "" : " ").append(cx).append(',').append(cy);
                if (!Double.isNaN(p.lo()) && !Double.isNaN(p.hi())) {
                    upper.append(upper.length() == 0 ? "" : " ").append(cx).append(',').append(px(scale.y(p.hi())));
                    lower.add(0, cx + "," + px(scale.y(p.lo())));
                }
                if (dots && ((s.points().size() - 1 - i) % stride == 0)) { // counted back from the last point
                    String[] d = p.printed();
                    dotList.add(new Dot(cx, cy, p.title(), d[0], d[1], d[2], d[3], d[4], d[5]));
                }
            }
            String band = upper.length() == 0 ? null : upper + " " + String.join(" ", lower);
            lines.add(new Line(s.cls(), s.label(), pts.toString(), band, dotList));
        }
        double base = H - BOTTOM;
        String axis = "M" + LEFT + " " + TOP + "V" + px(base) + "H" + (W - RIGHT);
        return new Chart(id, title, note, yLabel, "0 0 " + W + " " + H, xTicks, yTicks, lines, axis);
    }

    static String px(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
        return s.isEmpty() ? "0" : s;
    }

    /** 1, 2 or 5 times a power of ten, at least {@code v}. */
    static double niceCeil(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= v - 1e-12) {
                return m * p;
            }
        }
        return 10 * p;
    }
}
