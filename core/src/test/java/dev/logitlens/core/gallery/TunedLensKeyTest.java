package dev.logitlens.core.gallery;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gallery's tunedLens key: local folders, hub repos of both types, and located errors. */
class TunedLensKeyTest {
    @TempDir
    Path dir;

    private Gallery parse(String... modelLines) throws IOException {
        StringBuilder y = new StringBuilder("models:\n");
        for (String l : modelLines) {
            y.append(l).append('\n');
        }
        y.append("prompts:\n  - id: p\n    text: Hello\n");
        Path file = dir.resolve("g/logitlens.yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, y.toString(), StandardCharsets.UTF_8);
        return GalleryParser.parse(file);
    }

    private String error(String... modelLines) {
        return assertThrows(GalleryException.class, () -> parse(modelLines)).getMessage();
    }

    @Test
    void localAndHubLenses() throws IOException {
        Gallery g = parse(
                "  - id: gpt2",
                "    repo: openai-community/gpt2",
                "    tunedLens: {repo: AlignmentResearch/tuned-lens, type: space, path: lens/gpt2}",
                "  - id: mine",
                "    path: models/mine",
                "    tunedLens: {path: lenses/mine}",
                "  - id: plain",
                "    path: models/plain");
        TunedLensSpec hub = g.models().get(0).tunedLens();
        assertEquals("AlignmentResearch/tuned-lens", hub.repo());
        assertEquals("space", hub.repoType());
        assertEquals("lens/gpt2", hub.pathAsWritten());
        assertEquals("main", hub.revision());
        assertEquals("space AlignmentResearch/tuned-lens:lens/gpt2@main", hub.label());
        TunedLensSpec local = g.models().get(1).tunedLens();
        assertTrue(local.isLocal());
        assertEquals(dir.resolve("g/lenses/mine"), local.dir());
        assertEquals(7, local.location().line());
        assertNull(g.models().get(2).tunedLens());
        assertEquals("model", parse("  - id: a", "    path: m", "    tunedLens: {repo: me/lenses, path: a/}")
                .models().get(0).tunedLens().repoType());
    }

    @Test
    void errorsPointAtTheKey() {
        String m = error("  - id: a", "    path: m", "    tunedLens: lenses/a");
        assertTrue(m.contains("logitlens.yaml:4:") && m.contains("tunedLens of model 'a' must be a mapping"), m);
        m = error("  - id: a", "    path: m", "    tunedLens: {path: l, type: space}");
        assertTrue(m.contains(":4:") && m.contains("type only applies to a lens in a hub repo"), m);
        m = error("  - id: a", "    path: m", "    tunedLens: {repo: x/y, type: dataset, path: l}");
        assertTrue(m.contains("type 'dataset'") && m.contains("type: space"), m);
        m = error("  - id: a", "    path: m", "    tunedLens: {repo: x/y, paht: l}");
        assertTrue(m.contains("unknown key 'paht'") && m.contains("path"), m);
        m = error("  - id: a", "    path: m", "    tunedLens: {revision: main}");
        assertTrue(m.contains("revision only applies"), m);
        m = error("  - id: a", "    path: m", "    tunedLens: {}");
        assertTrue(m.contains("has neither path nor repo"), m);
        m = error("  - id: a", "    path: m", "    tunedLens: {repo: x/y, path: ../up}");
        assertTrue(m.contains("no '..'"), m);
    }
}
