package dev.logitlens.core.model.llama;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.logitlens.core.SharedFiles;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.LensSession;
import dev.logitlens.core.model.LensModel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Known answers of a real trained Llama (Karpathy's stories260K, converted to the Hugging Face layout),
 * produced outside this project: greedy text from the llama2.c reference runner and the next-token
 * distribution of a fixed prompt. Skipped where the shared model folder is absent.
 */
class Stories260kTest {
    private static final int BOS = 1;
    private static final int STEPS = 200;

    @Test
    void greedyDecodingReproducesTheReferenceText() throws Exception {
        Path dir = SharedFiles.require("models/stories260k");
        String expected = Files.readString(dir.resolve("reference-greedy-200.txt"), StandardCharsets.UTF_8);
        try (LensSession s = LensSession.open(dir, "stories260k", Device.cpu(), "float32");
             NDManager scope = NDManager.newBaseManager()) {
            LensModel model = s.model();
            List<Long> ids = new ArrayList<>(List.of((long) BOS));
            StringBuilder text = new StringBuilder();
            // As llama2.c's runner: one token per position 0..STEPS-1, stopping early on BOS.
            for (int pos = 0; pos < STEPS; pos++) {
                int next;
                try (NDManager step = scope.newSubManager(); NDScope ignored = new NDScope()) {
                    NDArray input = step.create(ids.stream().mapToLong(Long::longValue).toArray(), new Shape(ids.size()));
                    NDList outs = model.blockOutputs(input);
                    NDArray last = outs.get(outs.size() - 1).get(ids.size() - 1);
                    NDArray logits = model.unembedding().logits(model.finalNorm(last));
                    next = (int) logits.argMax().getLong();
                }
                if (next == BOS) {
                    break;
                }
                String piece = s.tokenizer().tokenString(next);
                // llama2.c drops the leading space of the first piece after BOS
                text.append(ids.get(ids.size() - 1) == BOS && piece.startsWith(" ") ? piece.substring(1) : piece);
                ids.add((long) next);
            }
            assertEquals(expected, text.toString());
        }
    }

    @Test
    void lilyIsTheConfidentNextName() {
        Path dir = SharedFiles.require("models/stories260k");
        try (LensSession s = LensSession.open(dir, "stories260k", Device.cpu(), "auto")) {
            String prompt = "Once upon a time, there was a little girl named";
            assertArrayEquals(new int[] {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395},
                    s.tokenizer().encode(prompt));
            LensResult r = s.collect(prompt, 5, null);
            int last = r.numPositions() - 1;
            int li = r.numLayers() - 1;
            assertEquals(s.model().info().numLayers() - 1, r.layers()[li]);
            int top = r.topk()[li][last][0];
            assertEquals(" Lily", r.vocab().get(top));
            assertEquals(top, r.finalTop1()[last]);
            assertEquals(0.93, r.prob(li, last, top), 0.02);
        }
    }
}
