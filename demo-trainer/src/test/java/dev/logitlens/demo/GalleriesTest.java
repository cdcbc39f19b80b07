package dev.logitlens.demo;

import dev.logitlens.core.gallery.Gallery;
import dev.logitlens.core.gallery.GalleryParser;
import dev.logitlens.core.gallery.ModelEntry;
import dev.logitlens.core.gallery.PromptEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ready galleries of the prompts module parse, and the default one fits the demo model. */
class GalleriesTest {
    static final Path PROMPTS = Path.of("..", "prompts");

    @Test
    void defaultGalleryRunsTheDemoModelOnItsVocabulary() {
        Path file = PROMPTS.resolve("logitlens.yaml");
        assertTrue(Files.isRegularFile(file), file + " is committed with the project: was it moved?");
        Gallery g = GalleryParser.parse(file);
        // the snapshots of one training run, then its last step
        List<Path> dirs = new java.util.ArrayList<>();
        for (int step : DemoTrainer.SNAPSHOTS) {
            dirs.add(DemoTrainer.snapshotDir(DemoModelTest.MODEL, step).toAbsolutePath().normalize());
        }
        dirs.add(DemoModelTest.MODEL.toAbsolutePath().normalize());
        assertEquals(dirs, g.models().stream().map(m -> m.path().toAbsolutePath().normalize()).toList());
        for (Path d : dirs) {
            assertTrue(Files.isRegularFile(d.resolve("model.safetensors")), d + " is committed");
        }
        assertTrue(g.prompts().size() >= 10, "a dozen prompts, got " + g.prompts().size());

        DemoCorpus corpus = DemoCorpus.generate(DemoCorpus.DEFAULT_SEED);
        Set<String> vocab = Set.copyOf(corpus.words());
        Set<String> heldOut = corpus.heldOut().stream().map(DemoCorpus.Example::prompt).collect(Collectors.toSet());
        Set<String> trained = corpus.train().stream().map(DemoCorpus.Example::prompt).collect(Collectors.toSet());
        for (PromptEntry p : g.prompts()) {
            for (String w : p.text().split(" ")) {
                assertTrue(vocab.contains(w), "prompt '" + p.id() + "': '" + w + "' is not in the demo vocabulary");
            }
            // Every prompt has its expected answer, and it is the corpus's answer.
            assertTrue(p.answers().expect() != null, "prompt '" + p.id() + "' has no expect");
            String expected = p.answers().expect().continuations().get(0).strip();
            assertTrue(corpus.train().stream().anyMatch(e -> e.prompt().equals(p.text()) && e.answer().equals(expected))
                    || corpus.heldOut().stream().anyMatch(e -> e.prompt().equals(p.text()) && e.answer().equals(expected)),
                    "prompt '" + p.id() + "' expects '" + expected + "', which the corpus does not answer");
            // The tag tells the truth: held-out prompts are held out, the others were trained.
            boolean tagged = p.tags().contains("held-out");
            assertTrue(tagged ? heldOut.contains(p.text()) : trained.contains(p.text()),
                    "prompt '" + p.id() + "' is " + (tagged ? "tagged held-out but is not" : "untagged but held out"));
        }
        assertTrue(g.prompts().stream().filter(p -> p.tags().contains("held-out")).count() >= 4);
        assertTrue(g.prompts().stream().filter(p -> !p.answers().compare().isEmpty()).count() >= 3);
    }

    @Test
    void demoWeightsStaySmall() throws java.io.IOException {
        long total = 0;
        try (var files = Files.list(PROMPTS.resolve("models"))) {
            for (Path d : files.toList()) {
                if (Files.isRegularFile(d.resolve("model.safetensors"))) {
                    total += Files.size(d.resolve("model.safetensors"));
                }
            }
        }
        assertTrue(total > 0 && total <= 6_000_000, "demo weights take " + total + " bytes; keep them within 6 MB");
    }

    @Test
    void latentLanguageSetComparesEnglishWithTheTarget() {
        Path file = PROMPTS.resolve("hub").resolve("latent-language.yaml");
        assertTrue(Files.isRegularFile(file), file + " is committed with the project: was it moved?");
        Gallery g = GalleryParser.parse(file);
        assertTrue(g.prompts().size() >= 10);
        for (PromptEntry p : g.prompts()) {
            assertEquals(List.of("english", "target"), List.copyOf(p.answers().compare().keySet()), p.id());
            assertEquals(dev.logitlens.core.gallery.Answers.Match.PREFIX, p.answers().compare().get("english").match());
            assertTrue(p.answers().expect() != null, p.id());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"seed", "multilingual", "arithmetic", "all"})
    void hubGalleriesParse(String name) {
        Path file = PROMPTS.resolve("hub").resolve(name + ".yaml");
        assertTrue(Files.isRegularFile(file), file + " is committed with the project: was it moved?");
        Gallery g = GalleryParser.parse(file);
        List<String> repos = g.models().stream().map(ModelEntry::repo).toList();
        assertEquals(List.of("openai-community/gpt2", "EleutherAI/pythia-160m", "Qwen/Qwen2.5-0.5B",
                "meta-llama/Llama-3.2-1B", "google/gemma-2-2b"), repos);
        assertEquals(g.models().size() * g.prompts().size(), g.runs().size());
        for (PromptEntry p : g.prompts()) { // every ready prompt says what its answer is
            assertTrue(p.answers().expect() != null, "prompt '" + p.id() + "' has no expect");
        }
        if (name.equals("seed")) {
            assertEquals(List.of("The capital of France is", "The quick brown fox jumps over the",
                    "To be or not to be, that is the", "1 + 1 ="), g.prompts().stream().map(PromptEntry::text).toList());
        }
    }
}
