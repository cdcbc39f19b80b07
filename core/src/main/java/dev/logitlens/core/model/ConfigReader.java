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
