package dev.logitlens.site;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

final class TestFiles {
    private TestFiles() {
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** A fresh, empty folder under target/. */
    static Path freshDir(String name) throws IOException {
        Path dir = Path.of("target", name).toAbsolutePath();
        deleteTree(dir);
        return Files.createDirectories(dir);
    }

    /** Renders {@code site} and writes its data files, as the pipeline does. */
    static Path render(SiteModel site, String name) throws IOException {
        Path out = freshDir(name);
        new SiteRenderer().render(site, out);
        Fixtures.writeDataFiles(site, out);
        return out;
    }
}
