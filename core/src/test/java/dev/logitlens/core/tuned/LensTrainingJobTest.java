package dev.logitlens.core.tuned;

import dev.logitlens.core.BuildListener;
import dev.logitlens.core.UserInputException;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.source.HubOptions;
import dev.logitlens.core.synth.RandomGpt2;
import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What logitlens:train-lens runs: a lens folder our loader reads, progress per interval, clear input errors. */
class LensTrainingJobTest {
    static final List<String> WORDS = List.of("the", "capital", "of", "france", "is", "paris", "a", "dog");

    @Test
    void trainsAndWritesALensFolderTheLoaderReads(@TempDir Path dir) throws Exception {
        RandomGpt2.write(dir.resolve("m"), new RandomGpt2.Spec(3, 16, 2, 32, 16, TensorDtype.F32, "", true, 1, 4));
        WordLevelTokenizerWriter.write(dir.resolve("m"), WORDS, 32);
        List<String> corpus = new ArrayList<>();
        java.util.Random rnd = new java.util.Random(1);
        for (int i = 0; i < 40; i++) {
            StringBuilder s = new StringBuilder();
            for (int w = 0; w < 6; w++) {
                s.append(WORDS.get(rnd.nextInt(WORDS.size()))).append(' ');
            }
            corpus.add(s.toString());
        }
        Files.write(dir.resolve("corpus.txt"), corpus);
        List<String> lines = new ArrayList<>();
        BuildListener out = new BuildListener() {
            @Override
            public void info(String line) {
                lines.add(line);
            }

            @Override
            public void warn(String line) {
                lines.add(line);
            }
        };
        LensTrainer.Report r = new LensTrainingJob(dir.resolve("m").toString(), null, dir.resolve("corpus.txt"), 0.25,
                "cpu", dir.resolve("lens"), new LensTrainer.Options(30, 4, 16, 1e-2, 3, 10))
                .run(HubOptions.fromEnvironment(true, null, null), out);
        TunedLensWeights back = TunedLensFolder.load(dir.resolve("lens"), "lens");
        assertEquals(3, back.numTranslators());
        assertEquals(16, back.dModel());
        assertTrue(back.config().unembedHash().matches("[0-9a-f]{64}"));
        for (int t = 0; t < 3; t++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(r.lens().weights()[t], back.weights()[t], 0f);
        }
        assertEquals(3, lines.stream().filter(l -> l.matches("  step (10|20|30)/30 .*KL per layer( [0-9.]+){2} nats.*"))
                .count(), lines.toString());
        assertTrue(r.tunedKl()[0] < r.logitKl()[0], "layer 0: " + r.tunedKl()[0] + " vs " + r.logitKl()[0]);

        String msg = assertThrows(UserInputException.class, () -> new LensTrainingJob("nope", dir.resolve("none.yaml"),
                dir.resolve("corpus.txt"), 0.1, "cpu", dir.resolve("l2"), new LensTrainer.Options(1, 1, 8, 1e-3, 0, 1))
                .run(HubOptions.fromEnvironment(true, null, null), out)).getMessage();
        assertTrue(msg.contains("model nope is neither a model directory nor a model id"), msg);
        msg = assertThrows(UserInputException.class, () -> new LensTrainingJob(dir.resolve("m").toString(), null,
                dir.resolve("missing.txt"), 0.1, "cpu", dir.resolve("l2"), new LensTrainer.Options(1, 1, 8, 1e-3, 0, 1))
                .run(HubOptions.fromEnvironment(true, null, null), out)).getMessage();
        assertTrue(msg.contains("missing.txt is not a file"), msg);
    }
}
