package dev.logitlens.site;

/**
 * Makes a JSON text safe to place inside a {@code <script type="application/json">} element: the HTML
 * parser ends a script element at {@code </script} and treats {@code <!--} specially, and older JavaScript
 * parsers reject raw U+2028/U+2029. Those characters can only occur inside JSON strings, where a
 * {@code \\uXXXX} escape means the same thing, so the data reads back unchanged with {@code JSON.parse}.
 * Unpaired surrogates are escaped too, so the page can always be written as valid UTF-8.
 */
final class ScriptJson {
    private ScriptJson() {
    }

    static String escape(String json) {
        StringBuilder b = new StringBuilder(json.length() + 16);
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < json.length()
                    && Character.isLowSurrogate(json.charAt(i + 1));
            if (paired) {
                b.append(c).append(json.charAt(++i));
            } else if (c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029'
                    || Character.isSurrogate(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
