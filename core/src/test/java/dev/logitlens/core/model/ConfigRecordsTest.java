package dev.logitlens.core.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.model.gpt2.Gpt2Config;
import dev.logitlens.core.model.gptj.GptJConfig;
import dev.logitlens.core.model.gptneox.GptNeoXConfig;
import dev.logitlens.core.model.opt.OptConfig;
import dev.logitlens.core.model.phi3.Phi3Config;
import org.junit.jupiter.api.Test;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every family reads config.json through ConfigReader: absent sizes and wrong types are named with the file. */
class ConfigRecordsTest {
    private static final String WHERE = "m/config.json";

    private static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String error(Function<JsonNode, ?> from, String config) {
        return assertThrows(CheckpointException.class, () -> from.apply(json(config))).getMessage();
    }

    private static String absent(String key, int transformersDefault) {
        return WHERE + ": " + key + " is absent. transformers would use its default " + transformersDefault
                + ", which the weights were almost certainly not made with; set " + key + " to the model's value"
                + " (the original config.json has it)";
    }

    @Test
    void absentSizesNameTheKeyAndTransformersDefault() {
        // vocab_size, ffn_dim and intermediate_size shape tensors too: they used to fail as "must be positive"
        assertEquals(absent("vocab_size", 50257), error(j -> Gpt2Config.from(j, WHERE),
                "{\"n_positions\": 8, \"n_embd\": 8, \"n_layer\": 1, \"n_head\": 2}"));
        assertEquals(absent("ffn_dim", 3072), error(j -> OptConfig.from(j, WHERE),
                "{\"vocab_size\": 9, \"hidden_size\": 8, \"num_hidden_layers\": 1, \"num_attention_heads\": 2}"));
        assertEquals(absent("intermediate_size", 24576), error(j -> GptNeoXConfig.from(j, WHERE),
                "{\"vocab_size\": 9, \"hidden_size\": 8, \"num_hidden_layers\": 1, \"num_attention_heads\": 2}"));
        assertEquals(absent("intermediate_size", 8192), error(j -> Phi3Config.from(j, WHERE),
                "{\"vocab_size\": 9, \"hidden_size\": 8, \"num_hidden_layers\": 1, \"num_attention_heads\": 2}"));
        assertEquals(absent("n_embd", 4096), error(j -> GptJConfig.from(j, WHERE),
                "{\"vocab_size\": 9, \"n_layer\": 1, \"n_head\": 2}"));
    }

    @Test
    void wrongTypesNameTheKey() {
        String gpt2 = "{\"vocab_size\": 9, \"n_positions\": 8, \"n_embd\": 8, \"n_layer\": 1, \"n_head\": 2, ";
        assertEquals(WHERE + ": layer_norm_epsilon must be a number or null, got \"small\"",
                error(j -> Gpt2Config.from(j, WHERE), gpt2 + "\"layer_norm_epsilon\": \"small\"}"));
        assertEquals(WHERE + ": tie_word_embeddings must be true or false, got \"yes\"",
                error(j -> Gpt2Config.from(j, WHERE), gpt2 + "\"tie_word_embeddings\": \"yes\"}"));
        assertEquals(WHERE + ": n_inner must be an integer, got 2.5",
                error(j -> Gpt2Config.from(j, WHERE), gpt2 + "\"n_inner\": 2.5}"));
    }

    @Test
    void theRecordsOwnChecksNameTheFileAndFamily() {
        assertEquals(WHERE + ": invalid GPT-2 config (n_embd 8 is not divisible by n_head 3)",
                error(j -> Gpt2Config.from(j, WHERE),
                        "{\"vocab_size\": 9, \"n_positions\": 8, \"n_embd\": 8, \"n_layer\": 1, \"n_head\": 3}"));
    }

    @Test
    void absentOptionalKeysTakeTransformersDefaults() {
        Gpt2Config c = Gpt2Config.from(json(
                "{\"vocab_size\": 9, \"n_positions\": 8, \"n_embd\": 8, \"n_layer\": 1, \"n_head\": 2,"
                        + " \"layer_norm_epsilon\": null}"), WHERE);
        assertEquals(32, c.innerSize());
        assertEquals("gelu_new", c.activation());
        assertEquals(1e-5f, c.layerNormEps());
        assertEquals(true, c.tieWordEmbeddings());
    }

    @Test
    void gptJAcceptsTheNamesOfItsAttributeMap() {
        GptJConfig c = GptJConfig.from(json("{\"vocab_size\": 9, \"hidden_size\": 8, \"num_hidden_layers\": 1,"
                + " \"num_attention_heads\": 2, \"max_position_embeddings\": 16, \"rotary_dim\": 2}"), WHERE);
        assertEquals(8, c.hiddenSize());
        assertEquals(1, c.numLayers());
        assertEquals(2, c.numHeads());
        assertEquals(16, c.maxPositions());
        OptConfig o = OptConfig.from(json("{\"vocab_size\": 9, \"d_model\": 8, \"num_hidden_layers\": 1,"
                + " \"num_attention_heads\": 2, \"ffn_dim\": 16}"), WHERE);
        assertEquals(8, o.hiddenSize());
    }
}
