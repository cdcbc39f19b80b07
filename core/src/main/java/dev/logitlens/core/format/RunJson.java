package dev.logitlens.core.format;

import dev.logitlens.core.UserInputException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.Provenance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The JSON document of one run (see {@code docs/data-format.md}): the seed's V2 fields at the top level,
 * exactly as its {@code to_js_format} builds them, then our lossless {@code logitlens} object and the
 * {@code provenance}. {@link RunJsonWriter} writes it (numbers by {@link PythonFloats}),
 * {@link RunJsonReader} reads it back.
 *
 * <p>Output is a pure function of its input: fields in a fixed order, ids ascending, numbers printed by
 * rules that do not depend on the JVM.
 */
public final class RunJson {
    /** Version of our {@code logitlens} object; bump when its meaning changes. */
    public static final int FORMAT = 1;
    /** The seed widget's format version, written in {@code meta.version}. */
    public static final int V2 = 2;

    private static final ObjectMapper READER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /** {@code meta.lens} of a tuned lens's document; a logit lens's document has no {@code meta.lens}. */
    public static final String TUNED = "tuned";

    /**
     * A run as stored: the lens result and where it came from.
     *
     * @param lens          {@code logit}, or {@link #TUNED} for a tuned lens's document
     * @param klToLogitLens a tuned lens's [L][P] KL(tuned ‖ logit) per cell; null for the logit lens
     */
    public record Document(LensResult result, Provenance provenance, String lens, float[][] klToLogitLens) {
        public Document(LensResult result, Provenance provenance) {
            this(result, provenance, "logit", null);
        }
    }

    private RunJson() {}

    /** The document as UTF-8 bytes, one line plus a newline. */
    public static byte[] write(LensResult r, Provenance p) {
        return write(r, p, null, null);
    }

    /**
     * A tuned lens's document: the same format, with {@code meta.lens: "tuned"} and
     * {@code logitlens.metrics.klToLogitLens}; {@code lens} null writes the logit lens's document.
     */
    public static byte[] write(LensResult r, Provenance p, String lens, float[][] klToLogitLens) {
        byte[] body = RunJsonWriter.object(g -> {
            RunJsonWriter.v2(g, r, p.modelId(), lens);
            RunJsonWriter.lossless(g, r, klToLogitLens);
            RunJsonWriter.provenance(g, p);
        });
        byte[] line = java.util.Arrays.copyOf(body, body.length + 1);
        line[body.length] = '\n';
        return line;
    }

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
        return RunJsonReader.document(RunJsonReader.Cursor.root(source, root));
    }

    /** Reads a run file. */
    public static Document read(Path file) throws IOException {
        return read(Files.readAllBytes(file), file.toString());
    }

    /** A file that is not a run document this version can read; the message names the file and field. */
    public static final class RunJsonException extends UserInputException {
        public RunJsonException(String message) {
            super(message);
        }
    }
}
