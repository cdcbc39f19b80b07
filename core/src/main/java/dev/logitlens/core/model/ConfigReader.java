package dev.logitlens.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logitlens.core.checkpoint.CheckpointException;

/**
 * Typed reads of config.json keys, with defaults for absent (or null) keys and errors naming the file and
 * key on a wrong type.
 *
 * @param where the config.json path, as errors name it
 */
public record ConfigReader(JsonNode json, String where) {
    /** A size key and the default transformers' config class gives it. */
    public record Size(String key, int transformersDefault) {}

    public int intOr(String key, int dflt) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new CheckpointException(where + ": " + key + " must be an integer, got " + v);
        }
        return v.asInt();
    }

    /**
     * A size key the weights' shapes depend on (hidden_size, num_hidden_layers, ...): transformers would fill an
     * absent one with its class default, which then disagrees with every tensor; here its absence is the error.
     *
     * @param transformersDefault what transformers' config class would use, named in the message
     */
    public int required(String key, Object transformersDefault) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            throw new CheckpointException(where + ": " + key + " is absent. transformers would use its default "
                    + transformersDefault + ", which the weights were almost certainly not made with; set " + key
                    + " to the model's value (the original config.json has it)");
        }
        return intOr(key, 0);
    }

    public int positiveInt(String key, int dflt) {
        int v = intOr(key, dflt);
        if (v <= 0) {
            throw new CheckpointException(where + ": " + key + " must be positive, got " + v);
        }
        return v;
    }

    public double doubleOr(String key, double dflt) {
        Double d = nullableDouble(key, dflt);
        return d == null ? dflt : d;
    }

    /** Absent: {@code dflt}; JSON null: null (switched off); else the number. */
    public Double nullableDouble(String key, Double dflt) {
        JsonNode v = json.get(key);
        if (v == null) {
            return dflt;
        }
        if (v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw new CheckpointException(where + ": " + key + " must be a number or null, got " + v);
        }
        return v.asDouble();
    }

    public boolean boolOr(String key, boolean dflt) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw new CheckpointException(where + ": " + key + " must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    public String textOr(String key, String dflt) {
        JsonNode v = json.get(key);
        return v == null || v.isNull() ? dflt : v.asText();
    }
}
