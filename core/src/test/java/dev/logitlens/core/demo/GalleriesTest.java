package dev.logitlens.core.demo;

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
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The ready galleries of the prompts module parse, and the default one fits the demo model. */
class GalleriesTest {
    static final Path PROMPTS = Path.of("..", "prompts");

    @Test
    void defaultGalleryRunsTheDemoModelOnItsVocabulary() {
        Path file = PROMPTS.resolve("logitlens.yaml");
        assumeTrue(Files.isRegularFile(file), "no prompts module beside core");
        Gallery g = GalleryParser.parse(file);
        assertEquals(1, g.models().size());
        ModelEntry model = g.models().get(0);
        assertTrue(model.isLocal());
        assertEquals(DemoModelTest.MODEL.toAbsolutePath().normalize(), model.path().toAbsolutePath().normalize());
        assertTrue(g.prompts().size() >= 10, "a dozen prompts, got " + g.prompts().size());

        DemoCorpus corpus = DemoCorpus.generate(DemoCorpus.DEFAULT_SEED);
        Set<String> vocab = Set.copyOf(corpus.words());
        Set<String> heldOut = corpus.heldOut().stream().map(DemoCorpus.Example::prompt).collect(Collectors.toSet());
        Set<String> trained = corpus.train().stream().map(DemoCorpus.Example::prompt).collect(Collectors.toSet());
        for (PromptEntry p : g.prompts()) {
            for (String w : p.text().split(" ")) {
                assertTrue(vocab.contains(w), "prompt '" + p.id() + "': '" + w + "' is not in the demo vocabulary");
            }
            // The tag tells the truth: held-out prompts are held out, the others were trained.
            boolean tagged = p.tags().contains("held-out");
            assertTrue(tagged ? heldOut.contains(p.text()) : trained.contains(p.text()),
                    "prompt '" + p.id() + "' is " + (tagged ? "tagged held-out but is not" : "untagged but held out"));
        }
        assertTrue(g.prompts().stream().filter(p -> p.tags().contains("held-out")).count() >= 4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"seed", "multilingual", "arithmetic", "all"})
    void hubGalleriesParse(String name) {
        Path file = PROMPTS.resolve("hub").resolve(name + ".yaml");
        assumeTrue(Files.isRegularFile(file), "no prompts module beside core");
        Gallery g = GalleryParser.parse(file);
        List<String> repos = g.models().stream().map(ModelEntry::repo).toList();
        assertEquals(List.of("openai-community/gpt2", "EleutherAI/pythia-160m", "Qwen/Qwen2.5-0.5B",
                "meta-llama/Llama-3.2-1B", "google/gemma-2-2b"), repos);
        assertEquals(g.models().size() * g.prompts().size(), g.runs().size());
        if (name.equals("seed")) {
            assertEquals(List.of("The capital of France is", "The quick brown fox jumps over the",
                    "To be or not to be, that is the", "1 + 1 ="), g.prompts().stream().map(PromptEntry::text).toList());
        }
    }
}
