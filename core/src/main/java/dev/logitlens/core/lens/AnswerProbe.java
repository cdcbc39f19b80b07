package dev.logitlens.core.lens;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.logitlens.core.model.Unembedding;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The probability and rank of answer groups at every lensed layer of the last position, over the whole
 * vocabulary: a group far outside the top-k is measured as exactly as the top-1.
 */
public final class AnswerProbe {
    /** A group to measure: its gallery name, match mode, continuations and resolved ids. */
    public record Group(String name, String match, List<String> continuations, int[] ids) {}

    private AnswerProbe() {}

    /**
     * @param normedLast the final-normed hidden states of the lensed layers at the last position, [L, D']
     * @return one {@link Answer} per group, in order
     */
    public static List<Answer> probe(Unembedding unembed, NDArray normedLast, List<Group> groups) {
        List<Answer> out = new ArrayList<>(groups.size());
        if (groups.isEmpty()) {
            return out;
        }
        NDArray logits = unembed.logits(normedLast);                                  // [L, V]
        if (logits.getDataType() != DataType.FLOAT32) {
            logits = logits.toType(DataType.FLOAT32, false);
        }
        int l = Math.toIntExact(logits.getShape().get(0));
        NDArray logp = logits.logSoftmax(-1);
        for (Group g : groups) {
            if (g.ids().length == 0) {
                // Nothing to measure: probability 0, and rank 0 marks "no id" (a real rank is at least 1).
                out.add(new Answer(g.name(), g.match(), g.continuations(), g.ids(), new float[l], new int[l]));
                continue;
            }
            NDArray idx = logits.getManager().create(Arrays.stream(g.ids()).asLongStream().toArray());
            NDArray z = logits.get(new NDIndex(":, {}", idx));                       // [L, n]
            float[] prob = logp.get(new NDIndex(":, {}", idx)).exp().sum(new int[] {1}).toFloatArray();
            NDArray best = z.max(new int[] {1}, true);                                 // [L, 1]
            int[] rank = logits.gt(best).sum(new int[] {1}).add(1).toType(DataType.INT32, false).toIntArray();
            out.add(new Answer(g.name(), g.match(), g.continuations(), g.ids(), prob, rank));
        }
        return out;
    }
}
