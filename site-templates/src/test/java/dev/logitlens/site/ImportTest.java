package dev.logitlens.site;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logitlens.core.build.GalleryBuild;
import dev.logitlens.core.format.RunJson;
import dev.logitlens.core.format.V2Json;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.BuildListener;
import dev.logitlens.core.run.RunOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code import:} on the project's real demo model: its runs exported as the seed's V2 documents (by the same
 * writer as every run document's V2 part) and as our own run documents, imported, and rendered.
 */
class ImportTest {
    private static final List<String> PROMPTS = List.of("The capital of France is", "The capital of Canada is",
            "If it is not full , it is");

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path gallery(String name, String models) throws IOException {
        StringBuilder y = new StringBuilder("defaults: { k: 5, device: cpu, dtype: float32 }\nmodels:\n")
                .append(models).append("prompts:\n");
        for (int i = 0; i < PROMPTS.size(); i++) {
            y.append("  - { id: p").append(i).append(", text: \"").append(PROMPTS.get(i)).append("\" }\n");
        }
        Path file = tmp.resolve(name);
        Files.writeString(file, y.toString());
        return file;
    }

    @Test
    void v2DocumentsOfARealModelImportWithTheSameTopkAndTrajectories() throws IOException {
        Path model = Path.of("..", "prompts", "models", "demo-gpt2").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(model.resolve("model.safetensors")), "the demo model is committed: " + model);
        GalleryBuild build = new GalleryBuild(BuildListener.NONE);
        List<RunOutcome> direct = build.site(GalleryBuild.Request.of(gallery("direct.yaml",
                "  - { id: demo, path: \"" + model + "\" }\n")), tmp.resolve("direct-site"),
                new SiteBuilder(null)::build).outcomes();
        assertTrue(direct.stream().allMatch(RunOutcome::ok));
        for (RunOutcome o : direct) {
            Files.createDirectories(tmp.resolve("v2"));
            Files.write(tmp.resolve("v2/" + o.promptId() + ".json"), V2Json.write(o.result(), o.modelId()));
            Files.createDirectories(tmp.resolve("own"));
            Files.write(tmp.resolve("own/" + o.promptId() + ".json"), RunJson.write(o.result(), o.provenance()));
        }

        Path site = tmp.resolve("site");
        GalleryBuild.Result imported = build.site(GalleryBuild.Request.of(gallery("imported.yaml",
                "  - { id: demo, import: v2 }\n  - { id: ours, import: own }\n")), site, new SiteBuilder(null)::build);
        assertEquals(List.of(), imported.failures().stream().toList());
        for (int i = 0; i < PROMPTS.size(); i++) {
            LensResult want = direct.get(i).result();
            LensResult v2 = imported.outcomes().get(i).result();
            // the same top-k strings and trajectories: the V2 document written back is the export (as JSON: the
            // made-up ids may list a position's tracked tokens in another order)
            assertEquals(JSON.readTree(V2Json.write(want, "demo")), JSON.readTree(V2Json.write(v2, "demo")));
            for (int li = 0; li < want.numLayers(); li++) {
                for (int pos = 0; pos < want.numPositions(); pos++) {
                    assertEquals(want.vocab().get(want.topk()[li][pos][0]), v2.vocab().get(v2.topk()[li][pos][0]));
                }
            }
            // the answer and settle layer from the strings are those the ids gave (the last layer is the model's)
            int last = want.numPositions() - 1;
            assertEquals(want.vocab().get(want.finalTop1()[last]), v2.vocab().get(v2.finalTop1()[last]));
            assertEquals(want.settleLayerIndex(last), v2.settleLayerIndex(last));
            // our own documents import losslessly
            LensResult ours = imported.outcomes().get(PROMPTS.size() + i).result();
            assertArrayEquals(want.entropy(), ours.entropy());
            assertArrayEquals(want.topk(), ours.topk());
        }

        String v2Page = Files.readString(site.resolve("runs/demo/p0.html"));
        assertTrue(v2Page.contains("class=\"notice strings-only\""), "the page says what it lacks");
        assertFalse(v2Page.contains("value=\"entropy\""), "no colouring by entropy");
        assertTrue(v2Page.contains("\"lacks\":[\"rank\",\"entropy\",\"kl\"]"));
        assertTrue(v2Page.contains("import:v2"), "the source is shown");
        String ownPage = Files.readString(site.resolve("runs/ours/p0.html"));
        assertFalse(ownPage.contains("strings-only"));
        assertTrue(ownPage.contains("value=\"entropy\""));
    }

    @Test
    void missingAndMalformedDocumentsFailTheirRunWithTheFileAndField() throws IOException {
        Files.createDirectories(tmp.resolve("v2"));
        Files.writeString(tmp.resolve("v2/p0.json"), """
                {"meta": {"version": 2, "model": "m"}, "input": ["a"], "layers": [0],
                 "topk": [[["b"]]], "tracked": [{"b": [1.5]}]}
                """);
        Files.writeString(tmp.resolve("v2/p1.json"), "{\"meta\": {\"version\": 2}, \"input\": [\"a\"], \"layers\": [0]}");
        GalleryBuild.Result r = new GalleryBuild(BuildListener.NONE).site(GalleryBuild.Request.of(
                gallery("g.yaml", "  - { id: far, import: v2 }\n")), tmp.resolve("site"), new SiteBuilder(null)::build);
        assertEquals(List.of("model 'far' × prompt 'p0': v2/p0.json: tracked[0].b[0]: a probability must be a finite"
                + " number in [0, 1], found 1.5",
                "model 'far' × prompt 'p1': v2/p1.json: topk: missing",
                "model 'far' × prompt 'p2': import: v2/p2.json not found (resolved to " + tmp.resolve("v2/p2.json")
                        + "). Save one document per prompt there, named <prompt-id>.json: the tutorial's to_js_format"
                        + " output or a logitlens run document"),
                r.outcomes().stream().map(RunOutcome::message).toList());
        assertTrue(Files.isRegularFile(tmp.resolve("site/runs/far/p0.html")), "failed runs still get their page");
    }
}
