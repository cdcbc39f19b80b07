package dev.logitlens.site;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.logitlens.core.format.V2Document;
import dev.logitlens.core.lens.LensResult;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.Map;

/**
 * The compact JSON the widget reads from its page. Ids instead of repeated strings, probabilities as
 * integers in units of 1e-5 (exactly the precision of the seed's V2 format, without the {@code 0.} prefix),
 * entropies and KLs to 1e-3 nats, so it stays smaller than the run's V2 document while carrying more.
 *
 * <pre>
 * {"format":1, "model", "modelId", "promptId", "k", "probScale":100000,
 *  "input":[P], "inputIds":[P], "layers":[L], "topk":[L][P][k] ids, "tracked":[P][n_p] ids,
 *  "probs":[P][L][n_p] ints, "vocab":{id:string}, "finalTop1":[P], "settle":[P] layer index or -1,
 *  "metrics":{"entropy":[L][P], "klToFinal":[L][P], "finalTop1Prob":[L][P] ints, "finalTop1Rank":[L][P]},
 *  "answers":[{"name", "label", "ids", "prob":[L] ints, "rank":[L]}]}   (answers only when the prompt has some)
 * </pre>
 * Non-finite metrics are written as null. A run imported from a V2 document (no entropy anywhere) also has
 * {@code "lacks":["rank","entropy","kl"]}: the colour modes it cannot offer.
 */
final class LensData {
    static final int PROB_SCALE = 100_000;
    private static final JsonFactory JSON = new JsonFactory();

    private LensData() {
    }

    /** Plain JSON (not yet escaped for a script element). */
    static String json(LensResult r, String modelId, String promptId) {
        return json(r, modelId, promptId, null, null);
    }

    /**
     * A tuned lens's data: the same fields, plus {@code "lens":"tuned"} and
     * {@code metrics.klToLogitLens} [L][P] (KL(tuned ‖ logit) per cell) when {@code lens} is not null.
     */
    static String json(LensResult r, String modelId, String promptId, String lens, float[][] klToLogitLens) {
        StringWriter out = new StringWriter(8192);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("format", 1);
            if (lens != null) {
                g.writeStringField("lens", lens);
            }
            g.writeStringField("model", modelId); // the name the widget shows (V2's meta.model)
            g.writeStringField("modelId", modelId);
            g.writeStringField("promptId", promptId);
            g.writeNumberField("k", r.k());
            g.writeNumberField("probScale", PROB_SCALE);
            g.writeArrayFieldStart("input");
            for (String s : r.input()) {
                g.writeString(s);
            }
            g.writeEndArray();
            writeInts(g, "inputIds", r.inputIds());
            writeInts(g, "layers", r.layers());
            g.writeArrayFieldStart("topk");
            for (int[][] layer : r.topk()) {
                g.writeStartArray();
                for (int[] cell : layer) {
                    writeInts(g, null, cell);
                }
                g.writeEndArray();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("tracked");
            for (int[] ids : r.tracked()) {
                writeInts(g, null, ids);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("probs");
            for (float[][] pos : r.probs()) {
                g.writeStartArray();
                for (float[] layer : pos) {
                    g.writeStartArray();
                    for (float p : layer) {
                        writeProb(g, p);
                    }
                    g.writeEndArray();
                }
                g.writeEndArray();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("vocab");
            for (Map.Entry<Integer, String> e : r.vocab().entrySet()) { // SortedMap: deterministic order
                g.writeStringField(Integer.toString(e.getKey()), e.getValue());
            }
            g.writeEndObject();
            writeInts(g, "finalTop1", r.finalTop1());
            int[] settle = new int[r.numPositions()];
            for (int p = 0; p < settle.length; p++) {
                settle[p] = r.settleLayerIndex(p);
            }
            writeInts(g, "settle", settle);
            if (V2Document.lacksMetrics(r)) { // the widget hides what a strings-only document cannot give
                g.writeArrayFieldStart("lacks");
                for (String mode : new String[] {"rank", "entropy", "kl"}) {
                    g.writeString(mode);
                }
                g.writeEndArray();
            }
            g.writeObjectFieldStart("metrics");
            writeNats(g, "entropy", r.entropy());
            writeNats(g, "klToFinal", r.klToFinal());
            if (klToLogitLens != null) {
                writeNats(g, "klToLogitLens", klToLogitLens);
            }
            g.writeArrayFieldStart("finalTop1Prob");
            for (float[] row : r.finalTop1Prob()) {
                g.writeStartArray();
                for (float p : row) {
                    writeProb(g, p);
                }
                g.writeEndArray();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("finalTop1Rank");
            for (int[] row : r.finalTop1Rank()) {
                writeInts(g, null, row);
            }
            g.writeEndArray();
            g.writeEndObject();
            if (!r.answers().isEmpty()) {
                g.writeArrayFieldStart("answers"); // the last position's groups, for the cell popup
                for (dev.logitlens.core.lens.Answer a : r.answers()) {
                    g.writeStartObject();
                    g.writeStringField("name", a.name());
                    g.writeStringField("label", RunAnswers.label(a));
                    writeInts(g, "ids", a.ids());
                    g.writeArrayFieldStart("prob");
                    for (float p : a.prob()) {
                        writeProb(g, p);
                    }
                    g.writeEndArray();
                    writeInts(g, "rank", a.rank());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    /** Probability as an integer count of 1e-5, the V2 format's precision. */
    static long scaledProb(float p) {
        return Math.round(Math.max(0.0, Math.min(1.0, p)) * PROB_SCALE);
    }

    private static void writeProb(JsonGenerator g, float p) throws IOException {
        if (Float.isNaN(p)) {
            g.writeNull();
        } else {
            g.writeNumber(scaledProb(p));
        }
    }

    private static void writeNats(JsonGenerator g, String name, float[][] values) throws IOException {
        g.writeArrayFieldStart(name);
        for (float[] row : values) {
            g.writeStartArray();
            for (float v : row) {
                if (!Float.isFinite(v)) {
                    g.writeNull();
                } else {
                    // 1e-3 nats is far below what a colour scale can show; strip zeros for size.
                    g.writeNumber(BigDecimal.valueOf(Math.round(v * 1000.0), 3).stripTrailingZeros().toPlainString());
                }
            }
            g.writeEndArray();
        }
        g.writeEndArray();
    }

    private static void writeInts(JsonGenerator g, String name, int[] values) throws IOException {
        if (name != null) {
            g.writeFieldName(name);
        }
        g.writeArray(values, 0, values.length);
    }
}
