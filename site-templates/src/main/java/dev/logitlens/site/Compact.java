package dev.logitlens.site;

import java.util.ArrayList;
import java.util.List;

/**
 * The site's own stylesheet and script as written into a site: indentation, blank lines and comments that
 * stand on lines of their own removed, every other line kept whole (so no statement is joined to another
 * and automatic semicolons stay where they were). The sources stay commented; the budget counts what ships.
 * Relies on the sources' style: no comment starts inside a string, no string spans lines.
 */
final class Compact {
    private Compact() {
    }

    static String text(String source) {
        List<String> out = new ArrayList<>();
        boolean inComment = false;
        for (String line : source.split("\n", -1)) {
            String t = line.strip();
            if (inComment) {
                inComment = !t.endsWith("*/");
                continue;
            }
            if (t.startsWith("/*")) {
                inComment = !t.endsWith("*/") || t.equals("/*");
                continue;
            }
            if (t.isEmpty() || t.startsWith("//")) {
                continue;
            }
            out.add(t);
        }
        return String.join("\n", out) + "\n";
    }
}
