package dev.logitlens.core.lens;

import java.util.SortedMap;

/**
 * Everything the collector measured for one prompt on one model: plain Java, no NDArrays, and plain numbers:
 * which model and prompt they belong to is the {@link Provenance}'s to say, so the same result can be
 * shown under another gallery id without being rebuilt.
 *
 * <p>Shapes use L = number of lensed layers, P = number of input positions, k = top-k, n_p = number
 * of tracked ids at position p. Layer indices in {@code layers} are block indices (0-based; layer i is
 * the residual stream after block i).
 *
 * @param inputIds     [P] token ids of the prompt, special tokens included
 * @param input        [P] the tokens as strings (leading spaces kept, bytes decoded)
 * @param layers       [L] block indices that were lensed, in the order requested (a slice with a negative
 *                     step gives them descending)
 * @param k            top-k per cell
 * @param topk         [L][P][k] top-k ids per cell, by descending probability
 * @param tracked      [P][n_p] sorted unique union of the top-k ids of that position over all layers
 * @param probs        [P][L][n_p] probability of each tracked id at each layer
 * @param vocab        id to string for every id that appears in input, topk, tracked, finalTop1 or the answers
 * @param entropy      [L][P] entropy of the lens distribution, in nats
 * @param klToFinal    [L][P] KL(final ‖ layer) in nats, where final = the last layer of the model
 * @param finalTop1    [P] the model's own top-1 next-token id (last block, through the real head)
 * @param finalTop1Prob [L][P] probability of {@code finalTop1[p]} at each layer
 * @param finalTop1Rank [L][P] 1 + number of ids with a strictly larger logit than {@code finalTop1[p]}
 * @param answers      the gallery's expected answer and compare groups at the last position; empty when none
 */
public record LensResult(
        int[] inputIds,
        String[] input,
        int[] layers,
        int k,
        int[][][] topk,
        int[][] tracked,
        float[][][] probs,
        SortedMap<Integer, String> vocab,
        float[][] entropy,
        float[][] klToFinal,
        int[] finalTop1,
        float[][] finalTop1Prob,
        int[][] finalTop1Rank,
        java.util.List<Answer> answers) {

    /** A result without answer groups. */
    public LensResult(int[] inputIds, String[] input, int[] layers, int k, int[][][] topk,
                      int[][] tracked, float[][][] probs, SortedMap<Integer, String> vocab, float[][] entropy,
                      float[][] klToFinal, int[] finalTop1, float[][] finalTop1Prob, int[][] finalTop1Rank) {
        this(inputIds, input, layers, k, topk, tracked, probs, vocab, entropy, klToFinal, finalTop1,
                finalTop1Prob, finalTop1Rank, java.util.List.of());
    }

    public LensResult {
        int p = inputIds.length;
        int l = layers.length;
        if (input.length != p || tracked.length != p || probs.length != p || finalTop1.length != p) {
            throw new IllegalArgumentException("per-position arrays disagree with inputIds length " + p);
        }
        if (topk.length != l || entropy.length != l || klToFinal.length != l
                || finalTop1Prob.length != l || finalTop1Rank.length != l) {
            throw new IllegalArgumentException("per-layer arrays disagree with layers length " + l);
        }
        answers = answers == null ? java.util.List.of() : java.util.List.copyOf(answers);
        for (Answer a : answers) {
            if (a.prob().length != l) {
                throw new IllegalArgumentException("answer '" + a.name() + "' has " + a.prob().length
                        + " layers, not " + l);
            }
        }
    }

    /** The expected answer, when the gallery gave one. */
    public java.util.Optional<Answer> expected() {
        return answers.stream().filter(Answer::isExpect).findFirst();
    }

    public int numLayers() {
        return layers.length;
    }

    public int numPositions() {
        return inputIds.length;
    }

    /** Probability of {@code id} at layer index {@code li} and position {@code pos}, or NaN if not tracked. */
    public float prob(int li, int pos, int id) {
        int j = java.util.Arrays.binarySearch(tracked[pos], id);
        return j < 0 ? Float.NaN : probs[pos][li][j];
    }

    /**
     * The first layer index from which the model's final top-1 is the lens top-1 at every later
     * layer ("where the answer settles"), or -1 if the last lensed layer does not have it on top.
     */
    public int settleLayerIndex(int pos) {
        int settle = -1;
        for (int li = layers.length - 1; li >= 0; li--) {
            if (finalTop1Rank[li][pos] == 1) {
                settle = li;
            } else {
                break;
            }
        }
        return settle;
    }
}
