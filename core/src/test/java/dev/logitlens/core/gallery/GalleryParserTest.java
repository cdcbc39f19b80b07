package dev.logitlens.core.gallery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logitlens.core.UserInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GalleryParserTest {

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

    private Path fullGallery() throws IOException {
        write("g/prompts/shakespeare.yaml",
                "prompts:",
                "  - id: hamlet",
                "    text: To be, or not to be",
                "    tags: [literature, drama]",
                "  - include: more/sonnets.yaml");
        write("g/prompts/more/sonnets.yaml",
                "- id: sonnet18",
                "  text: Shall I compare thee to a summer's");
        return write("g/logitlens.yaml",
                "title: Where do facts appear?",
                "defaults: { k: 7, layers: \"-4:\", device: cpu, dtype: float32 }",
                "models:",
                "  - id: gpt2",
                "    path: ../models/gpt2",
                "  - id: llama",
                "    repo: meta-llama/Llama-3.2-1B",
                "    label: Llama 3.2 1B",
                "    k: 10",
                "    dtype: bfloat16",
                "prompts:",
                "  - id: france",
                "    text: \"  The capital of France is \"",
                "    tags: [facts]",
                "    layers: [0, -1]",
                "  - include: prompts/shakespeare.yaml",
                "  - id: plain",
                "    text: Hello",
                "    k: 3",
                "runs: all");
    }

    @Test
    void parsesFullGalleryWithNestedIncludesAndMergesSettings() throws IOException {
        Path file = fullGallery();
        Gallery g = GalleryParser.parse(file);

        assertEquals("Where do facts appear?", g.title());
        assertEquals(file, g.file());

        ModelEntry gpt2 = g.models().get(0);
        assertEquals("gpt2", gpt2.id());
        assertEquals("gpt2", gpt2.label());
        assertEquals(dir.resolve("models/gpt2"), gpt2.path());
        assertEquals("../models/gpt2", gpt2.pathAsWritten());
        assertNull(gpt2.repo());
        assertNull(gpt2.revision());
        assertEquals(new Location(file, 4, 5), gpt2.location());

        ModelEntry llama = g.models().get(1);
        assertEquals("Llama 3.2 1B", llama.label());
        assertNull(llama.path());
        assertEquals("meta-llama/Llama-3.2-1B", llama.repo());
        assertEquals("main", llama.revision());
        assertEquals(new Settings(10, null, null, "bfloat16"), llama.settings());

        assertEquals(List.of("france", "hamlet", "sonnet18", "plain"),
                g.prompts().stream().map(PromptEntry::id).toList());
        PromptEntry france = g.prompts().get(0);
        assertEquals("  The capital of France is ", france.text(), "prompt text is kept verbatim");
        assertEquals(List.of("facts"), france.tags());
        assertEquals(List.of("literature", "drama"), g.prompts().get(1).tags());
        assertEquals(new Location(dir.resolve("g/prompts/shakespeare.yaml"), 2, 5), g.prompts().get(1).location());
        assertEquals(new Location(dir.resolve("g/prompts/more/sonnets.yaml"), 1, 3), g.prompts().get(2).location());
        assertEquals("Shall I compare thee to a summer's", g.prompts().get(2).text());

        // runs: all is model-major.
        assertEquals(8, g.runs().size());
        assertEquals(List.of("gpt2/france", "gpt2/hamlet", "gpt2/sonnet18", "gpt2/plain",
                        "llama/france", "llama/hamlet", "llama/sonnet18", "llama/plain"),
                g.runs().stream().map(r -> r.model().id() + "/" + r.prompt().id()).toList());

        // defaults < model < prompt
        assertEquals(new Settings(7, LayerSpec.of(0, -1), "cpu", "float32", "auto"), g.runs().get(0).settings());
        assertEquals(new Settings(7, LayerSpec.slice(-4, null, null), "cpu", "float32", "auto"), g.runs().get(1).settings());
        assertEquals(new Settings(3, LayerSpec.slice(-4, null, null), "cpu", "float32", "auto"), g.runs().get(3).settings());
        assertEquals(new Settings(10, LayerSpec.of(0, -1), "cpu", "bfloat16", "auto"), g.runs().get(4).settings());
        assertEquals(new Settings(3, LayerSpec.slice(-4, null, null), "cpu", "bfloat16", "auto"), g.runs().get(7).settings());
    }

    @Test
    void commandLineOverridesWinOverEverything() throws IOException {
        Gallery g = GalleryParser.parse(fullGallery(), new Settings(2, null, "cuda:1", null));
        for (Run run : g.runs()) {
            assertEquals(2, run.settings().k());
            assertEquals("cuda:1", run.settings().device());
        }
        assertEquals(LayerSpec.of(0, -1), g.runs().get(4).settings().layers());
        assertEquals("bfloat16", g.runs().get(4).settings().dtype());
    }

    @Test
    void builtInDefaultsApplyWhenNothingIsSet() throws IOException {
        Path file = write("logitlens.yaml",
                "models: [{id: m, path: m}]",
                "prompts: [{id: p, text: x}]");
        Gallery g = GalleryParser.parse(file);
        assertEquals(GalleryParser.DEFAULT_TITLE, g.title());
        assertEquals(Settings.BUILT_IN, g.runs().get(0).settings());
        assertEquals(dir.resolve("m"), g.models().get(0).path());
    }

    @Test
    void layerErrorsFoundLaterPointAtWhereLayersWereWritten() throws IOException {
        Path file = fullGallery();
        Run gpt2France = GalleryParser.parse(file).runs().get(0);
        assertArrayEquals(new int[] {0, 11}, gpt2France.layerIndices(12));
        GalleryException e = assertThrows(GalleryException.class, () -> gpt2France.layerIndices(1));
        assertEquals(file + ":15:13: layers: [0, -1] all name layer 0 of a 1-layer model (model 'gpt2', prompt "
                + "'france'). Change layers so that it fits every model it applies to.", e.getMessage());

        Run fromCli = GalleryParser.parse(file, new Settings(null, LayerSpec.of(99), null, null)).runs().get(0);
        UserInputException cli = assertThrows(UserInputException.class, () -> fromCli.layerIndices(3));
        assertEquals("layers: [99] is out of range for a 3-layer model (valid: 0..2 or -3..-1) (model 'gpt2', prompt"
                + " 'france'). The value comes from logitlens.layers; change it so that it fits every model.",
                cli.getMessage());
    }

    @Test
    void explicitRunsKeepTheirOrder() throws IOException {
        Path file = write("logitlens.yaml",
                "models:",
                "  - {id: a, path: a}",
                "  - {id: b, path: b, k: 9}",
                "prompts:",
                "  - {id: x, text: one}",
                "  - {id: y, text: two}",
                "runs:",
                "  - {model: b, prompt: y}",
                "  - model: a",
                "    prompt: y",
                "  - {model: b, prompt: x}");
        Gallery g = GalleryParser.parse(file);
        assertEquals(List.of("b/y", "a/y", "b/x"),
                g.runs().stream().map(r -> r.model().id() + "/" + r.prompt().id()).toList());
        assertEquals(9, g.runs().get(0).settings().k());
        assertEquals(5, g.runs().get(1).settings().k());
    }

    // ---- errors, with exact messages ----

    @Test
    void unknownKeyGetsASuggestion() throws IOException {
        Path file = write("logitlens.yaml",
                "models:",
                "  - id: gpt2",
                "    path: ../models/gpt2",
                "  - id: llama",
                "    repo: meta-llama/Llama-3.2-1B",
                "    revision: main",
                "    lables: Llama",
                "prompts: [{id: p, text: x}]");
        assertEquals(file + ":7:5: unknown key 'lables' in model 'llama'. Did you mean 'label'?", error(file));
    }

    @Test
    void unknownKeyWithoutCloseMatchListsAllowedKeys() throws IOException {
        Path file = write("logitlens.yaml",
                "models: [{id: m, path: m}]",
                "prompts:",
                "  - id: p",
                "    text: x",
                "    colour: red");
        assertEquals(file + ":5:5: unknown key 'colour' in prompt 'p'. Allowed keys: id, text, tags, k, layers, expect, compare, match.",
                error(file));
    }

    @Test
    void yamlSyntaxErrorHasLineAndColumn() throws IOException {
        Path file = write("logitlens.yaml",
                "models:",
                "  - id: m",
                "    path: [m",
                "prompts: [{id: p, text: x}]");
        assertEquals(file + ":4:8: invalid YAML: expected ',' or ']', but got : (while parsing a flow sequence at "
                + "line 3, column 11). Fix the YAML syntax: indent with spaces, close brackets and quotes, and "
                + "quote text that contains ': ' or starts with a special character.", error(file));
    }

    @Test
    void duplicatePromptIdAcrossAnIncludeNamesBothPlaces() throws IOException {
        Path included = write("prompts/more.yaml",
                "- id: other",
                "  text: y",
                "- id: france",
                "  text: The capital of France is");
        Path file = write("logitlens.yaml",
                "models: [{id: m, path: m}]",
                "prompts:",
                "  - id: france",
                "    text: Paris is the capital of",
                "  - include: prompts/more.yaml");
        assertEquals(included + ":3:7: duplicate prompt id 'france'; it is already used at " + file
                + ":3:9. Rename one of them.", error(file));
    }

    @Test
    void missingIncludeNamesTheResolvedPath() throws IOException {
        write("sub/nested.yaml",
                "- id: a",
                "  text: x",
                "- include: ../missing/prompts.yaml");
        Path file = write("logitlens.yaml",
                "models: [{id: m, path: m}]",
                "prompts:",
                "  - include: sub/nested.yaml");
        assertEquals(dir.resolve("sub/nested.yaml") + ":3:12: include file not found: "
                + dir.resolve("missing/prompts.yaml") + ". Includes are resolved against the directory of the file "
                + "that contains them (" + dir.resolve("sub/nested.yaml") + "); check the path.", error(file));
    }

    @Test
    void includeCycleIsReported() throws IOException {
        Path a = write("a.yaml", "- include: b.yaml");
        Path b = write("b.yaml", "- {id: p, text: x}", "- include: a.yaml");
        Path file = write("logitlens.yaml",
                "models: [{id: m, path: m}]",
                "prompts:",
                "  - include: a.yaml");
        assertEquals(b + ":2:12: include cycle: " + file + " -> " + a + " -> " + b + " -> " + a
                + ". Remove one of these includes.", error(file));
    }

    @Test
    void unknownModelInRunsGetsASuggestion() throws IOException {
        Path file = write("logitlens.yaml",
                "models:",
                "  - {id: gpt2, path: m}",
                "  - {id: llama, path: l}",
                "prompts: [{id: p, text: x}]",
                "runs:",
                "  - {model: llama, prompt: p}",
                "  - {model: gtp2, prompt: p}");
        assertEquals(file + ":7:13: unknown model 'gtp2' in runs entry #2. Did you mean 'gpt2'?", error(file));
    }

    @Test
    void unknownPromptInRunsListsKnownOnes() throws IOException {
        Path file = write("logitlens.yaml",
                "models: [{id: m, path: m}]",
                "prompts: [{id: france, text: x}, {id: hamlet, text: y}]",
                "runs: [{model: m, prompt: zzz}]");
        assertEquals(file + ":3:27: unknown prompt 'zzz' in runs entry #1. Known prompts: france, hamlet.",
                error(file));
    }

    @Test
    void duplicateRunIsRejected() throws IOException {
        Path file = write("logitlens.yaml",
                "models: [{id: m, path: m}]",
                "prompts: [{id: p, text: x}]",
                "runs:",
                "  - {model: m, prompt: p}",
                "  - {model: m, prompt: p}");
        assertEquals(file + ":5:5: duplicate run: model 'm' with prompt 'p' is already listed at " + file
                + ":4:5. Remove one of them.", error(file));
    }

    @Test
    void modelWithBothPathAndRepo() throws IOException {
        Path file = write("logitlens.yaml",
                "models:",
                "  - id: gpt2",
                "    path: ../models/gpt2",
                "    repo: openai-community/gpt2",
                "prompts: [{id: p, text: x}]");
        assertEquals(file + ":4:5: model 'gpt2' has both path and repo. Keep path for a local model directory or "
                + "repo for a Hugging Face hub id, not both.", error(file));
    }

    @Test
    void modelWithNeitherPathNorRepo() throws IOException {
        Path file = write("logitlens.yaml",
                "models:",
                "  - id: gpt2",
                "    label: GPT-2",
                "prompts: [{id: p, text: x}]");
        assertEquals(file + ":2:5: model 'gpt2' has neither path nor repo. Add path: <a local Hugging Face model "
                + "directory> or repo: <a hub id such as openai-community/gpt2>.", error(file));
    }

    @Test
    void idThatEscapesTheOutputDirectoryIsRejected() throws IOException {
        Path file = write("logitlens.yaml",
                "models:",
                "  - id: ../evil",
                "    path: m",
                "prompts: [{id: p, text: x}]");
        assertEquals(file + ":2:9: model id '../evil' is not allowed: ids are used in file names and URLs. Use "
                + "1 to 128 letters, digits, '.', '_' or '-', start with a letter or digit, and do not use '..'.",
                error(file));
    }

    @Test
    void idLongerThanTheSiteAllowsIsRejectedWhereItIsWritten() throws IOException {
        String longest = "p".repeat(Ids.MAX_LENGTH);
        Path ok = write("ok.yaml", "models: [{id: m, path: m}]", "prompts: [{id: " + longest + ", text: x}]");
        assertEquals(longest, GalleryParser.parse(ok).prompts().get(0).id());
        Path file = write("logitlens.yaml", "models: [{id: m, path: m}]",
                "prompts: [{id: " + longest + "q, text: x}]");
        assertEquals(file + ":2:16: prompt id '" + longest + "q' is not allowed: ids are used in file names and"
                + " URLs. Use 1 to 128 letters, digits, '.', '_' or '-', start with a letter or digit, and do not"
                + " use '..'.", error(file));
    }

    @Test
    void whitespaceOnlyPromptIsRejectedWhereItIsWritten() throws IOException {
        Path file = write("logitlens.yaml",
                "models: [{id: m, path: m}]",
                "prompts:",
                "  - id: blank",
                "    text: \"  \\t \"");
        assertEquals(file + ":4:11: text of prompt 'blank' is only whitespace: the model would see no words."
                + " Write the prompt, or remove the entry.", error(file));
    }

    @Test
    void duplicateModelIdsDifferingOnlyInCase() throws IOException {
        Path file = write("logitlens.yaml",
                "models:",
                "  - {id: gpt2, path: a}",
                "  - {id: GPT2, path: b}",
                "prompts: [{id: p, text: x}]");
        assertEquals(file + ":3:10: model id 'GPT2' differs only in case from 'gpt2' at " + file + ":2:10, and "
                + "ids become file names on file systems that may ignore case. Rename one of them.", error(file));
    }

    @Test
    void settingValuesAreChecked() throws IOException {
        Path k = write("k.yaml", "defaults: {k: 0}", "models: [{id: m, path: m}]", "prompts: [{id: p, text: x}]");
        assertEquals(k + ":1:15: k: 0 is out of range. Use a number from 1 to 1000.", error(k));

        Path quoted = write("q.yaml", "defaults: {k: \"5\"}", "models: [{id: m, path: m}]",
                "prompts: [{id: p, text: x}]");
        assertEquals(quoted + ":1:15: k: '5' is quoted, so it is text, not a number. Remove the quotes.",
                error(quoted));

        Path device = write("d.yaml", "models: [{id: m, path: m, device: gpu}]", "prompts: [{id: p, text: x}]");
        assertEquals(device + ":1:35: device: 'gpu' is not supported. Use auto, cpu, cuda or cuda:N (e.g. cuda:0).",
                error(device));

        Path dtype = write("t.yaml", "models: [{id: m, path: m, dtype: bfloat}]", "prompts: [{id: p, text: x}]");
        assertEquals(dtype + ":1:34: dtype: 'bfloat' is not supported. Did you mean 'bfloat16'?", error(dtype));

        Path layers = write("l.yaml", "models: [{id: m, path: m}]", "prompts: [{id: p, text: x, layers: [1, 2, 1]}]");
        assertEquals(layers + ":2:43: layers: 1 is listed twice. Keep one of them.", error(layers));

        Path perPromptDevice = write("pd.yaml", "models: [{id: m, path: m}]",
                "prompts: [{id: p, text: x, device: cpu}]");
        assertEquals(perPromptDevice + ":2:28: device cannot be set on prompt 'p': it applies to loading a whole "
                + "model. Set it on the model or in defaults.", error(perPromptDevice));
    }

    @Test
    void tagsMustBeAListOfStrings() throws IOException {
        Path file = write("logitlens.yaml",
                "models: [{id: m, path: m}]",
                "prompts:",
                "  - id: p",
                "    text: x",
                "    tags: facts");
        assertEquals(file + ":5:11: tags of prompt 'p' must be a list, not 'facts'. Write a list of strings, e.g. "
                + "tags: [facts, geography].", error(file));
    }

    @Test
    void noTagMayTakeTheNameOfTheSeriesOverAllRuns() throws IOException {
        Path file = write("logitlens.yaml",
                "models: [{id: m, path: m}]",
                "prompts:",
                "  - id: p",
                "    text: x",
                "    tags: [facts, \"(all)\"]");
        assertEquals(file + ":5:19: tags of prompt 'p': '(all)' names the summary's series over every run of a"
                + " model, so no tag may be called that. Rename the tag, e.g. tags: [all-prompts].", error(file));
    }

    @Test
    void emptyListsAndMissingSectionsAreErrors() throws IOException {
        Path noPrompts = write("a.yaml", "models: [{id: m, path: m}]");
        assertEquals(noPrompts + ":1:1: missing 'prompts'. Add a list of prompts, e.g. prompts: [{id: france, "
                + "text: The capital of France is}].", error(noPrompts));
        Path emptyModels = write("b.yaml", "models: []", "prompts: [{id: p, text: x}]");
        assertEquals(emptyModels + ":1:9: models is empty. Add at least one model, e.g. - {id: gpt2, path: "
                + "../models/gpt2}.", error(emptyModels));
    }

    @Test
    void missingGalleryFileSaysHowToPointAtAnother() {
        Path file = dir.resolve("nope.yaml");
        assertEquals(file + ": gallery file not found (looked for " + file + "). Create it, or point at another "
                + "gallery file with -Dlogitlens.config=path/to/gallery.yaml.", error(file));
    }

    @Test
    void duplicateYamlKeyIsAnError() throws IOException {
        Path file = write("logitlens.yaml",
                "models: [{id: m, path: m}]",
                "prompts: [{id: p, text: x}]",
                "models: [{id: n, path: n}]");
        assertEquals(file + ":3:1: duplicate key 'models' (first at " + file + ":1:1). Keep one of them.",
                error(file));
    }

    @Test
    void locationPrintsTheFileAsGiven() {
        assertEquals("logitlens.yaml:12:5", new Location(Path.of("logitlens.yaml"), 12, 5).toString());
        assertEquals("logitlens.yaml", Location.of(Path.of("logitlens.yaml")).toString());
        assertTrue(new GalleryException(new Location(Path.of("g.yaml"), 1, 2), "bad. Fix it.").getMessage()
                .equals("g.yaml:1:2: bad. Fix it."));
    }

    @Test
    void memoryIsAModelSettingWithLocatedErrors() throws IOException {
        Path ok = write("m.yaml", "defaults: {memory: stream}", "models:", "  - {id: a, path: a}",
                "  - {id: b, path: b, memory: resident}", "prompts:", "  - {id: p, text: hello}");
        Gallery g = GalleryParser.parse(ok);
        assertEquals("stream", g.runs().get(0).settings().memory());
        assertEquals("resident", g.runs().get(1).settings().memory());
        assertEquals("resident", GalleryParser.parse(ok, Settings.parse(null, null, null, null, "resident"))
                .runs().get(0).settings().memory());
        Path bad = write("bad.yaml", "models:", "  - {id: a, path: a, memory: streamed}", "prompts:",
                "  - {id: p, text: hello}");
        String e = error(bad);
        assertTrue(e.startsWith(bad + ":2:30: memory: 'streamed' is not supported."), e);
        Path perPrompt = write("pp.yaml", "models:", "  - {id: a, path: a}", "prompts:",
                "  - {id: p, text: hello, memory: stream}");
        assertTrue(error(perPrompt).contains("memory cannot be set on"), error(perPrompt));
    }
}
