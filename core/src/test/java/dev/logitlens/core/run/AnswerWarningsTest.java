package dev.logitlens.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logitlens.core.BuildListener;
import dev.logitlens.core.gallery.Gallery;
import dev.logitlens.core.gallery.GalleryParser;
import dev.logitlens.core.lens.Answer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A continuation the demo model's word-level tokenizer does not know: the run still succeeds, the log says
 * where the continuation was written and what it maps to, and the group is measured as the unknown token.
 */
class AnswerWarningsTest {
    @TempDir
    Path dir;

    @Test
    void unknownContinuationIsWarnedWithItsLocation() throws Exception {
        Path model = Path.of("..", "prompts", "models", "demo-gpt2").toAbsolutePath().normalize();
        Path file = dir.resolve("logitlens.yaml");
        Files.writeString(file, String.join("\n",
                "models: [{id: m, path: '" + model + "', device: cpu}]",
                "prompts:",
                "  - id: p",
                "    text: The capital of France is",
                "    expect: \" Paris\"",
                "    compare: {odd: \" Zürich\", none: {text: \" \", match: prefix}}",
                ""));
        Gallery g = GalleryParser.parse(file);
        List<String> warnings = new ArrayList<>();
        BuildListener listener = new BuildListener() {
            @Override
            public void info(String line) {
            }

            @Override
            public void warn(String line) {
                warnings.add(line);
            }
        };
        List<RunOutcome> out = new GalleryCollector(new GalleryCollector.Options(null, null, true), listener).collect(g);
        assertTrue(out.get(0).ok());
        assertEquals(List.of(
                "m × p: " + file + ":6:20: compare group 'odd': \" Zürich\" maps to the unknown token <unk>, so its "
                        + "probability is that of every unknown word",
                "m × p: " + file + ":6:44: compare group 'none': \" \" maps to no token (no vocabulary token is a prefix "
                        + "of it); it adds nothing to its group"), warnings);
        List<Answer> answers = out.get(0).result().answers();
        assertEquals(List.of(Answer.EXPECT, "odd", "none"), answers.stream().map(Answer::name).toList());
        assertEquals(0, answers.get(1).ids()[0]); // <unk>
        assertEquals(0, answers.get(2).ids().length);
        assertTrue(answers.get(0).contains(out.get(0).result().finalTop1()[out.get(0).result().numPositions() - 1]));
    }
}
