package dev.logitlens.core.lens;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The one place a layer request meets a model's number of blocks: the gallery's {@code LayerSpec} and the
 * collector both resolve through here, so they accept the same requests with the same messages.
 *
 * <p>Messages name the request and the valid range but neither a location nor a fix: the gallery adds where
 * the value was written, the collector reports it as it is.
 */
public final class LayerIndices {
    private LayerIndices() {}

    /** Every block of a model with {@code numLayers} blocks, in order. */
    public static int[] all(int numLayers) {
        requireLayers(numLayers);
        return IntStream.range(0, numLayers).toArray();
    }

    /**
     * Block indices (0-based) for {@code requested}, in the order given; negative ones count from the end, as in
     * Python.
     *
     * @throws IllegalArgumentException when the list is empty, an index is out of range, or two indices name the
     *     same block
     */
    public static int[] resolve(List<Integer> requested, int numLayers) {
        requireLayers(numLayers);
        int n = numLayers;
        if (requested.isEmpty()) {
            throw new IllegalArgumentException("layers: the list is empty; list at least one layer");
        }
        List<Integer> bad = requested.stream().filter(i -> i < -n || i >= n).toList();
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("layers: " + bad + (bad.size() == 1 ? " is" : " are")
                    + " out of range for " + modelSize(n) + " (valid: " + validRange(n) + ")");
        }
        int[] out = new int[requested.size()];
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < out.length; i++) {
            out[i] = block(requested.get(i), n);
            if (!seen.add(out[i])) {
                List<Integer> same = new ArrayList<>();
                for (int j = 0; j <= i; j++) {
                    if (block(requested.get(j), n) == out[i]) {
                        same.add(requested.get(j));
                    }
                }
                throw new IllegalArgumentException("layers: " + same + " all name layer " + out[i] + " of "
                        + modelSize(n));
            }
        }
        return out;
    }

    /** As {@link #resolve(List, int)}; null means every block. */
    public static int[] resolve(int[] requested, int numLayers) {
        return requested == null ? all(numLayers)
                : resolve(IntStream.of(requested).boxed().toList(), numLayers);
    }

    /** {@code a 12-layer model}, as the messages say it. */
    public static String modelSize(int numLayers) {
        return "a " + numLayers + "-layer model";
    }

    /** {@code 0..11 or -12..-1}: what a request may hold. */
    public static String validRange(int numLayers) {
        return "0.." + (numLayers - 1) + " or -" + numLayers + "..-1";
    }

    private static int block(int index, int numLayers) {
        return index < 0 ? index + numLayers : index;
    }

    /** @throws IllegalArgumentException for a model without blocks, where no request can be resolved */
    public static void requireLayers(int numLayers) {
        if (numLayers <= 0) {
            throw new IllegalArgumentException("layers: cannot select from a model with " + numLayers + " layers");
        }
    }
}
