package dev.logitlens.core.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logitlens.core.format.RunJson.RunJsonException;
import dev.logitlens.core.format.RunJsonReader.Cursor;
import dev.logitlens.core.lens.LensResult;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reads the seed's V2 document ({@code to_js_format} output: {@code meta}, {@code input}, {@code layers},
 * {@code topk} as strings, {@code tracked} as {token: trajectory}) into a {@link LensResult}, checking every
 * shape and number with its path.
 *
 * <p>A V2 document has no token ids and no metrics. Ids are made up, one per distinct string in order of first
 * appearance (input, then top-k, then tracked); the entropy and KL are unknown (NaN). What the strings do give
 * is recomputed: the final answer is the last layer's top-1 string, its probability at each layer is its
 * trajectory, and its rank is its place in a layer's top-k (k + 1 when it is not there), so the settle layer
 * comes from the top-k strings.
 */
public final class V2Document {
    private static final ObjectMapper READER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private V2Document() {}

    /** True for a document that is V2 alone (no {@code logitlens} section of ours). */
    public static boolean isV2Only(JsonNode root) {
        return root != null && root.isObject() && !root.has("logitlens");
    }

    /** Parses JSON bytes, naming {@code source} when they are not JSON. */
    public static JsonNode tree(byte[] json, String source) {
        try {
            JsonNode root = READER.readTree(json);
            if (root == null || !root.isObject()) {
                throw new RunJsonException(source + ": expected a JSON object");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new RunJsonException(source + ": not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The result a V2 document holds.
     *
     * @throws RunJsonException naming the file and the field that is wrong
     */
    public static LensResult read(JsonNode rootNode, String source) {
        Cursor root = Cursor.root(source, rootNode);
        Cursor version = root.field("meta").field("version");
        if (!version.node().isIntegralNumber() || version.node().intValue() != RunJson.V2) {
            throw version.fail("expected " + RunJson.V2 + ", found " + version.node());
        }
        String[] input = root.field("input").strings();
        int[] layers = root.field("layers").ints();
        int p = input.length;
        int l = layers.length;
        if (p == 0) {
            throw root.field("input").fail("empty: a document needs at least one position");
        }
        if (l == 0) {
            throw root.field("layers").fail("empty: a document needs at least one layer");
        }
        for (int li = 1; li < l; li++) {
            if (layers[li] <= layers[li - 1]) {
                throw root.field("layers").index(li).fail("layers must ascend, " + layers[li] + " follows "
                        + layers[li - 1]);
            }
        }

        Map<String, Integer> ids = new LinkedHashMap<>();
        int[] inputIds = new int[p];
        for (int pos = 0; pos < p; pos++) {
            inputIds[pos] = id(ids, input[pos]);
        }

        Cursor topkC = root.field("topk").array();
        if (topkC.size() != l) {
            throw topkC.fail("has " + topkC.size() + " layers, but layers lists " + l + " (shape [L][P][k])");
        }
        int k = -1;
        int[][][] topk = new int[l][p][];
        String[][][] topkText = new String[l][p][];
        for (int li = 0; li < l; li++) {
            Cursor layer = topkC.at(li).array();
            if (layer.size() != p) {
                throw layer.fail("has " + layer.size() + " positions, but input has " + p + " (shape [L][P][k])");
            }
            for (int pos = 0; pos < p; pos++) {
                Cursor cell = layer.at(pos);
                String[] cellText = cell.strings();
                if (k < 0) {
                    k = cellText.length;
                    if (k == 0) {
                        throw cell.fail("empty: every cell holds the k top tokens");
                    }
                } else if (cellText.length != k) {
                    throw cell.fail("has " + cellText.length + " tokens, but topk[0][0] has " + k
                            + " (every cell holds k)");
                }
                topkText[li][pos] = cellText;
                topk[li][pos] = new int[k];
                for (int j = 0; j < k; j++) {
                    topk[li][pos][j] = id(ids, cellText[j]);
                }
            }
        }

        Cursor trackedC = root.field("tracked").array();
        if (trackedC.size() != p) {
            throw trackedC.fail("has " + trackedC.size() + " positions, but input has " + p + " (shape [P])");
        }
        int[][] tracked = new int[p][];
        float[][][] probs = new float[p][][];
        for (int pos = 0; pos < p; pos++) {
            Cursor at = trackedC.at(pos);
            if (!at.node().isObject()) {
                throw at.fail("expected an object of token: trajectory");
            }
            Map<Integer, float[]> byId = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = at.node().fields(); it.hasNext(); ) {
                String token = it.next().getKey();
                Cursor traj = at.field(token).array();
                if (traj.size() != l) {
                    throw traj.fail("has " + traj.size() + " values, but layers lists " + l);
                }
                float[] values = new float[l];
                for (int li = 0; li < l; li++) {
                    Cursor v = traj.at(li);
                    float f = v.node().isNull() ? Float.NaN : v.number();
                    if (!(f >= 0f && f <= 1f)) {
                        throw v.fail("a probability must be a finite number in [0, 1], found " + v.node());
                    }
                    values[li] = f;
                }
                byId.put(id(ids, token), values);
            }
            for (int li = 0; li < l; li++) {
                for (String s : topkText[li][pos]) {
                    if (!at.node().has(s)) {
                        throw at.fail("lacks the trajectory of " + quote(s) + ", which is in topk[" + li + "][" + pos
                                + "]: tracked holds every token of the position's top-k");
                    }
                }
            }
            tracked[pos] = byId.keySet().stream().mapToInt(Integer::intValue).toArray();
            probs[pos] = new float[l][tracked[pos].length];
            int j = 0;
            for (float[] traj : byId.values()) {
                for (int li = 0; li < l; li++) {
                    probs[pos][li][j] = traj[li];
                }
                j++;
            }
        }

        // What the strings give: the final answer, its trajectory and its place in each layer's top-k.
        int[] finalTop1 = new int[p];
        float[][] finalProb = new float[l][p];
        int[][] finalRank = new int[l][p];
        float[][] unknown = new float[l][p];
        for (float[] row : unknown) {
            Arrays.fill(row, Float.NaN);
        }
        for (int pos = 0; pos < p; pos++) {
            finalTop1[pos] = topk[l - 1][pos][0];
            int j = Arrays.binarySearch(tracked[pos], finalTop1[pos]);
            for (int li = 0; li < l; li++) {
                finalProb[li][pos] = probs[pos][li][j];
                int rank = k + 1;
                for (int r = 0; r < k; r++) {
                    if (topk[li][pos][r] == finalTop1[pos]) {
                        rank = r + 1;
                        break;
                    }
                }
                finalRank[li][pos] = rank;
            }
        }
        SortedMap<Integer, String> vocab = new TreeMap<>();
        ids.forEach((s, id) -> vocab.put(id, s));
        float[][] entropy = unknown;
        float[][] kl = new float[l][];
        for (int li = 0; li < l; li++) {
            kl[li] = unknown[li].clone();
        }
        return new LensResult(inputIds, input, layers, k, topk, tracked, probs, vocab, entropy, kl, finalTop1,
                finalProb, finalRank);
    }

    private static int id(Map<String, Integer> ids, String s) {
        return ids.computeIfAbsent(s, x -> ids.size());
    }

    private static String quote(String s) {
        return "'" + s.replace("\n", "\\n") + "'";
    }

    /** Whether a result came from a V2 document: it has no entropy anywhere (a collected one always has). */
    public static boolean lacksMetrics(LensResult r) {
        for (float[] row : r.entropy()) {
            for (float v : row) {
                if (!Float.isNaN(v)) {
                    return false;
                }
            }
        }
        return true;
    }
}
