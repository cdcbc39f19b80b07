package dev.logitlens.site;

/**
 * How token strings are shown: whitespace made visible, control characters spelled out. The widget's
 * {@code show()} in lens.js applies the same mapping in the browser.
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
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
