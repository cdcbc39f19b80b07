package dev.logitlens.site;

/**
 * How token strings are shown: whitespace made visible, characters that would render invisibly or reorder
 * the text spelled out ({@code \\x1b}, {@code \\u200b}). The widget's {@code show()} in lens.js applies the
 * same mapping in the browser.
 */
final class Tokens {
    private Tokens() {
    }

    static String display(String token) {
        if (token == null || token.isEmpty()) {
            return "\u2205"; // empty set: an empty string would be an invisible cell
        }
        StringBuilder b = new StringBuilder(token.length());
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            switch (c) {
                case ' ' -> b.append('\u2423');  // open box
                case '\n' -> b.append('\u21b5'); // downwards arrow with corner leftwards
                case '\t' -> b.append('\u21e5'); // rightwards arrow to bar
                default -> {
                    if (invisible(c)) {
                        b.append(String.format(c < 0x100 ? "\\x%02x" : "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** C0/C1 controls, soft hyphen, zero-width and bidi controls, line/paragraph separators, BOM (INVISIBLE in lens.js). */
    static boolean invisible(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0xad || c == 0x61c || c == 0x180e
                || (c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x2064)
                || (c >= 0x2066 && c <= 0x206f) || c == 0xfeff || (c >= 0xfff9 && c <= 0xfffb);
    }
}
