package dev.logitlens.core.format;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logitlens.core.format.RunJson.Document;
import dev.logitlens.core.format.RunJson.RunJsonException;
import dev.logitlens.core.lens.Answer;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.Provenance;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/** Reads a run document back; every error names the file and the field that is wrong. */
final class RunJsonReader {
    private RunJsonReader() {}

    static Document document(Cursor root) {
        Cursor meta = root.field("meta");
        int version = meta.node().path("version").asInt(-1);
        if (version != RunJson.V2) {
            throw meta.child("version").fail("expected " + RunJson.V2 + ", found " + meta.node().path("version"));
        }
        Cursor ours = root.field("logitlens");
        int format = ours.node().path("format").asInt(-1);
        if (format != RunJson.FORMAT) {
            throw ours.child("format").fail("this logitlens reads format " + RunJson.FORMAT + ", the file has "
                    + ours.node().path("format") + "; rebuild it with this version");
        }
        meta.field("model").text(); // required by V2 readers; the run's identity is provenance.modelId
        String[] input = root.field("input").strings();
        int[] layers = root.field("layers").ints();
        int k = ours.field("k").integer();
        int[] inputIds = ours.field("inputIds").ints();
        Cursor topkNode = ours.field("topk").array();
        int[][][] topk = new int[topkNode.size()][][];
        for (int li = 0; li < topk.length; li++) {
            topk[li] = topkNode.at(li).ints2();
        }
        int[][] tracked = ours.field("tracked").ints2();
        Cursor probsNode = ours.field("probs").array();
        float[][][] probs = new float[probsNode.size()][][];
        for (int pos = 0; pos < probs.length; pos++) {
            probs[pos] = probsNode.at(pos).floats2();
        }
        SortedMap<Integer, String> vocab = vocab(ours.field("vocab"));
        int[] finalTop1 = ours.field("finalTop1").ints();
        Cursor metrics = ours.field("metrics");
        float[][] entropy = metrics.field("entropy").floats2();
        float[][] kl = metrics.field("klToFinal").floats2();
        float[][] top1Prob = metrics.field("finalTop1Prob").floats2();
        int[][] top1Rank = metrics.field("finalTop1Rank").ints2();
        LensResult result;
        try {
            result = new LensResult(inputIds, input, layers, k, topk, tracked, probs, vocab, entropy, kl,
                    finalTop1, top1Prob, top1Rank, answers(ours.child("answers")));
        } catch (IllegalArgumentException e) {
            throw new RunJsonException(root.source() + ": inconsistent shapes: " + e.getMessage());
        }
        checkCells(result, ours);
        Cursor lens = meta.child("lens");
        String lensName = lens.node() == null ? "logit" : lens.text();
        Cursor between = metrics.child("klToLogitLens");
        float[][] klBetween = between.node() == null ? null : between.floats2();
        if (klBetween != null && klBetween.length != layers.length) {
            throw between.fail("has " + klBetween.length + " rows for " + layers.length + " layers");
        }
        return new Document(result, provenance(root.field("provenance")), lensName, klBetween);
    }

