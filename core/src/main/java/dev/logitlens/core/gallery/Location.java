package dev.logitlens.core.gallery;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A place in a gallery file. Lines and columns are 1-based, as editors show them; a line of 0 means
 * "the file as a whole" (for example when it does not exist).
 *
 * @param file the file as it was named (relative paths stay relative, so messages match what the user typed)
 * @param line 1-based line, or 0 when the problem concerns the whole file
 * @param column 1-based column, or 0 when {@code line} is 0
 */
public record Location(Path file, int line, int column) {

    public Location {
        Objects.requireNonNull(file, "file");
        if (line < 0 || column < 0) {
            throw new IllegalArgumentException("line and column must not be negative: " + line + ":" + column);
        }
    }

    /** The whole file, without a line. */
    public static Location of(Path file) {
        return new Location(file, 0, 0);
    }

    /** {@code logitlens.yaml:12:5}, or just {@code logitlens.yaml} for the whole file. */
    @Override
    public String toString() {
        return line == 0 ? file.toString() : file + ":" + line + ":" + column;
    }
}
