package dev.logitlens.core.tuned;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A tuned lens folder's {@code config.json}, with tuned-lens's field names and defaults
 * ({@code TunedLensConfig}: bias true, lens_type linear_tuned_lens, revision and hash optional).
 *
 * @param baseModel        base_model_name_or_path
 * @param dModel           d_model, the hidden size the translators act on
 * @param numHiddenLayers  num_hidden_layers: one translator per hidden state before the last
 * @param bias             whether translators have a bias
 * @param baseModelRevision base_model_revision, or null
 * @param unembedHash      unembed_hash (see {@link UnembedHash}), or null
 */
public record TunedLensConfig(String baseModel, int dModel, int numHiddenLayers, boolean bias,
                              String baseModelRevision, String unembedHash) {
    public static final String LENS_TYPE = "linear_tuned_lens";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads {@code file}; {@code where} names it in errors. */
    public static TunedLensConfig read(Path file, String where) {
        if (!Files.isRegularFile(file)) {
            throw new TunedLensException(where + " does not exist (" + file + "); a tuned lens folder holds"
                    + " config.json and params.pt.");
        }
        JsonNode json;
        try {
            json = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new TunedLensException(where + " is not valid JSON: " + e.getMessage(), e);
        }
        if (json == null || !json.isObject()) {
            throw new TunedLensException(where + " must hold a JSON object.");
        }
        String type = text(json, "lens_type", LENS_TYPE, where);
        if (!LENS_TYPE.equals(type)) {
            throw new TunedLensException(where + ": lens_type is '" + type + "'; only " + LENS_TYPE
                    + " (tuned-lens's affine translators) is supported.");
        }
        return new TunedLensConfig(text(json, "base_model_name_or_path", "", where),
                positive(json, "d_model", where), positive(json, "num_hidden_layers", where),
                bool(json, "bias", where), text(json, "base_model_revision", null, where),
                text(json, "unembed_hash", null, where));
    }

    /** The JSON tuned-lens's {@code TunedLensConfig.to_dict} writes, key for key. */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("base_model_name_or_path", baseModel);
        o.put("d_model", dModel);
        o.put("num_hidden_layers", numHiddenLayers);
        o.put("bias", bias);
        o.put("base_model_revision", baseModelRevision);
        o.put("unembed_hash", unembedHash);
        o.put("lens_type", LENS_TYPE);
        return o.toString();
    }

    private static int positive(JsonNode json, String key, String where) {
        JsonNode v = json.get(key);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() <= 0) {
            throw new TunedLensException(where + ": " + key + " must be a positive integer, got "
                    + (v == null ? "nothing" : v) + ".");
        }
        return v.asInt();
    }

    private static boolean bool(JsonNode json, String key, String where) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            return true;
        }
        if (!v.isBoolean()) {
            throw new TunedLensException(where + ": " + key + " must be true or false, got " + v + ".");
        }
        return v.asBoolean();
    }

    private static String text(JsonNode json, String key, String dflt, String where) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isTextual()) {
            throw new TunedLensException(where + ": " + key + " must be a string, got " + v + ".");
        }
        return v.asText();
    }
}
