package dev.logitlens.core.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.Provenance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Writes and reads the JSON document of one run (see {@code docs/data-format.md}): the seed's V2 fields
 * at the top level, exactly as its {@code to_js_format} builds them, then our lossless {@code logitlens}
 * object and the {@code provenance}.
 *
 * <p>Output is a pure function of its input: fields in a fixed order, ids ascending, numbers printed by
 * rules that do not depend on the JVM (no {@code Float.toString}, whose digits changed between JDKs).
 */
public final class RunJson {
    /** Version of our {@code logitlens} object; bump when its meaning changes. */
    public static final int FORMAT = 1;
    /** The seed widget's format version, written in {@code meta.version}. */
    public static final int V2 = 2;

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final ObjectMapper READER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /** A run as stored: the lens result and where it came from. */
    public record Document(LensResult result, Provenance provenance) {}

    private RunJson() {}

    /** The document as UTF-8 bytes, one line plus a newline. */
    public static byte[] write(LensResult r, Provenance p) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            writeV2(g, r);
            writeLossless(g, r);
            writeProvenance(g, p);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory: cannot happen
        }
        out.write('\n');
        return out.toByteArray();
    }

    /**
     * Only the seed's V2 document ({@code meta}, {@code input}, {@code layers}, {@code topk}, {@code tracked}),
     * exactly as its {@code to_js_format} builds it, without our lossless section: for tools that want
     * nothing else, and the size the site's page data is measured against.
     */
    public static byte[] writeV2(LensResult r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            writeV2(g, r);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory: cannot happen
        }
        return out.toByteArray();
    }

    // ---- V2: the seed's to_js_format, field by field ----

    private static void writeV2(JsonGenerator g, LensResult r) throws IOException {
        Map<Integer, String> vocab = r.vocab();
        g.writeObjectFieldStart("meta");
        g.writeNumberField("version", V2);
        g.writeStringField("model", r.model());
        g.writeEndObject();

        g.writeArrayFieldStart("input");
        for (String s : r.input()) {
            g.writeString(s);
        }
        g.writeEndArray();

        g.writeArrayFieldStart("layers");
        for (int l : r.layers()) {
            g.writeNumber(l);
        }
        g.writeEndArray();

        g.writeArrayFieldStart("topk");
        for (int[][] layer : r.topk()) {
            g.writeStartArray();
            for (int[] cell : layer) {
                g.writeStartArray();
                for (int id : cell) {
                    g.writeString(token(vocab, id));
                }
                g.writeEndArray();
            }
            g.writeEndArray();
        }
        g.writeEndArray();

        g.writeArrayFieldStart("tracked");
        for (Map<String, float[]> position : v2Tracked(r)) {
            g.writeStartObject();
            for (Map.Entry<String, float[]> e : position.entrySet()) {
                g.writeArrayFieldStart(e.getKey());
                for (float v : e.getValue()) {
                    if (Float.isFinite(v)) {
                        g.writeNumber(round5(v));
                    } else {
                        g.writeNull(); // JSON has no NaN; Python would write an invalid token here
                    }
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /**
     * V2's {@code tracked}: per position, {token string: trajectory over layers}, in tracked-id order.
     * Like the seed's dict comprehension, when two ids decode to the same string the key keeps the place
     * of the first id and the trajectory of the last one (a LinkedHashMap re-put does the same).
     */
    static List<Map<String, float[]>> v2Tracked(LensResult r) {
        List<Map<String, float[]>> out = new ArrayList<>(r.numPositions());
        for (int pos = 0; pos < r.numPositions(); pos++) {
            Map<String, float[]> m = new LinkedHashMap<>();
            int[] ids = r.tracked()[pos];
            for (int j = 0; j < ids.length; j++) {
                float[] traj = new float[r.numLayers()];
                for (int li = 0; li < traj.length; li++) {
                    traj[li] = r.probs()[pos][li][j];
                }
                m.put(token(r.vocab(), ids[j]), traj);
            }
            out.add(m);
        }
        return out;
    }

    private static String token(Map<Integer, String> vocab, int id) {
        String s = vocab.get(id);
        if (s == null) {
            throw new IllegalArgumentException("token id " + id + " is used but missing from the result's vocab");
        }
        return s;
    }

    // ---- ours: lossless ----

    private static void writeLossless(JsonGenerator g, LensResult r) throws IOException {
        g.writeObjectFieldStart("logitlens");
        g.writeNumberField("format", FORMAT);
        g.writeNumberField("k", r.k());
        g.writeFieldName("inputIds");
        ints(g, r.inputIds());
        g.writeArrayFieldStart("topk");
        for (int[][] layer : r.topk()) {
            g.writeStartArray();
            for (int[] cell : layer) {
                ints(g, cell);
            }
            g.writeEndArray();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("tracked");
        for (int[] t : r.tracked()) {
            ints(g, t);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("probs");
        for (float[][] pos : r.probs()) {
            floats2(g, pos);
        }
        g.writeEndArray();
        g.writeObjectFieldStart("vocab");
        for (Map.Entry<Integer, String> e : r.vocab().entrySet()) { // a SortedMap: ascending ids
            g.writeStringField(Integer.toString(e.getKey()), e.getValue());
        }
        g.writeEndObject();
        g.writeFieldName("finalTop1");
        ints(g, r.finalTop1());
        g.writeObjectFieldStart("metrics");
        g.writeFieldName("entropy");
        floats2(g, r.entropy());
        g.writeFieldName("klToFinal");
        floats2(g, r.klToFinal());
        g.writeFieldName("finalTop1Prob");
        floats2(g, r.finalTop1Prob());
        g.writeArrayFieldStart("finalTop1Rank");
        for (int[] row : r.finalTop1Rank()) {
            ints(g, row);
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeArrayFieldStart("settle");
        for (int pos = 0; pos < r.numPositions(); pos++) {
            g.writeNumber(r.settleLayerIndex(pos));
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void writeProvenance(JsonGenerator g, Provenance p) throws IOException {
        g.writeObjectFieldStart("provenance");
        g.writeStringField("modelId", p.modelId());
        g.writeStringField("source", p.source());
        g.writeStringField("revision", p.revision());
        g.writeStringField("weightsHash", p.weightsHash());
        g.writeStringField("dtype", p.dtype());
        g.writeStringField("device", p.device());
        g.writeNumberField("k", p.k());
        g.writeArrayFieldStart("layers");
        for (int l : p.layers()) {
            g.writeNumber(l);
        }
        g.writeEndArray();
        g.writeStringField("prompt", p.prompt());
        g.writeStringField("toolVersion", p.toolVersion());
        g.writeEndObject();
    }

    private static void ints(JsonGenerator g, int[] a) throws IOException {
        g.writeStartArray();
        for (int v : a) {
            g.writeNumber(v);
        }
        g.writeEndArray();
    }

    private static void floats2(JsonGenerator g, float[][] a) throws IOException {
        g.writeStartArray();
        for (float[] row : a) {
            g.writeStartArray();
            for (float v : row) {
                if (Float.isFinite(v)) {
                    g.writeNumber(exact(v));
                } else {
                    g.writeString(Float.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
                }
            }
            g.writeEndArray();
        }
        g.writeEndArray();
    }

    // ---- numbers ----

    /**
     * The shortest decimal that reads back as exactly {@code v} (at most 9 significant digits), printed
     * as Python's {@code repr} prints floats. Computed with BigDecimal so every JVM prints the same digits.
     */
    static String exact(float v) {
        if (v == 0f) {
            return (Float.floatToRawIntBits(v) < 0) ? "-0.0" : "0.0";
        }
        BigDecimal full = new BigDecimal(v);
        for (int digits = 1; digits < 9; digits++) {
            BigDecimal candidate = full.round(new MathContext(digits, RoundingMode.HALF_EVEN));
            if (Float.parseFloat(candidate.toString()) == v) {
                return repr(candidate);
            }
        }
        return repr(full.round(new MathContext(9, RoundingMode.HALF_EVEN)));
    }

    /**
     * What Python prints for {@code round(v, 5)} of a float32 widened to a double: the exact binary value
     * rounded half-even to 5 decimals, then its shortest repr (which is that decimal itself).
     */
    static String round5(float v) {
        return repr(new BigDecimal(v).setScale(5, RoundingMode.HALF_EVEN));
    }

    /** Python's float repr of a decimal: plain for 1e-4 <= |x| < 1e16, else {@code 1.5e-05}; always a dot or e. */
    static String repr(BigDecimal value) {
        BigDecimal d = value.stripTrailingZeros();
        if (d.signum() == 0) {
            return value.signum() < 0 ? "-0.0" : "0.0";
        }
        String digits = d.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - d.scale(); // power of ten of the leading digit
        String sign = d.signum() < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String plain = d.abs().toPlainString();
            return sign + (plain.indexOf('.') < 0 ? plain + ".0" : plain);
        }
        StringBuilder b = new StringBuilder(sign).append(digits.charAt(0));
        if (digits.length() > 1) {
            b.append('.').append(digits, 1, digits.length());
        }
        b.append('e').append(exponent < 0 ? '-' : '+');
        int abs = Math.abs(exponent);
        if (abs < 10) {
            b.append('0');
        }
        return b.append(abs).toString();
    }

    // ---- reading ----

    /** Reads a document written by {@link #write}; {@code source} names it in error messages. */
    public static Document read(byte[] json, String source) {
        JsonNode root;
        try {
            root = READER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new RunJsonException(source + ": not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (root == null || !root.isObject()) {
            throw new RunJsonException(source + ": expected a JSON object");
        }
        return new Reader(source).document(root);
    }

    /** Reads a run file. */
    public static Document read(Path file) throws IOException {
        return read(Files.readAllBytes(file), file.toString());
    }

    /** Walks the tree with the path of every field at hand, so a bad file names the field that is wrong. */
    private record Reader(String source) {
        Document document(JsonNode root) {
            int version = field(root, "meta", "meta").path("version").asInt(-1);
            if (version != V2) {
                throw fail("meta.version", "expected " + V2 + ", found " + root.path("meta").path("version"));
            }
            JsonNode ours = field(root, "logitlens", "logitlens");
            int format = ours.path("format").asInt(-1);
            if (format != FORMAT) {
                throw fail("logitlens.format", "this logitlens reads format " + FORMAT + ", the file has "
                        + ours.path("format") + "; rebuild it with this version");
            }
            String model = text(field(root.get("meta"), "model", "meta.model"), "meta.model");
            String[] input = strings(field(root, "input", "input"), "input");
            int[] layers = ints(field(root, "layers", "layers"), "layers");
            int k = integer(field(ours, "k", "logitlens.k"), "logitlens.k");
            int[] inputIds = ints(field(ours, "inputIds", "logitlens.inputIds"), "logitlens.inputIds");
            JsonNode topkNode = array(field(ours, "topk", "logitlens.topk"), "logitlens.topk");
            int[][][] topk = new int[topkNode.size()][][];
            for (int li = 0; li < topk.length; li++) {
                topk[li] = ints2(topkNode.get(li), "logitlens.topk[" + li + "]");
            }
            int[][] tracked = ints2(field(ours, "tracked", "logitlens.tracked"), "logitlens.tracked");
            JsonNode probsNode = array(field(ours, "probs", "logitlens.probs"), "logitlens.probs");
            float[][][] probs = new float[probsNode.size()][][];
            for (int pos = 0; pos < probs.length; pos++) {
                probs[pos] = floats2(probsNode.get(pos), "logitlens.probs[" + pos + "]");
            }
            JsonNode vocabNode = field(ours, "vocab", "logitlens.vocab");
            if (!vocabNode.isObject()) {
                throw fail("logitlens.vocab", "expected an object of id: string");
            }
            SortedMap<Integer, String> vocab = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = vocabNode.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                try {
                    vocab.put(Integer.parseInt(e.getKey()), text(e.getValue(), "logitlens.vocab." + e.getKey()));
                } catch (NumberFormatException ex) {
                    throw fail("logitlens.vocab", "key '" + e.getKey() + "' is not a token id");
                }
            }
            int[] finalTop1 = ints(field(ours, "finalTop1", "logitlens.finalTop1"), "logitlens.finalTop1");
            JsonNode metrics = field(ours, "metrics", "logitlens.metrics");
            float[][] entropy = floats2(field(metrics, "entropy", "logitlens.metrics.entropy"),
                    "logitlens.metrics.entropy");
            float[][] kl = floats2(field(metrics, "klToFinal", "logitlens.metrics.klToFinal"),
                    "logitlens.metrics.klToFinal");
            float[][] top1Prob = floats2(field(metrics, "finalTop1Prob", "logitlens.metrics.finalTop1Prob"),
                    "logitlens.metrics.finalTop1Prob");
            int[][] top1Rank = ints2(field(metrics, "finalTop1Rank", "logitlens.metrics.finalTop1Rank"),
                    "logitlens.metrics.finalTop1Rank");
            LensResult result;
            try {
                result = new LensResult(model, inputIds, input, layers, k, topk, tracked, probs, vocab, entropy, kl,
                        finalTop1, top1Prob, top1Rank);
            } catch (IllegalArgumentException e) {
                throw new RunJsonException(source + ": inconsistent shapes: " + e.getMessage());
            }
            checkCells(result);

            JsonNode p = field(root, "provenance", "provenance");
            String revision = p.path("revision").isNull() ? null : text(field(p, "revision", "provenance.revision"),
                    "provenance.revision");
            Provenance provenance = new Provenance(
                    text(field(p, "modelId", "provenance.modelId"), "provenance.modelId"),
                    text(field(p, "source", "provenance.source"), "provenance.source"),
                    revision,
                    text(field(p, "weightsHash", "provenance.weightsHash"), "provenance.weightsHash"),
                    text(field(p, "dtype", "provenance.dtype"), "provenance.dtype"),
                    text(field(p, "device", "provenance.device"), "provenance.device"),
                    integer(field(p, "k", "provenance.k"), "provenance.k"),
                    java.util.Arrays.stream(ints(field(p, "layers", "provenance.layers"), "provenance.layers"))
                            .boxed().toList(),
                    text(field(p, "prompt", "provenance.prompt"), "provenance.prompt"),
                    text(field(p, "toolVersion", "provenance.toolVersion"), "provenance.toolVersion"));
            return new Document(result, provenance);
        }

        /** The per-cell shapes LensResult's constructor does not check. */
        private void checkCells(LensResult r) {
            for (int li = 0; li < r.numLayers(); li++) {
                if (r.topk()[li].length != r.numPositions() || r.entropy()[li].length != r.numPositions()
                        || r.klToFinal()[li].length != r.numPositions()
                        || r.finalTop1Prob()[li].length != r.numPositions()
                        || r.finalTop1Rank()[li].length != r.numPositions()) {
                    throw fail("logitlens", "layer " + li + " does not have " + r.numPositions() + " positions");
                }
                for (int[] cell : r.topk()[li]) {
                    if (cell.length != r.k()) {
                        throw fail("logitlens.topk[" + li + "]", "a cell does not hold k = " + r.k() + " ids");
                    }
                }
            }
            for (int pos = 0; pos < r.numPositions(); pos++) {
                if (r.probs()[pos].length != r.numLayers()) {
                    throw fail("logitlens.probs[" + pos + "]", "expected " + r.numLayers() + " layers");
                }
                for (float[] row : r.probs()[pos]) {
                    if (row.length != r.tracked()[pos].length) {
                        throw fail("logitlens.probs[" + pos + "]", "expected one value per tracked id");
                    }
                }
            }
        }

        private JsonNode field(JsonNode parent, String name, String path) {
            JsonNode n = parent == null ? null : parent.get(name);
            if (n == null) {
                throw fail(path, "missing");
            }
            return n;
        }

        private JsonNode array(JsonNode n, String path) {
            if (!n.isArray()) {
                throw fail(path, "expected an array");
            }
            return n;
        }

        private String text(JsonNode n, String path) {
            if (!n.isTextual()) {
                throw fail(path, "expected a string");
            }
            return n.textValue();
        }

        private int integer(JsonNode n, String path) {
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                throw fail(path, "expected a whole number");
            }
            return n.intValue();
        }

        private String[] strings(JsonNode n, String path) {
            array(n, path);
            String[] out = new String[n.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = text(n.get(i), path + "[" + i + "]");
            }
            return out;
        }

        private int[] ints(JsonNode n, String path) {
            array(n, path);
            int[] out = new int[n.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = integer(n.get(i), path + "[" + i + "]");
            }
            return out;
        }

        private int[][] ints2(JsonNode n, String path) {
            array(n, path);
            int[][] out = new int[n.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = ints(n.get(i), path + "[" + i + "]");
            }
            return out;
        }

        private float[][] floats2(JsonNode n, String path) {
            array(n, path);
            float[][] out = new float[n.size()][];
            for (int i = 0; i < out.length; i++) {
                JsonNode row = array(n.get(i), path + "[" + i + "]");
                out[i] = new float[row.size()];
                for (int j = 0; j < row.size(); j++) {
                    out[i][j] = number(row.get(j), path + "[" + i + "][" + j + "]");
                }
            }
            return out;
        }

        /** Parsed from the decimal text, never through a double: double rounding could change the float. */
        private float number(JsonNode n, String path) {
            if (n.isNumber()) {
                return Float.parseFloat(n.isBigDecimal() ? n.decimalValue().toString() : n.asText());
            }
            if (n.isTextual()) {
                switch (n.textValue()) {
                    case "NaN": return Float.NaN;
                    case "Infinity": return Float.POSITIVE_INFINITY;
                    case "-Infinity": return Float.NEGATIVE_INFINITY;
                    default: break;
                }
            }
            throw fail(path, "expected a number");
        }

        private RunJsonException fail(String path, String problem) {
            return new RunJsonException(source + ": " + path + ": " + problem);
        }
    }

    /** A file that is not a run document this version can read; the message names the file and field. */
    public static final class RunJsonException extends RuntimeException {
        public RunJsonException(String message) {
            super(message);
        }
    }
}
