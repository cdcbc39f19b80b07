package dev.logitlens.core.checkpoint;

import ai.djl.Device;
import dev.logitlens.core.lens.LensSession;
import dev.logitlens.core.synth.RandomGpt2;
import dev.logitlens.core.synth.SyntheticCheckpoint;
import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every way a checkpoint can be broken gets a message naming the file, the tensor and the fix. */
class BadCheckpointTest {
    @TempDir
    Path dir;
    Path weights;

    @BeforeEach
    void writeModel() throws IOException {
        RandomGpt2.write(dir, new RandomGpt2.Spec(2, 8, 2, 16, 8, TensorDtype.F32, "", true, 1, 1));
        WordLevelTokenizerWriter.write(dir, List.of("a", "b"), 16);
        weights = dir.resolve("model.safetensors");
    }

    private CheckpointException fails() {
        return assertThrows(CheckpointException.class, () -> {
            try (LensSession s = LensSession.open(dir, "m", Device.cpu(), "auto")) {
                s.collect("a b", 3, null);
            }
        });
    }

    @Test
    void truncatedFile() throws IOException {
        try (FileChannel ch = FileChannel.open(weights, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 100);
        }
        String msg = fails().getMessage();
        assertTrue(msg.startsWith(weights.toString() + ": tensor '"), msg);
        assertTrue(msg.contains("past its end") && msg.contains("truncated or its header lies"), msg);
    }

    @Test
    void fileShorterThanHeaderLength() throws IOException {
        try (FileChannel ch = FileChannel.open(weights, StandardOpenOption.WRITE)) {
            ch.truncate(50);
        }
        String msg = fails().getMessage();
        assertTrue(msg.contains(weights + ": the header length field says"), msg);
    }

    @Test
    void lyingHeaderOffsets() throws IOException {
        rewriteHeader(h -> h.replaceFirst("\"data_offsets\":\\[0,(\\d+)\\]", "\"data_offsets\":[0,999999999]"));
        String msg = fails().getMessage();
        assertTrue(msg.contains("ends at byte 999999999 of the data section, past its end"), msg);
    }

    @Test
    void overlappingTensors() throws IOException {
        // Point the second tensor at the first one's bytes, keeping its size.
        rewriteHeader(h -> {
            String json = h;
            var m = java.util.regex.Pattern.compile("\"data_offsets\":\\[(\\d+),(\\d+)\\]").matcher(json);
            m.find();
            m.find();
            long begin = Long.parseLong(m.group(1));
            long end = Long.parseLong(m.group(2));
            return json.substring(0, m.start()) + "\"data_offsets\":[" + (begin - 4) + "," + (end - 4) + "]"
                    + json.substring(m.end());
        });
        String msg = fails().getMessage();
        assertTrue(msg.contains("overlap in the data section"), msg);
        assertTrue(msg.startsWith(weights.toString()), msg);
    }

    @Test
    void unknownDtype() throws IOException {
        rewriteHeader(h -> h.replaceFirst("\"F32\"", "\"F8_E4\""));
        String msg = fails().getMessage();
        assertTrue(msg.contains("has unsupported dtype F8_E4 (supported: F32, F16, BF16, I64, I32, U8, BOOL)"), msg);
    }

    @Test
    void missingTensor() throws IOException {
        SyntheticCheckpoint ck = new SyntheticCheckpoint(1, TensorDtype.F32);
        ck.normal("wte.weight", 0, 1, 16, 8);
        ck.writeWeights(dir, 1);
        String msg = fails().getMessage();
        assertEquals(dir + ": tensor 'wpe.weight' is missing from the weights; the checkpoint does not match its "
                + "config.json (model_type gpt2)", msg);
    }

