package dev.logitlens.core.gallery;

import java.util.regex.Pattern;

/**
 * The one rule for model and prompt ids, which become file and folder names and URLs: the gallery parser
 * rejects a bad id at its location, and the site checks the same rule again before it writes files.
 */
public final class Ids {
    /** Longest id: file names stay well below every file system's limit. */
    public static final int MAX_LENGTH = 128;
    /** The rule in words, for messages. */
    public static final String RULE = "Use 1 to " + MAX_LENGTH + " letters, digits, '.', '_' or '-', start with a"
            + " letter or digit, and do not use '..'.";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0," + (MAX_LENGTH - 1) + "}");

    private Ids() {}

    /** True when {@code id} is safe as a single file-name component. */
    public static boolean isValid(String id) {
        return id != null && ID.matcher(id).matches() && !id.contains("..");
    }
}
