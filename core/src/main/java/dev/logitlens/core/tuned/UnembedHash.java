package dev.logitlens.core.tuned;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * tuned-lens's {@code unembed_hash}: the sha256 of NumPy's {@code np.array_str(W, precision=1)} of the
 * unembedding matrix as float32. A lens records it when trained; a different hash means it was probably trained
 * on another model. Reproduces NumPy ≥ 1.14's printing of a finite 2-D array: more than 1000 elements are
 * summarised to 3 leading and trailing items per axis, widths and the positional or scientific style are chosen
 * from the shown elements, lines wrap at 75 characters.
 */
public final class UnembedHash {
    private static final int THRESHOLD = 1000;
    private static final int EDGE = 3;
    private static final int LINE_WIDTH = 75;

    private UnembedHash() {}

    /** The hash of a row-major {@code [rows, cols]} matrix, or null when it holds a NaN or infinity. */
    public static String of(float[] values, int rows, int cols) {
        return of(r -> java.util.Arrays.copyOfRange(values, r * cols, r * cols + cols), rows, cols);
    }

    /** The same, reading only the rows it shows (six of a large matrix) through {@code row}. */
    public static String of(java.util.function.IntFunction<float[]> row, int rows, int cols) {
        String s = arrayStr(row, rows, cols);
        if (s == null) {
            return null;
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("The JDK lacks SHA-256", e);
        }
    }

    /** {@code np.array_str(m, precision=1)}, or null for non-finite data. */
    static String arrayStr(java.util.function.IntFunction<float[]> rowOf, int rows, int cols) {
        java.util.Map<Integer, float[]> m = new java.util.HashMap<>();
        boolean summary = (long) rows * cols > THRESHOLD;
        int[] rowIdx = shown(rows, summary);
        int[] colIdx = shown(cols, summary);
        List<Float> data = new ArrayList<>();
        for (int r : rowIdx) {
            m.put(r, rowOf.apply(r));
            for (int c : colIdx) {
                float v = m.get(r)[c];
                if (!Float.isFinite(v)) {
                    return null;
                }
                data.add(v);
            }
        }
        Format f = Format.of(data);
        boolean rowsCut = summary && rows > 2 * EDGE;
        boolean colsCut = summary && cols > 2 * EDGE;
        StringBuilder s = new StringBuilder();
        String outer = " ";
        String inner = "  ";
        int elemWidth = LINE_WIDTH - 1 - 1;   // curr_width − len("]") at the row level, minus the separator
        List<String> rowStrs = new ArrayList<>();
        for (int ri = 0; ri < rowIdx.length; ri++) {
            if (rowsCut && ri == EDGE) {
                rowStrs.add(null);
            }
            int r = rowIdx[ri];
            StringBuilder out = new StringBuilder();
            StringBuilder line = new StringBuilder(inner);
            for (int ci = 0; ci < colIdx.length; ci++) {
                if (colsCut && ci == EDGE) {
                    extend(out, line, "...", elemWidth, inner);
                    line.append(' ');
                }
                boolean last = ci == colIdx.length - 1;
                extend(out, line, f.format(m.get(r)[colIdx[ci]]), elemWidth, inner);
                if (!last) {
                    line.append(' ');
                }
            }
            out.append(line);
            rowStrs.add("[" + out.substring(inner.length()) + "]");
        }
        for (int i = 0; i < rowStrs.size(); i++) {
            String row = rowStrs.get(i);
            s.append(outer).append(row == null ? "..." : row);
            if (i < rowStrs.size() - 1) {
                s.append('\n');
            }
        }
        return "[" + s.substring(outer.length()) + "]";
    }

    /** NumPy's _extendLine: wrap before a word that would pass the width, unless the line holds only the indent. */
    private static void extend(StringBuilder out, StringBuilder line, String word, int width, String indent) {
        boolean wrap = line.length() + word.length() > width && line.length() > indent.length();
        if (wrap) {
            out.append(line.toString().stripTrailing()).append('\n');
            line.setLength(0);
            line.append(indent);
        }
        line.append(word);
    }

    private static int[] shown(int n, boolean summary) {
        if (!summary || n <= 2 * EDGE) {
            return java.util.stream.IntStream.range(0, n).toArray();
        }
        return new int[] {0, 1, 2, n - 3, n - 2, n - 1};
    }

