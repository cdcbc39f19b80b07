package dev.logitlens.site;

import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.synth.RandomGpt2;
import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Test fixture: two 3-layer random GPT-2s with a word-level tokenizer, and a gallery file over them. */
final class TinyGallery {
    static final List<String> WORDS = List.of("The", "capital", "of", "France", "is", "Paris", "Germany",
            "Berlin", "a", "cat", "sat");

    private TinyGallery() {}

    static void model(Path dir, long seed) throws IOException {
        RandomGpt2.write(dir, new RandomGpt2.Spec(3, 16, 2, 40, 32, TensorDtype.F32, "", true, 1, seed));
        WordLevelTokenizerWriter.write(dir, WORDS, 40);
    }

    /** Writes models/alpha, models/beta and logitlens.yaml with the given prompt lines under {@code root}. */
    static Path write(Path root, String... prompts) throws IOException {
        model(root.resolve("models/alpha"), 1);
        model(root.resolve("models/beta"), 2);
        return gallery(root, prompts);
    }

    static Path gallery(Path root, String... prompts) throws IOException {
        StringBuilder yaml = new StringBuilder("""
                title: Tiny gallery
                defaults: { k: 3, device: cpu }
                models:
                  - { id: alpha, path: models/alpha, label: Alpha }
                  - { id: beta, path: models/beta }
                prompts:
                """);
        for (int i = 0; i < prompts.length; i++) {
            yaml.append("  - { id: p").append(i).append(", text: \"").append(prompts[i]).append("\" }\n");
        }
        Path file = root.resolve("logitlens.yaml");
        Files.writeString(file, yaml, StandardCharsets.UTF_8);
        return file;
    }
}
