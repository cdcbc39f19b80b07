package dev.logitlens.core.aggregate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The aggregate series as files: one CSV ({@code model,tag,measure,layer,depth,mean,lo,hi,n}) and the same
 * rows as JSON. Every number is printed by {@link #number}, which the summary charts use too, so a chart
 * shows exactly what the files hold.
 */
public final class AggregateFiles {
    public static final String CSV_HEADER = "model,tag,measure,layer,depth,mean,lo,hi,n";

    private static final JsonFactory JSON = new JsonFactory();

    private AggregateFiles() {}

    /**
     * A value as the files print it: 6 significant digits, trailing zeros dropped, plain notation from 1e-4
     * up, else {@code 1.5E-7}; "" for NaN (no value: the interval of a single run).
     */
    public static String number(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "Infinity" : "-Infinity";
        }
        if (v == 0) {
            return "0";
        }
        BigDecimal d = new BigDecimal(v).round(new MathContext(6, RoundingMode.HALF_EVEN)).stripTrailingZeros();
        return Math.abs(v) >= 1e-4 ? d.toPlainString() : d.toString();
    }

    /** The CSV, with a header line and {@code \n} line ends. */
    public static byte[] csv(List<Aggregates.Series> series) {
        StringBuilder b = new StringBuilder(CSV_HEADER).append('\n');
        for (Aggregates.Series s : series) {
            for (Aggregates.Point p : s.points()) {
                b.append(csvField(s.model())).append(',').append(csvField(s.tag())).append(',')
                        .append(csvField(s.measure())).append(',')
                        .append(p.layer() < 0 ? "" : Integer.toString(p.layer())).append(',')
                        .append(number(p.depth())).append(',')
                        .append(number(p.estimate().value())).append(',')
                        .append(number(p.estimate().lo())).append(',')
                        .append(number(p.estimate().hi())).append(',')
                        .append(p.estimate().n()).append('\n');
            }
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled. */
    static String csvField(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /**
     * {@code {"format":1,"columns":[...],"rows":[{"model":..,"tag":..,"measure":..,"layer":..,"depth":..,
     * "mean":..,"lo":..,"hi":..,"n":..}, ...]}}: the CSV's rows, with null where the CSV has an empty field.
     */
    public static byte[] json(List<Aggregates.Series> series) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("format", 1);
            g.writeArrayFieldStart("columns");
            for (String c : CSV_HEADER.split(",")) {
                g.writeString(c);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("rows");
            for (Aggregates.Series s : series) {
                for (Aggregates.Point p : s.points()) {
                    g.writeStartObject();
                    g.writeStringField("model", s.model());
                    g.writeStringField("tag", s.tag());
                    g.writeStringField("measure", s.measure());
                    if (p.layer() < 0) {
                        g.writeNullField("layer");
                    } else {
                        g.writeNumberField("layer", p.layer());
                    }
                    jsonNumber(g, "depth", p.depth());
                    jsonNumber(g, "mean", p.estimate().value());
                    jsonNumber(g, "lo", p.estimate().lo());
                    jsonNumber(g, "hi", p.estimate().hi());
                    g.writeNumberField("n", p.estimate().n());
                    g.writeEndObject();
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: cannot happen
        }
        out.write('\n');
        return out.toByteArray();
    }

    private static void jsonNumber(JsonGenerator g, String name, double v) throws IOException {
        String s = number(v);
        if (s.isEmpty() || Double.isInfinite(v)) {
            g.writeNullField(name);
        } else {
            g.writeFieldName(name);
            g.writeNumber(s); // the very digits of the CSV
        }
    }
}
