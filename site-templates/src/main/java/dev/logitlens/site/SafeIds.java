package dev.logitlens.site;

import dev.logitlens.core.gallery.Ids;

/**
 * Ids become file and folder names ({@code models/<id>.html}, {@code runs/<model>/<prompt>.html}); they come
 * from user configuration, so anything that could escape the output folder or clash is rejected, not
 * silently rewritten (the pipeline names the data files after the same ids, and both must agree). The rule
 * is core's {@link Ids}, the one the gallery parser applies, so a gallery that parses never fails here.
 */
public final class SafeIds {

    private SafeIds() {
    }

    /**
     * Returns {@code id} if it is safe as a single file-name component.
     *
     * @throws IllegalArgumentException naming the id and what is allowed
     */
    public static String check(String id) {
        if (!Ids.isValid(id)) {
            throw new IllegalArgumentException("id " + quote(id) + " cannot be used as a file name: use 1 to 128"
                    + " letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'"
                    + " or path separators");
        }
        return id;
    }

    /**
     * Returns {@code path} if it is a relative path below the site root made of safe segments separated by
     * {@code /} (e.g. {@code data/gpt2/france.json}): no scheme, no leading slash, no {@code ..}.
     */
    public static String checkRelativePath(String path) {
        if (path == null || path.isEmpty() || path.startsWith("/") || path.endsWith("/")) {
            throw new IllegalArgumentException("data path " + quote(path)
                    + " must be relative to the site root, like data/<model>/<prompt>.json");
        }
        for (String seg : path.split("/", -1)) {
            if (!Ids.isValid(seg)) {
                throw new IllegalArgumentException("data path " + quote(path) + " has an unsafe segment "
                        + quote(seg) + ": use letters, digits, '.', '_' or '-' separated by '/', without '..'");
            }
        }
        return path;
    }

    private static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("'");
        s.codePoints().limit(80).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.append(s.length() > 80 ? "...'" : "'").toString();
    }
}