    /** NumPy's FloatingFormat at precision 1, floatmode maxprec, sign '-'. */
    private record Format(boolean exp, int padLeft, int padRight, int fracDigits, int expSize) {
        static Format of(List<Float> data) {
            double max = 0;
            double min = Double.MAX_VALUE;
            for (float v : data) {
                double a = Math.abs((double) v);
                if (a != 0) {
                    max = Math.max(max, a);
                    min = Math.min(min, a);
                }
            }
            boolean exp = min != Double.MAX_VALUE && (max >= 1e8 || min < 0.0001 || max / min > 1000.0);
            int padLeft = 0;
            int padRight = 0;
            int expSize = 0;
            for (float v : data) {
                String s = exp ? trimmed(scientific(v, 1)) : trimmed(positional(v, 1));
                String mant = exp ? s.substring(0, s.indexOf('e')) : s;
                int dot = mant.indexOf('.');
                padLeft = Math.max(padLeft, dot);
                padRight = Math.max(padRight, mant.length() - dot - 1);
                if (exp) {
                    expSize = Math.max(expSize, s.length() - s.indexOf('e') - 2);
                }
            }
            return new Format(exp, padLeft, padRight, padRight, expSize);
        }

        String format(float v) {
            String s;
            if (exp) {
                // trim 'k' with min_digits = precision: exactly fracDigits digits after the point
                String sci = scientific(v, fracDigits);
                int e = sci.indexOf('e');
                String mant = sci.substring(0, e);
                String digits = sci.substring(e + 2);
                while (digits.length() < expSize) {
                    digits = "0" + digits;
                }
                s = mant + sci.substring(e, e + 2) + digits;
                int dot = mant.indexOf('.');
                return " ".repeat(Math.max(0, padLeft - dot)) + s;
            }
            s = trimmed(positional(v, 1));
            int dot = s.indexOf('.');
            int frac = s.length() - dot - 1;
            return " ".repeat(Math.max(0, padLeft - dot)) + s + " ".repeat(Math.max(0, padRight - frac));
        }
    }

    /** The exact value rounded half-even to {@code digits} fractional digits, always with a point. */
    private static String positional(float v, int digits) {
        BigDecimal d = new BigDecimal((double) v).setScale(digits, RoundingMode.HALF_EVEN);
        String s = d.abs().toPlainString();
        return (signBit(v) ? "-" : "") + s;
    }

    /** Mantissa with {@code digits} fractional digits, 'e', sign and at least two exponent digits. */
    private static String scientific(float v, int digits) {
        BigDecimal d = new BigDecimal(Math.abs((double) v));
        int e = 0;
        String mant;
        if (d.signum() == 0) {
            mant = BigDecimal.ZERO.setScale(digits, RoundingMode.HALF_EVEN).toPlainString();
        } else {
            e = d.precision() - d.scale() - 1;
            BigDecimal m = d.movePointLeft(e).setScale(digits, RoundingMode.HALF_EVEN);
            if (m.compareTo(BigDecimal.TEN) >= 0) {
                e++;
                m = d.movePointLeft(e).setScale(digits, RoundingMode.HALF_EVEN);
            }
            mant = m.toPlainString();
        }
        if (!mant.contains(".")) {
            mant += ".";
        }
        String exp = Integer.toString(Math.abs(e));
        if (exp.length() < 2) {
            exp = "0" + exp;
        }
        return (signBit(v) ? "-" : "") + mant + "e" + (e < 0 ? "-" : "+") + exp;
    }

    /** Trailing zeros of the fraction dropped, the point kept (NumPy's trim '.'). */
    private static String trimmed(String s) {
        int e = s.indexOf('e');
        String mant = e < 0 ? s : s.substring(0, e);
        String tail = e < 0 ? "" : s.substring(e);
        if (!mant.contains(".")) {
            mant += ".";
        }
        while (mant.endsWith("0") && mant.indexOf('.') < mant.length() - 1) {
            mant = mant.substring(0, mant.length() - 1);
        }
        return mant + tail;
    }

    private static boolean signBit(float v) {
        return (Float.floatToRawIntBits(v) & 0x80000000) != 0;
    }
}
