package dev.logitlens.core.tokenizer;

import dev.logitlens.core.SharedFiles;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class LensTokenizerTest {
    @Test
    void gpt2KnownAnswer() {
        try (LensTokenizer t = LensTokenizer.load(SharedFiles.require("tokenizers/gpt2/tokenizer.json"))) {
            int[] ids = t.encode("The capital of France is");
            assertArrayEquals(new int[] {464, 3139, 286, 4881, 318}, ids);
            String[] strings = Arrays.stream(ids).mapToObj(t::tokenString).toArray(String[]::new);
            assertArrayEquals(new String[] {"The", " capital", " of", " France", " is"}, strings);
            assertEquals(" Paris", t.tokenString(6342));
        }
    }

    @Test
    void gpt2LongPromptIsNotTruncated() {
        // The GPT-2 tokenizer.json carries a training-time truncation of 50 tokens; prompts must not be cut.
        try (LensTokenizer t = LensTokenizer.load(SharedFiles.require("tokenizers/gpt2/tokenizer.json"))) {
            String prompt = "one two three four five six seven eight nine ten ".repeat(10).trim();
            assertEquals(100, t.encode(prompt).length);
        }
    }

    @Test
    void gpt2ByteLevelPartialCharacterShowsBytes() {
        try (LensTokenizer t = LensTokenizer.load(SharedFiles.require("tokenizers/gpt2/tokenizer.json"))) {
            // "é" is two bytes; GPT-2 has single-byte tokens for each, which alone are not valid UTF-8.
            int[] ids = t.encode("é");
            StringBuilder joined = new StringBuilder();
            for (int id : ids) {
                joined.append(t.tokenString(id));
            }
            if (ids.length == 1) {
                assertEquals("é", joined.toString());
            } else {
                assertEquals("\\xc3\\xa9", joined.toString());
            }
        }
    }

    @Test
    void llamaKnownAnswerKeepsLeadingSpaces() {
        try (LensTokenizer t = LensTokenizer.load(SharedFiles.require("models/stories260k/tokenizer.json"))) {
            int[] ids = t.encode("Once upon a time, there was a little girl named");
            assertArrayEquals(new int[] {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395}, ids);
            assertEquals("<s>", t.tokenString(1));
            assertEquals(" upon", t.tokenString(407));
            // byte-fallback pieces decode to their byte
            assertEquals("A", t.tokenString(3 + 'A'));
        }
    }

    @Test
    void invalidUtf8BytesAreShownAsHex() {
        assertEquals("\\xe2\\x96", LensTokenizer.bytesToString(new byte[] {(byte) 0xe2, (byte) 0x96}));
        assertEquals("▁", LensTokenizer.bytesToString("▁".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void tokenizerConfigBosFlagWinsAsInTransformers(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path src = SharedFiles.require("models/stories260k/tokenizer.json");
        java.nio.file.Files.copy(src, dir.resolve("tokenizer.json"));
        String prompt = "Once upon a time";
        java.nio.file.Files.writeString(dir.resolve("tokenizer_config.json"),
                "{\"add_bos_token\": false, \"bos_token\": \"<s>\", \"add_eos_token\": true, \"eos_token\": {\"content\": \"</s>\"}}");
        try (LensTokenizer t = LensTokenizer.load(dir.resolve("tokenizer.json"))) {
            assertArrayEquals(new int[] {403, 407, 261, 378, 2}, t.encode(prompt));
        }
        java.nio.file.Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_bos_token\": true, \"bos_token\": \"<s>\"}");
        try (LensTokenizer t = LensTokenizer.load(dir.resolve("tokenizer.json"))) {
            assertArrayEquals(new int[] {1, 403, 407, 261, 378}, t.encode(prompt));
        }
    }
}
