package dev.logitlens.core.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.logitlens.core.lens.Answer;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.Provenance;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the run document: fields in a fixed order, ids ascending, numbers by {@link PythonFloats}, so the
 * bytes are a pure function of the input.
 */
final class RunJsonWriter {
    private static final JsonFactory FACTORY = new JsonFactory();

    private RunJsonWriter() {}

    /** Writes the fields of one object. */
    interface Section {
        void write(JsonGenerator g) throws IOException;
    }

    /** One JSON object whose fields {@code body} writes, as UTF-8 bytes. */
    static byte[] object(Section body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory: cannot happen
        }
        return out.toByteArray();
    }

    // ---- V2: the seed's to_js_format, field by field ----

    static void v2(JsonGenerator g, LensResult r, String model) throws IOException {
        v2(g, r, model, null);
    }

    /** @param model {@code meta.model}: the name the widget shows, the gallery id of the run's model */
    static void v2(JsonGenerator g, LensResult r, String model, String lens) throws IOException {
        Map<Integer, String> vocab = r.vocab();
        g.writeObjectFieldStart("meta");
        g.writeNumberField("version", RunJson.V2);
        g.writeStringField("model", model);
        if (lens != null) {
            g.writeStringField("lens", lens);
        }
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
                        g.writeNumber(PythonFloats.round5(v));
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

    static void lossless(JsonGenerator g, LensResult r) throws IOException {
        lossless(g, r, null);
    }

    static void lossless(JsonGenerator g, LensResult r, float[][] klToLogitLens) throws IOException {
        g.writeObjectFieldStart("logitlens");
        g.writeNumberField("format", RunJson.FORMAT);
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
        if (klToLogitLens != null) {
            g.writeFieldName("klToLogitLens");
            floats2(g, klToLogitLens);
        }
        g.writeEndObject();
        g.writeArrayFieldStart("settle");
        for (int pos = 0; pos < r.numPositions(); pos++) {
            g.writeNumber(r.settleLayerIndex(pos));
        }
        g.writeEndArray();
        if (!r.answers().isEmpty()) { // only then, so runs without answers keep their bytes
            answers(g, r);
        }
        g.writeEndObject();
    }

    private static void answers(JsonGenerator g, LensResult r) throws IOException {
        int finalTop1 = r.finalTop1()[r.numPositions() - 1];
        g.writeArrayFieldStart("answers");
        for (Answer a : r.answers()) {
            g.writeStartObject();
            g.writeStringField("name", a.name());
            g.writeStringField("match", a.match());
            g.writeArrayFieldStart("continuations");
            for (String c : a.continuations()) {
                g.writeString(c);
            }
            g.writeEndArray();
            g.writeFieldName("ids");
            ints(g, a.ids());
            g.writeFieldName("prob");
            floats(g, a.prob());
            g.writeFieldName("rank");
            ints(g, a.rank());
            g.writeNumberField("settle", a.settleLayerIndex());
            g.writeBooleanField("finalTop1", a.contains(finalTop1));
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    static void provenance(JsonGenerator g, Provenance p) throws IOException {
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
            floats(g, row);
        }
        g.writeEndArray();
    }

    private static void floats(JsonGenerator g, float[] row) throws IOException {
        g.writeStartArray();
        for (float v : row) {
            if (Float.isFinite(v)) {
                g.writeNumber(PythonFloats.exact(v));
            } else {
                g.writeString(Float.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
            }
        }
        g.writeEndArray();
    }
}