    @Test
    void wrongShapeAgainstConfig() throws IOException {
        String cfg = Files.readString(dir.resolve("config.json")).replace("\"n_embd\" : 8", "\"n_embd\" : 4");
        Files.writeString(dir.resolve("config.json"), cfg);
        String msg = fails().getMessage();
        assertEquals(weights + ": tensor 'wte.weight' has shape [16, 8] but config.json implies [16, 4]", msg);
    }

    @Test
    void absentSizeKeyIsNamedWithTransformersDefault() throws IOException {
        String cfg = Files.readString(dir.resolve("config.json")).replaceFirst("\"n_embd\" : 8,", "");
        Files.writeString(dir.resolve("config.json"), cfg);
        assertEquals(dir.resolve("config.json") + ": n_embd is absent. transformers would use its default 768, which"
                + " the weights were almost certainly not made with; set n_embd to the model's value (the original"
                + " config.json has it)", fails().getMessage());
    }

    @Test
    void missingTokenizer() throws IOException {
        Files.delete(dir.resolve("tokenizer.json"));
        String msg = fails().getMessage();
        assertEquals(dir.resolve("tokenizer.json") + ": missing; the lens needs the fast tokenizer file "
                + "(save it with tokenizer.save_pretrained, which writes tokenizer.json)", msg);
    }

    @Test
    void missingWeights() throws IOException {
        Files.delete(weights);
        assertTrue(fails().getMessage().contains("no model.safetensors or model.safetensors.index.json"));
    }

    @Test
    void unknownModelType() throws IOException {
        String cfg = Files.readString(dir.resolve("config.json")).replace("\"gpt2\"", "\"mamba\"");
        Files.writeString(dir.resolve("config.json"), cfg);
        String msg = fails().getMessage();
        assertTrue(msg.startsWith(dir.resolve("config.json") + ": model_type 'mamba' is not supported. Supported model_types: "), msg);
        assertTrue(msg.contains("gpt2"), msg);
    }

    @Test
    void missingDirectory() {
        Path missing = dir.resolve("nope");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(missing));
        assertTrue(e.getMessage().startsWith(missing + ": model directory not found"), e.getMessage());
    }

    @Test
    void elementCountOverflowingSixtyFourBitsNamesTheTensorAndFile() throws IOException {
        rewriteHeader(h -> h.replaceFirst("\"shape\":\\[16,8\\]", "\"shape\":[4294967296,4294967296,16]"));
        String msg = fails().getMessage();
        assertTrue(msg.startsWith(weights + ": tensor '"), msg);
        assertTrue(msg.endsWith("' has shape [4294967296,4294967296,16], whose element count does not fit in 64 bits:"
                + " the header is corrupt; re-download or re-save the checkpoint"), msg);
    }

    @Test
    void singleFileWinsOverAShardIndexAsInTransformers() throws IOException {
        // An index beside model.safetensors naming a shard that is not there: transformers reads the single
        // file and never looks at the index, and so does the checkpoint reader.
        Files.writeString(dir.resolve(Checkpoint.INDEX),
                "{\"weight_map\": {\"wte.weight\": \"model-00001-of-00002.safetensors\"}}");
        assertEquals(weights, Checkpoint.open(dir).info("wte.weight").file());
        Files.delete(weights);
        assertEquals(dir.resolve("model-00001-of-00002.safetensors") + ": shard listed in " + Checkpoint.INDEX
                + " (for tensor 'wte.weight') is missing; download all shards",
                assertThrows(CheckpointException.class, () -> Checkpoint.open(dir)).getMessage());
    }

    /** Rewrites the header (any length) and keeps the data section as it was. */
    private void rewriteHeader(java.util.function.UnaryOperator<String> edit) throws IOException {
        byte[] all = Files.readAllBytes(weights);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(all, 8, (int) n, StandardCharsets.UTF_8).trim();
        byte[] newHeader = edit.apply(header).getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + newHeader.length + all.length - 8 - (int) n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(newHeader.length).put(newHeader).put(all, 8 + (int) n, all.length - 8 - (int) n);
        Files.write(weights, out.array());
    }
}
