package dev.logitlens.core.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a random Llama-shaped BF16 checkpoint of any size, streaming: tensor data is generated chunk by chunk
 * straight into the file, so a 13.5 GB Llama-2-7B shape needs no more heap than one chunk. Weights are uniform
 * with standard deviation 0.02 (norms 1), from a fixed xorshift sequence.
 */
final class BigLlamaWriter {
    record Shape(int layers, int hidden, int heads, int kvHeads, int intermediate, int vocab, int positions) {
        int headDim() {
            return hidden / heads;
        }
    }

    private BigLlamaWriter() {}

    static void write(Path dir, Shape s) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model_type", "llama");
        config.put("hidden_size", s.hidden());
        config.put("intermediate_size", s.intermediate());
        config.put("num_hidden_layers", s.layers());
        config.put("num_attention_heads", s.heads());
        config.put("num_key_value_heads", s.kvHeads());
        config.put("vocab_size", s.vocab());
        config.put("max_position_embeddings", s.positions());
        config.put("rms_norm_eps", 1e-5);
        config.put("rope_theta", 10000.0);
        config.put("hidden_act", "silu");
        config.put("tie_word_embeddings", false);
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
        WordLevelTokenizerWriter.write(dir, List.of(), s.vocab());

        long d = s.hidden();
        long kv = (long) s.kvHeads() * s.headDim();
        long inter = s.intermediate();
        List<Object[]> tensors = new ArrayList<>(); // name, shape, isNorm
        tensors.add(new Object[] {"model.embed_tokens.weight", new long[] {s.vocab(), d}, false});
        for (int i = 0; i < s.layers(); i++) {
            String p = "model.layers." + i + ".";
            tensors.add(new Object[] {p + "input_layernorm.weight", new long[] {d}, true});
            tensors.add(new Object[] {p + "self_attn.q_proj.weight", new long[] {d, d}, false});
            tensors.add(new Object[] {p + "self_attn.k_proj.weight", new long[] {kv, d}, false});
            tensors.add(new Object[] {p + "self_attn.v_proj.weight", new long[] {kv, d}, false});
            tensors.add(new Object[] {p + "self_attn.o_proj.weight", new long[] {d, d}, false});
            tensors.add(new Object[] {p + "post_attention_layernorm.weight", new long[] {d}, true});
            tensors.add(new Object[] {p + "mlp.gate_proj.weight", new long[] {inter, d}, false});
            tensors.add(new Object[] {p + "mlp.up_proj.weight", new long[] {inter, d}, false});
            tensors.add(new Object[] {p + "mlp.down_proj.weight", new long[] {d, inter}, false});
        }
        tensors.add(new Object[] {"model.norm.weight", new long[] {d}, true});
        tensors.add(new Object[] {"lm_head.weight", new long[] {s.vocab(), d}, false});

        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        for (int t = 0; t < tensors.size(); t++) {
            long[] shape = (long[]) tensors.get(t)[1];
            long n = 1;
            for (long x : shape) {
                n *= x;
            }
            header.append(t == 0 ? "" : ",").append('"').append(tensors.get(t)[0]).append("\":{\"dtype\":\"BF16\",")
                    .append("\"shape\":").append(java.util.Arrays.toString(shape).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(offset + 2 * n).append("]}");
            offset += 2 * n;
        }
        header.append('}');
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        int pad = (8 - h.length % 8) % 8;
        try (FileChannel ch = FileChannel.open(dir.resolve("model.safetensors"), StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ByteBuffer lead = ByteBuffer.allocate(8 + h.length + pad).order(ByteOrder.LITTLE_ENDIAN);
            lead.putLong(h.length + pad).put(h);
            for (int i = 0; i < pad; i++) {
                lead.put((byte) ' ');
            }
            lead.flip();
            ch.write(lead);
            ByteBuffer buf = ByteBuffer.allocateDirect(32 << 20).order(ByteOrder.LITTLE_ENDIAN);
            long state = 0x9E3779B97F4A7C15L;
            float scale = (float) (0.02 * Math.sqrt(3)); // uniform on [-a, a] has std a / sqrt(3)
            short one = (short) (Float.floatToIntBits(1f) >>> 16);
            for (Object[] t : tensors) {
                long n = 1;
                for (long x : (long[]) t[1]) {
                    n *= x;
                }
                boolean norm = (boolean) t[2];
                for (long i = 0; i < n; i++) {
                    short v;
                    if (norm) {
                        v = one;
                    } else {
                        state ^= state << 13;
                        state ^= state >>> 7;
                        state ^= state << 17;
                        float u = ((state >>> 40) / (float) (1 << 24)) * 2f - 1f;
                        v = (short) (Float.floatToIntBits(u * scale) >>> 16);
                    }
                    buf.putShort(v);
                    if (!buf.hasRemaining()) {
                        buf.flip();
                        while (buf.hasRemaining()) {
                            ch.write(buf);
                        }
                        buf.clear();
                    }
                }
            }
            buf.flip();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
    }
}
