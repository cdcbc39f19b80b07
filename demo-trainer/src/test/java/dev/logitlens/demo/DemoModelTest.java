package dev.logitlens.demo;

import ai.djl.Device;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.LensSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The committed demo model, run through the lens exactly as a gallery runs it, on the held-out prompts
 * of its corpus: the final layer knows the answers, and the answer's probability grows from the first
 * layer to the last (the lens has a story to show).
 */
class DemoModelTest {
    /** The committed checkpoint, relative to the core module (Maven runs tests there). */
    static final Path MODEL = Path.of("..", "prompts", "models", "demo-gpt2");

    private static DemoCorpus corpus;

    /** One held-out prompt through the lens. */
    record Outcome(DemoCorpus.Example example, boolean right, float firstProb, float lastProb) {}

    private static List<Outcome> outcomes;

    @BeforeAll
    static void runHeldOut() {
        assertTrue(Files.isRegularFile(MODEL.resolve("model.safetensors")),
                "no committed demo model at " + MODEL + "; regenerate it with " + DemoTrainer.COMMAND);
        corpus = DemoCorpus.generate(DemoCorpus.DEFAULT_SEED);
        DemoTokenizer tokenizer = new DemoTokenizer(corpus.words());
        outcomes = new ArrayList<>();
        try (LensSession s = LensSession.open(MODEL, "demo-gpt2", Device.cpu(), "float32")) {
            int vocab = s.model().info().vocabSize();
            assertEquals(tokenizer.size(), vocab, "the committed model's vocabulary no longer matches DemoCorpus; "
                    + "regenerate it with " + DemoTrainer.COMMAND);
            for (DemoCorpus.Example e : corpus.heldOut()) {
                // k = the whole vocabulary, so the answer's probability is tracked at every layer.
                LensResult r = s.collect(e.prompt(), vocab, null);
                int last = r.numPositions() - 1;
                int answer = tokenizer.id(e.answer());
                outcomes.add(new Outcome(e, r.finalTop1()[last] == answer, r.prob(0, last, answer),
                        r.prob(r.numLayers() - 1, last, answer)));
            }
        }
    }

    @Test
    void finalLayerTop1IsRightOnHeldOutFacts() {
        Map<String, int[]> byRelation = new TreeMap<>();
        List<String> wrong = new ArrayList<>();
        for (Outcome o : outcomes) {
            int[] c = byRelation.computeIfAbsent(o.example().relation(), k -> new int[2]);
            c[1]++;
            if (o.right()) {
                c[0]++;
            } else {
                wrong.add(o.example().prompt() + " → " + o.example().answer());
            }
        }
        long right = outcomes.stream().filter(Outcome::right).count();
        double accuracy = (double) right / outcomes.size();
        StringBuilder report = new StringBuilder();
        byRelation.forEach((rel, c) -> report.append(rel).append(' ').append(c[0]).append('/').append(c[1]).append("; "));
        assertTrue(accuracy >= 0.9, String.format("held-out top-1 %.3f < 0.9 (%s); missed: %s", accuracy, report, wrong));
        assertTrue(outcomes.size() >= 100, "only " + outcomes.size() + " held-out prompts");
    }

    @Test
    void answerProbabilityGrowsFromFirstToLastLayer() {
        double first = outcomes.stream().mapToDouble(Outcome::firstProb).average().orElseThrow();
        double last = outcomes.stream().mapToDouble(Outcome::lastProb).average().orElseThrow();
        assertTrue(last > first, "mean answer probability: first layer " + first + ", last layer " + last);
        // A clear margin, not a tie broken by noise: the answer is mostly absent at layer 0.
        assertTrue(last > 0.5 && first < 0.5 * last, "first " + first + ", last " + last);
    }
}