    /** The optional {@code answers} list (absent: the run had no answer groups). */
    private static List<Answer> answers(Cursor list) {
        if (list.node() == null) {
            return List.of();
        }
        list.array();
        List<Answer> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Cursor a = list.at(i);
            Cursor prob = a.field("prob").array();
            float[] p = new float[prob.size()];
            for (int li = 0; li < p.length; li++) {
                p[li] = prob.at(li).number();
            }
            try {
                out.add(new Answer(a.field("name").text(), a.field("match").text(),
                        List.of(a.field("continuations").strings()), a.field("ids").ints(), p, a.field("rank").ints()));
            } catch (IllegalArgumentException e) {
                throw a.fail(e.getMessage());
            }
        }
        return out;
    }

    private static SortedMap<Integer, String> vocab(Cursor c) {
        if (!c.node().isObject()) {
            throw c.fail("expected an object of id: string");
        }
        SortedMap<Integer, String> vocab = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = c.node().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                vocab.put(Integer.parseInt(e.getKey()), c.child(e.getKey()).text());
            } catch (NumberFormatException ex) {
                throw c.fail("key '" + e.getKey() + "' is not a token id");
            }
        }
        return vocab;
    }

    private static Provenance provenance(Cursor p) {
        String revision = p.node().path("revision").isNull() ? null : p.field("revision").text();
        return new Provenance(
                p.field("modelId").text(),
                p.field("source").text(),
                revision,
                p.field("weightsHash").text(),
                p.field("dtype").text(),
                p.field("device").text(),
                p.field("k").integer(),
                Arrays.stream(p.field("layers").ints()).boxed().toList(),
                p.field("prompt").text(),
                p.field("toolVersion").text());
    }

    /** The per-cell shapes LensResult's constructor does not check. */
    private static void checkCells(LensResult r, Cursor ours) {
        for (int li = 0; li < r.numLayers(); li++) {
            if (r.topk()[li].length != r.numPositions() || r.entropy()[li].length != r.numPositions()
                    || r.klToFinal()[li].length != r.numPositions()
                    || r.finalTop1Prob()[li].length != r.numPositions()
                    || r.finalTop1Rank()[li].length != r.numPositions()) {
                throw ours.fail("layer " + li + " does not have " + r.numPositions() + " positions");
            }
            for (int[] cell : r.topk()[li]) {
                if (cell.length != r.k()) {
                    throw ours.child("topk").index(li).fail("a cell does not hold k = " + r.k() + " ids");
                }
            }
        }
        for (int pos = 0; pos < r.numPositions(); pos++) {
            if (r.probs()[pos].length != r.numLayers()) {
                throw ours.child("probs").index(pos).fail("expected " + r.numLayers() + " layers");
            }
            for (float[] row : r.probs()[pos]) {
                if (row.length != r.tracked()[pos].length) {
                    throw ours.child("probs").index(pos).fail("expected one value per tracked id");
                }
            }
        }
    }

    /**
     * A node with its path in the document ({@code logitlens.topk[3]}), so every read names the field it
     * reads and a bad file says where it is wrong.
     */
    record Cursor(String source, String path, JsonNode node) {
        static Cursor root(String source, JsonNode node) {
            return new Cursor(source, "", node);
        }

        /** The named field, which must be present. */
        Cursor field(String name) {
            Cursor c = child(name);
            if (c.node() == null) {
                throw c.fail("missing");
            }
            return c;
        }

        /** The named field's path; its node is null when absent. */
        Cursor child(String name) {
            return new Cursor(source, path.isEmpty() ? name : path + "." + name, node == null ? null : node.get(name));
        }

        /** The path of element {@code i} (its node is not looked up). */
        Cursor index(int i) {
            return new Cursor(source, path + "[" + i + "]", null);
        }

        Cursor at(int i) {
            return new Cursor(source, path + "[" + i + "]", node.get(i));
        }

        int size() {
            return node.size();
        }

        Cursor array() {
            if (!node.isArray()) {
                throw fail("expected an array");
            }
            return this;
        }

        String text() {
            if (!node.isTextual()) {
                throw fail("expected a string");
            }
            return node.textValue();
        }

        int integer() {
            if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                throw fail("expected a whole number");
            }
            return node.intValue();
        }

        String[] strings() {
            array();
            String[] out = new String[size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = at(i).text();
            }
            return out;
        }

        int[] ints() {
            array();
            int[] out = new int[size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = at(i).integer();
            }
            return out;
        }

        int[][] ints2() {
            array();
            int[][] out = new int[size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = at(i).ints();
            }
            return out;
        }

        float[][] floats2() {
            array();
            float[][] out = new float[size()][];
            for (int i = 0; i < out.length; i++) {
                Cursor row = at(i).array();
                out[i] = new float[row.size()];
                for (int j = 0; j < row.size(); j++) {
                    out[i][j] = row.at(j).number();
                }
            }
            return out;
        }

        /** Parsed from the decimal text, never through a double: double rounding could change the float. */
        float number() {
            if (node.isNumber()) {
                return Float.parseFloat(node.isBigDecimal() ? node.decimalValue().toString() : node.asText());
            }
            if (node.isTextual()) {
                switch (node.textValue()) {
                    case "NaN": return Float.NaN;
                    case "Infinity": return Float.POSITIVE_INFINITY;
                    case "-Infinity": return Float.NEGATIVE_INFINITY;
                    default: break;
                }
            }
            throw fail("expected a number");
        }

        RunJsonException fail(String problem) {
            return new RunJsonException(source + ": " + path + ": " + problem);
        }
    }
}
