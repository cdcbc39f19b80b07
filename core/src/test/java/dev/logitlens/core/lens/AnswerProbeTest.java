package dev.logitlens.core.lens;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import dev.logitlens.core.format.RunJson;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Answer groups on the committed demo model, against the collector's own full-vocabulary numbers (k = V, so
 * every id is tracked at every layer): a group's probability is the sum of its ids', its rank is 1 + the
 * number of ids more probable than its best one. Then through the run file and back.
 */
class AnswerProbeTest {
    static final Path MODEL = Path.of("..", "prompts", "models", "demo-gpt2");

    @Test
    void groupsSumTheirIdsAndRankTheirBest() {
        try (LensSession s = LensSession.open(MODEL, "demo", Device.cpu(), "float32")) {
            int v = s.model().info().vocabSize();
            String prompt = "The capital of France is";
            int paris = s.tokenizer().encode("Paris")[0];
            int french = s.tokenizer().encode("French")[0];
            int berlin = s.tokenizer().encode("Berlin")[0];
            List<AnswerProbe.Group> groups = List.of(
                    new AnswerProbe.Group(Answer.EXPECT, "first-token", List.of(" Paris"), new int[] {paris}),
                    new AnswerProbe.Group("others", "first-token", List.of(" French", " Berlin"),
                            new int[] {Math.min(french, berlin), Math.max(french, berlin)}),
                    new AnswerProbe.Group("none", "prefix", List.of(" zzz"), new int[0]));
            LensResult r = s.collect(prompt, v, null, groups);
            int last = r.numPositions() - 1;
            for (int li = 0; li < r.numLayers(); li++) {
                float pParis = r.prob(li, last, paris);
                assertEquals(pParis, r.answers().get(0).prob()[li], 1e-5); // another matmul order: float rounding
                assertEquals(r.prob(li, last, french) + r.prob(li, last, berlin), r.answers().get(1).prob()[li], 1e-5);
                float best = Math.max(r.prob(li, last, french), r.prob(li, last, berlin));
                assertEquals(1 + countAbove(r, li, last, pParis), r.answers().get(0).rank()[li]);
                assertEquals(1 + countAbove(r, li, last, best), r.answers().get(1).rank()[li]);
                assertEquals(0, r.answers().get(2).rank()[li]);
                assertEquals(0f, r.answers().get(2).prob()[li]);
            }
            assertEquals(paris, r.finalTop1()[last]); // the model's own answer
            assertEquals(1, r.answers().get(0).rank()[r.numLayers() - 1]);

            LensResult back = RunJson.read(RunJson.write(r, new Provenance("demo", "path:x", null, "h", "float32",
                    "cpu", v, List.of(0, 1, 2, 3, 4, 5), prompt, "t")), "run.json").result();
            assertEquals(3, back.answers().size());
            for (int i = 0; i < 3; i++) {
                assertEquals(r.answers().get(i).name(), back.answers().get(i).name());
                assertEquals(r.answers().get(i).continuations(), back.answers().get(i).continuations());
                assertArrayEquals(r.answers().get(i).ids(), back.answers().get(i).ids());
                assertArrayEquals(r.answers().get(i).prob(), back.answers().get(i).prob());
                assertArrayEquals(r.answers().get(i).rank(), back.answers().get(i).rank());
            }
        }
    }

    /** Ids strictly more probable than {@code p} (softmax keeps the order of the logits). */
    private static int countAbove(LensResult r, int li, int pos, float p) {
        int n = 0;
        for (float q : r.probs()[pos][li]) {
            if (q > p) {
                n++;
            }
        }
        return n;
    }
}
