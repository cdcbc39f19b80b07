package dev.logitlens.core.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportEntryTest {
    @TempDir
    Path tmp;

    private Path write(String models) throws IOException {
        Path file = tmp.resolve("g.yaml");
        Files.writeString(file, "models:\n" + models + "prompts:\n  - {id: p, text: hi}\n");
        return file;
    }

    @Test
    void importIsAThirdKindOfModel() throws IOException {
        ModelEntry m = GalleryParser.parse(write("  - {id: far, import: runs/far}\n")).models().get(0);
        assertTrue(m.isImported());
        assertEquals(tmp.resolve("runs/far"), m.importDir());
        assertEquals("import:runs/far", m.source());
    }

    @Test
    void importWithPathRepoOrRevisionIsLocated() throws IOException {
        Path a = write("  - id: far\n    path: m\n    import: runs/far\n");
        assertEquals(a + ":4:5: model 'far' has both import and path. Keep import for runs collected elsewhere"
                + " (a folder of <prompt-id>.json documents) or path to compute them, not both.",
                assertThrows(GalleryException.class, () -> GalleryParser.parse(a)).getMessage());
        Path b = write("  - id: far\n    import: runs/far\n    revision: main\n");
        assertEquals(b + ":4:5: revision only applies to repo, and model 'far' uses import. Remove revision.",
                assertThrows(GalleryException.class, () -> GalleryParser.parse(b)).getMessage());
    }
}
