package dev.logitlens.demo;

import ai.djl.Device;
import dev.logitlens.core.BuildListener;
import dev.logitlens.core.lens.LensSession;
import dev.logitlens.core.tuned.LensTrainer;
import dev.logitlens.core.tuned.TunedLensFolder;
import dev.logitlens.core.tuned.TunedLensWeights;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The tuned lens on the demo model: training lowers the held-out KL of every layer below the logit lens's. */
class DemoLensTest {
    static final Path LENS = Path.of("..", "prompts", "lenses", "demo-gpt2");
    static final DemoCorpus CORPUS = DemoCorpus.generate(DemoCorpus.DEFAULT_SEED);

    static List<String> sentences(List<DemoCorpus.Example> examples) {
        return examples.stream().map(DemoCorpus.Example::sentence).toList();
    }

    private static void assertBelowEveryLayer(double[] logit, double[] tuned, String what) {
        int last = logit.length - 1;
        for (int i = 0; i < last; i++) {
            assertTrue(tuned[i] < logit[i], what + ": layer " + i + " tuned " + tuned[i] + " vs logit " + logit[i]);
        }
        assertEquals(logit[last], tuned[last], 1e-6, "the last layer is the model's own output in both lenses");
    }

    @Test
    void trainingLowersTheHeldOutKlOfEveryLayer() {
        assumeTrue(Files.isRegularFile(DemoModelTest.MODEL.resolve("model.safetensors")), "demo model not present");
        List<String> lines = new ArrayList<>();
        dev.logitlens.core.djl.Djl.engine();
        int threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1); // the matrices are too small to split
        try (LensSession s = LensSession.open(DemoModelTest.MODEL, "demo-gpt2", Device.cpu(), "float32")) {
            LensTrainer.Report r = LensTrainer.train(s, "demo-gpt2", sentences(CORPUS.train()),
                    sentences(CORPUS.heldOut()), new LensTrainer.Options(40, 8, 32, 3e-3, 7, 10), new BuildListener() {
                        @Override
                        public void info(String line) {
                            lines.add(line);
                        }

                        @Override
                        public void warn(String line) {
                            lines.add(line);
                        }
                    });
            assertBelowEveryLayer(r.logitKl(), r.tunedKl(), "40 steps");
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("  step 10/40") && l.contains("KL per layer")), lines.toString());
            assertEquals(0f, r.lens().weights()[0][0], "translator 0 (the embeddings) is not trained");
        } finally {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        }
    }

    @Test
    void theCommittedLensLowersTheHeldOutKlOfEveryLayer() {
        assumeTrue(Files.isRegularFile(LENS.resolve("params.pt")), "demo lens not present");
        TunedLensWeights lens = TunedLensFolder.load(LENS, "lenses/demo-gpt2");
        try (LensSession s = LensSession.open(DemoModelTest.MODEL, "demo-gpt2", Device.cpu(), "float32")) {
            List<int[]> held = LensTrainer.encode(s, sentences(CORPUS.heldOut()), 32);
            List<String> warnings = new ArrayList<>();
            s.tunedLens(lens, warnings::add);
            assertEquals(List.of(), warnings, "the lens's unembed_hash is the demo model's");
            assertBelowEveryLayer(LensTrainer.evaluate(s, held, null), LensTrainer.evaluate(s, held, lens),
                    "committed lens");
        }
    }
}
