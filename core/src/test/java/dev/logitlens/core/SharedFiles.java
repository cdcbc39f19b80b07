package dev.logitlens.core;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Finds the read-only {@code shared/} folder that sits beside the project on developer machines. */
public final class SharedFiles {
    private SharedFiles() {}

    /** {@code shared/<relative>}, searched upwards from the working directory; skips the test when absent. */
    public static Path require(String relative) {
        Path dir = Path.of("").toAbsolutePath();
        for (int i = 0; i < 4 && dir != null; i++, dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve(relative);
            if (Files.exists(candidate)) {
                return candidate;
            }
        }
        assumeTrue(false, "shared/" + relative + " is absent (it sits beside the project on developer machines only)");
        return null;
    }
}
