package dev.logitlens.core.gallery;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parameter counts as people write them: {@code 7B}, {@code 0.5B}, {@code 160M}, {@code 1.2e9}, {@code 124000000}. */
public final class ParameterCount {
    private static final Pattern WRITTEN = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmbt]?)", Pattern.CASE_INSENSITIVE);
    /** A size inside a model name, between separators: {@code Llama-3.2-1B}, {@code pythia-160m}, {@code Qwen2.5-0.5B}. */
    private static final Pattern IN_NAME = Pattern.compile("(?:^|[-_./])(\\d+(?:\\.\\d+)?)([mb])(?=$|[-_./])",
            Pattern.CASE_INSENSITIVE);

    private ParameterCount() {}

    /** The count, or null when the text is not one. */
    public static Long parse(String text) {
        String t = text.strip();
        try {
            if (t.toLowerCase(Locale.ROOT).contains("e")) {
                BigDecimal d = new BigDecimal(t);
                return d.signum() > 0 ? d.longValue() : null;
            }
        } catch (NumberFormatException e) {
            return null;
        }
        Matcher m = WRITTEN.matcher(t);
        if (!m.matches()) {
            return null;
        }
        long count = scale(new BigDecimal(m.group(1)), m.group(2));
        return count > 0 ? count : null;
    }

    /** The size a model's name states ({@code meta-llama/Llama-3.2-1B}: 1B), the last one when it has several. */
    public static Optional<Long> fromName(String name) {
        Matcher m = IN_NAME.matcher(name);
        Long found = null;
        while (m.find()) {
            found = scale(new BigDecimal(m.group(1)), m.group(2));
        }
        return Optional.ofNullable(found).filter(c -> c > 0);
    }

    private static long scale(BigDecimal number, String unit) {
        int zeros = switch (unit.toLowerCase(Locale.ROOT)) {
            case "k" -> 3;
            case "m" -> 6;
            case "b" -> 9;
            case "t" -> 12;
            default -> 0;
        };
        return number.scaleByPowerOfTen(zeros).longValue();
    }
}
