package dev.logitlens.core.lens;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One answer group of a run, measured at the last position (where the continuation is predicted) at every
 * lensed layer, whether or not its ids ever reach a top-k.
 *
 * @param name          {@code expect} for the expected answer, else the compare group's name
 * @param match         how the continuations became ids: {@code first-token} or {@code prefix}
 * @param continuations the continuations as written in the gallery
 * @param ids           sorted unique token ids standing for the group (may be empty)
 * @param prob          [L] the sum of the ids' probabilities at each lensed layer
 * @param rank          [L] 1 + the number of vocabulary ids with a strictly larger logit than the group's best id;
 *                      0 when the group has no ids
 */
public record Answer(String name, String match, List<String> continuations, int[] ids, float[] prob, int[] rank) {
    public static final String EXPECT = "expect";

    public Answer {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(match, "match");
        continuations = List.copyOf(continuations);
        if (prob.length != rank.length) {
            throw new IllegalArgumentException("answer '" + name + "': " + prob.length + " probabilities but "
                    + rank.length + " ranks");
        }
    }

    public boolean isExpect() {
        return EXPECT.equals(name);
    }

    public boolean contains(int id) {
        return Arrays.binarySearch(ids, id) >= 0;
    }

    /** The first layer index from which the group's best id is top-1 at every later lensed layer, or -1. */
    public int settleLayerIndex() {
        int settle = -1;
        for (int li = rank.length - 1; li >= 0 && rank[li] == 1; li--) {
            settle = li;
        }
        return settle;
    }
}
