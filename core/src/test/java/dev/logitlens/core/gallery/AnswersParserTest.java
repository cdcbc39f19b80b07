package dev.logitlens.core.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gallery keys expect, compare and match: forms, defaults and located errors. */
class AnswersParserTest {
    @TempDir
    Path dir;

    private Path write(String name, String... lines) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    private static String error(Path gallery) {
        return assertThrows(GalleryException.class, () -> GalleryParser.parse(gallery)).getMessage();
    }

    @Test
    void formsOfExpectAndCompare() throws IOException {
        Path file = write("logitlens.yaml",
                "models: [{id: m, path: m}]",
                "prompts:",
                "  - id: a",
                "    text: The capital of France is",
                "    expect: \" Paris\"",
                "    compare: {english: \" flower\", french: [\" fleur\", \" fleurs\"], de: {text: \" Blume\", match: prefix}}",
                "  - id: b",
                "    text: x",
                "    expect: [\" Paris\", \" paris\"]",
                "    match: prefix",
                "  - id: c",
                "    text: y");
        Gallery g = GalleryParser.parse(file);
        Answers a = g.prompts().get(0).answers();
        assertEquals(List.of(" Paris"), a.expect().continuations());
        assertEquals(Answers.Match.FIRST_TOKEN, a.expect().match());
        assertEquals(new Location(file, 5, 13), a.expect().location());
        assertEquals(List.of("english", "french", "de"), List.copyOf(a.compare().keySet()));
        assertEquals(List.of(" fleur", " fleurs"), a.compare().get("french").continuations());
        assertEquals(Answers.Match.PREFIX, a.compare().get("de").match());
        assertEquals(Answers.Match.FIRST_TOKEN, a.compare().get("english").match());
        Answers b = g.prompts().get(1).answers();
        assertEquals(List.of(" Paris", " paris"), b.expect().continuations());
        assertEquals(Answers.Match.PREFIX, b.expect().match());
        assertEquals(Answers.NONE, g.prompts().get(2).answers());
    }

    @Test
    void defaultsDeclareGroupsThatEachPromptFills() throws IOException {
        write("sets/latent.yaml",
                "defaults:",
                "  match: prefix",
                "  compare: {english: {}, target: {}}",
                "prompts:",
                "  - {id: fr-flower, text: 'Français: \"fleur\" - English: \"', compare: {english: flower, target: fleur}}",
                "  - {id: fr-book, text: 'Français: \"livre\" - English: \"', compare: {english: book, target: {text: livre, match: first-token}}}");
        Path file = write("logitlens.yaml",
                "defaults: {expect: \" x\"}",
                "models: [{id: m, path: m}]",
                "prompts:",
                "  - include: sets/latent.yaml",
                "  - {id: plain, text: z}");
        Gallery g = GalleryParser.parse(file);
        Answers flower = g.prompts().get(0).answers();
        assertEquals(List.of("flower"), flower.compare().get("english").continuations());
        assertEquals(Answers.Match.PREFIX, flower.compare().get("english").match());
        assertEquals(Answers.Match.PREFIX, flower.expect().match()); // the set's match applies to inherited expect
        assertEquals(Answers.Match.FIRST_TOKEN, g.prompts().get(1).answers().compare().get("target").match());
        Answers plain = g.prompts().get(2).answers();
        assertEquals(List.of(" x"), plain.expect().continuations());
        assertEquals(Answers.Match.FIRST_TOKEN, plain.expect().match()); // outside the set: the set's defaults end
        assertEquals(0, plain.compare().size());
    }

    @Test
    void aDeclaredGroupWithoutTextIsAnErrorAtThePrompt() throws IOException {
        Path file = write("logitlens.yaml",
                "defaults: {compare: {english: {match: prefix}}}",
                "models: [{id: m, path: m}]",
                "prompts:",
                "  - {id: p, text: x}");
        assertEquals(file + ":4:5: prompt 'p' gives no text for compare group 'english', which the defaults at "
                + file + ":1:31 ask every prompt for. Add it to the prompt, e.g. compare: {english: \" Paris\"}.",
                error(file));
    }

    @Test
    void errorsAreLocated() throws IOException {
        Path badMatch = write("m.yaml",
                "models: [{id: m, path: m}]",
                "prompts: [{id: p, text: x, expect: a, match: prefx}]");
        assertEquals(badMatch + ":2:46: match of prompt 'p': 'prefx' is not a match mode. Did you mean 'prefix'?",
                error(badMatch));
        Path empty = write("e.yaml",
                "models: [{id: m, path: m}]",
                "prompts: [{id: p, text: x, expect: ['']}]");
        assertEquals(empty + ":2:37: expect of prompt 'p' holds an empty continuation. Write the continuation in "
                + "quotes, with its leading space, e.g. \" Paris\", or a list such as [\" Paris\", \" paris\"].", error(empty));
        Path reserved = write("r.yaml",
                "models: [{id: m, path: m}]",
                "prompts: [{id: p, text: x, compare: {expect: a}}]");
        assertEquals(reserved + ":2:38: a compare group cannot be called 'expect': that name is the expected "
                + "answer's. Use the expect key, or another name.", error(reserved));
        Path unknown = write("u.yaml",
                "models: [{id: m, path: m}]",
                "prompts: [{id: p, text: x, compare: {en: {txt: a}}}]");
        assertEquals(unknown + ":2:43: unknown key 'txt' in compare group 'en' in prompt 'p'. Did you mean 'text'?",
                error(unknown));
        Path twice = write("t.yaml",
                "models: [{id: m, path: m}]",
                "prompts: [{id: p, text: x, expect: [a, a]}]");
        assertEquals(twice + ":2:40: expect of prompt 'p' lists 'a' twice. Remove one.", error(twice));
    }

    @Test
    void promptWithoutAnswersHasNone() throws IOException {
        Path file = write("logitlens.yaml", "models: [{id: m, path: m}]", "prompts: [{id: p, text: x}]");
        assertNull(GalleryParser.parse(file).prompts().get(0).answers().expect());
    }
}
