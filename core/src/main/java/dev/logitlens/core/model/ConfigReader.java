package dev.logitlens.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logitlens.core.checkpoint.CheckpointException;

/**
 * Typed reads of config.json keys, with defaults for absent (or null) keys and errors naming the file and
 * key on a wrong type. Every family reads its config.json through one of these (see "Adding a family" in
 * docs/models.md): by hand rather than by data binding, so that a wrong or absent key is named with the file,
 * and so that defaults may depend on model_type as they do in transformers.
 *
 * <p>The {@code ...OrNull} reads give null for an absent or null key, for records whose compact constructor
 * fills in the defaults (so a record built in code gets the same defaults).
 *
 * @param where the config.json path, as errors name it
 */
public record ConfigReader(JsonNode json, String where) {

    public int intOr(String key, int dflt) {
        Integer v = intOrNull(key);
        return v == null ? dflt : v;
    }

    public Integer intOrNull(String key) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new CheckpointException(where + ": " + key + " must be an integer, got " + v);
        }
        return v.asInt();
    }

    public Double doubleOrNull(String key) {
        JsonNode v = json.get(key);
        return v == null || v.isNull() ? null : nullableDouble(key, null);
    }

    public Float floatOrNull(String key) {
        Double d = doubleOrNull(key);
        return d == null ? null : d.floatValue();
    }

    public Boolean boolOrNull(String key) {
        JsonNode v = json.get(key);
        return v == null || v.isNull() ? null : boolOr(key, false);
    }

    public String textOrNull(String key) {
        return textOr(key, null);
    }

    /**
     * The key this config.json uses for a value: {@code key} when present, else the first of {@code aliases} that
     * is (the other names transformers' {@code attribute_map} accepts), else {@code key}, so errors name it.
     */
    public String keyOf(String key, String... aliases) {
        if (json.has(key)) {
            return key;
        }
        for (String a : aliases) {
            if (json.has(a)) {
                return a;
            }
        }
        return key;
    }

    /**
     * Builds a config record: the record's own checks (positive sizes, divisibility) fail naming the file and
     * {@code family}.
     */
    public <T> T build(String family, java.util.function.Supplier<T> record) {
        try {
            return record.get();
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(where + ": invalid " + family + " config (" + e.getMessage() + ")");
        }
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
