package dev.logitlens.site;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.logitlens.core.lens.LensResult;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The seed's V2 document for a result, as its {@code to_js_format} writes it (tracked keyed by token string,
 * last id wins on collisions, probabilities rounded to 5 decimals), serialized without optional whitespace:
 * the smallest honest V2 size to compare the widget's data against.
 */
final class V2 {
    private V2() {
    }

    static String json(LensResult r) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeObjectFieldStart("meta");
            g.writeNumberField("version", 2);
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
                        g.writeString(r.vocab().get(id));
                    }
                    g.writeEndArray();
                }
                g.writeEndArray();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("tracked");
            for (int p = 0; p < r.numPositions(); p++) {
                Map<String, float[]> byString = new LinkedHashMap<>();
                for (int j = 0; j < r.tracked()[p].length; j++) {
                    float[] traj = new float[r.numLayers()];
                    for (int li = 0; li < r.numLayers(); li++) {
                        traj[li] = r.probs()[p][li][j];
                    }
                    byString.put(r.vocab().get(r.tracked()[p][j]), traj);
                }
                g.writeStartObject();
                for (Map.Entry<String, float[]> e : byString.entrySet()) {
                    g.writeArrayFieldStart(e.getKey());
                    for (float v : e.getValue()) {
                        g.writeNumber(BigDecimal.valueOf(v).setScale(5, RoundingMode.HALF_EVEN).stripTrailingZeros()
                                .toPlainString());
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
