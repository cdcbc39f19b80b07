package dev.logitlens.core.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes the word-level {@code tokenizer.json} of the demo model and of the test models. */
public final class WordLevelTokenizerWriter {
    private WordLevelTokenizerWriter() {}

    /**
     * A word-level {@code tokenizer.json} (whitespace pre-tokenizer) of exactly {@code vocabSize} ids:
     * {@code <unk>}, then {@code words}, then filler {@code tok<N>} up to the size.
     */
    public static void write(Path dir, List<String> words, int vocabSize) throws IOException {
        Files.createDirectories(dir);
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        var added = root.putArray("added_tokens");
        ObjectNode unk = added.addObject();
        unk.put("id", 0).put("content", "<unk>").put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", false).put("special", true);
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "WhitespaceSplit");
        root.putNull("post_processor");
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        model.put("unk_token", "<unk>");
        ObjectNode vocab = model.putObject("vocab");
        vocab.put("<unk>", 0);
        int id = 1;
        for (String w : words) {
            if (id >= vocabSize) {
                break;
            }
            if (!vocab.has(w)) {
                vocab.put(w, id++);
            }
        }
        while (id < vocabSize) {
            vocab.put("tok" + id, id);
            id++;
        }
        json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer.json").toFile(), root);
    }
}
