package dev.logitlens.core.format;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Floats printed as Python prints them, digit for digit, computed with BigDecimal so every JVM prints the
 * same text (no {@code Float.toString}, whose digits changed between JDKs).
 */
final class PythonFloats {
    private PythonFloats() {}

    /**
     * The shortest decimal that reads back as exactly {@code v} (at most 9 significant digits), printed
     * as Python's {@code repr} prints floats.
     */
    static String exact(float v) {
        if (v == 0f) {
            return (Float.floatToRawIntBits(v) < 0) ? "-0.0" : "0.0";
        }
        BigDecimal full = new BigDecimal(v);
        for (int digits = 1; digits < 9; digits++) {
            BigDecimal candidate = full.round(new MathContext(digits, RoundingMode.HALF_EVEN));
            if (Float.parseFloat(candidate.toString()) == v) {
                return repr(candidate);
            }
        }
        return repr(full.round(new MathContext(9, RoundingMode.HALF_EVEN)));
    }

    /**
     * What Python prints for {@code round(v, 5)} of a float32 widened to a double: the exact binary value
     * rounded half-even to 5 decimals, then its shortest repr (which is that decimal itself).
     */
    static String round5(float v) {
        return repr(new BigDecimal(v).setScale(5, RoundingMode.HALF_EVEN));
    }

    /** Python's float repr of a decimal: plain for 1e-4 <= |x| < 1e16, else {@code 1.5e-05}; always a dot or e. */
    static String repr(BigDecimal value) {
        BigDecimal d = value.stripTrailingZeros();
        if (d.signum() == 0) {
            return value.signum() < 0 ? "-0.0" : "0.0";
        }
        String digits = d.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - d.scale(); // power of ten of the leading digit
        String sign = d.signum() < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String plain = d.abs().toPlainString();
            return sign + (plain.indexOf('.') < 0 ? plain + ".0" : plain);
        }
        StringBuilder b = new StringBuilder(sign).append(digits.charAt(0));
        if (digits.length() > 1) {
            b.append('.').append(digits, 1, digits.length());
        }
        b.append('e').append(exponent < 0 ? '-' : '+');
        int abs = Math.abs(exponent);
        if (abs < 10) {
            b.append('0');
        }
        return b.append(abs).toString();
    }
}
