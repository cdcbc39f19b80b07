package dev.logitlens.core.model.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logitlens.core.checkpoint.CheckpointException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hugging Face's per-model_type defaults and the switches derived from config.json. */
class LlamaConfigTest {
    private static LlamaConfig parse(String json) throws Exception {
        JsonNode node = new ObjectMapper().readTree(json);
        return LlamaConfig.from(node, "m/config.json");
    }

    private static final String BASE = "\"hidden_size\": 64, \"num_attention_heads\": 4, \"num_hidden_layers\": 4";

    @Test
    void perTypeDefaults() throws Exception {
        LlamaConfig llama = parse("{\"model_type\": \"llama\", " + BASE + "}");
        assertEquals(16, llama.headDim());
        assertEquals(4, llama.numKvHeads());
        assertFalse(llama.tieWordEmbeddings());
        assertFalse(llama.qkvBias() || llama.outputBias() || llama.mlpBias() || llama.qkNorm());
        assertEquals(List.of(0, 0, 0, 0), llama.slidingWindows());
        assertEquals(10000.0, llama.ropeTheta());

        LlamaConfig qwen3 = parse("{\"model_type\": \"qwen3\", " + BASE + "}");
        assertEquals(128, qwen3.headDim(), "Qwen3's head_dim defaults to 128, not hidden / heads");
        assertTrue(qwen3.qkNorm());

        LlamaConfig qwen2 = parse("{\"model_type\": \"qwen2\", " + BASE + "}");
        assertTrue(qwen2.qkvBias());
        assertFalse(qwen2.outputBias());
        assertEquals(List.of(0, 0, 0, 0), qwen2.slidingWindows(), "use_sliding_window defaults to false");

        LlamaConfig mistral = parse("{\"model_type\": \"mistral\", " + BASE + ", \"num_key_value_heads\": 2}");
        assertEquals(List.of(4096, 4096, 4096, 4096), mistral.slidingWindows());
        assertFalse(mistral.qkvBias());
        LlamaConfig mistralNoWindow = parse("{\"model_type\": \"mistral\", " + BASE
                + ", \"num_key_value_heads\": 2, \"sliding_window\": null}");
        assertEquals(List.of(0, 0, 0, 0), mistralNoWindow.slidingWindows());
    }

    @Test
    void qwenSlidingLayers() throws Exception {
        LlamaConfig byIndex = parse("{\"model_type\": \"qwen2\", " + BASE
                + ", \"use_sliding_window\": true, \"sliding_window\": 32, \"max_window_layers\": 2}");
        assertEquals(List.of(0, 0, 32, 32), byIndex.slidingWindows());
        LlamaConfig byTypes = parse("{\"model_type\": \"qwen3\", " + BASE + ", \"use_sliding_window\": true, "
                + "\"sliding_window\": 32, \"layer_types\": [\"sliding_attention\", \"full_attention\", "
                + "\"sliding_attention\", \"full_attention\"]}");
        assertEquals(List.of(32, 0, 32, 0), byTypes.slidingWindows());
    }

    @Test
    void partialRotaryAndRopeParameters() throws Exception {
        LlamaConfig c = parse("{\"model_type\": \"llama\", " + BASE
                + ", \"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 500000.0, "
                + "\"partial_rotary_factor\": 0.5}}");
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(8, c.rotaryDim());
    }

    @Test
    void absentSizeKeyIsNamedWithTransformersDefault() {
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> parse("{\"model_type\": \"llama\", \"num_attention_heads\": 4, \"num_hidden_layers\": 4}"));
        assertEquals("m/config.json: hidden_size is absent. transformers would use its default 4096, which the"
                + " weights were almost certainly not made with; set hidden_size to the model's value (the original"
                + " config.json has it)", e.getMessage());
    }

    @Test
    void badValuesNameFileAndKey() {
        CheckpointException gqa = assertThrows(CheckpointException.class, () -> parse(
                "{\"model_type\": \"llama\", " + BASE + ", \"num_key_value_heads\": 3}"));
        assertTrue(gqa.getMessage().contains("m/config.json") && gqa.getMessage().contains("num_key_value_heads"));
        CheckpointException type = assertThrows(CheckpointException.class, () -> parse(
                "{\"model_type\": \"llama\", " + BASE + ", \"attention_bias\": \"yes\"}"));
        assertTrue(type.getMessage().contains("attention_bias"), type.getMessage());
    }
}
