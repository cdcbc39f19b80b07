package dev.logitlens.demo;

import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The demo model's word-level vocabulary: {@code <unk>} = 0, then the corpus's words in first-seen order.
 * It is written as a Hugging Face {@code tokenizer.json} (WordLevel model, WhitespaceSplit
 * pre-tokenizer), so the lens loads it like any hub tokenizer; the trainer encodes with the same table,
 * which the tests check against the loaded file.
 */
public final class DemoTokenizer {
    public static final String UNK = "<unk>";

    private final List<String> vocab;
    private final Map<String, Integer> ids = new HashMap<>();

    public DemoTokenizer(List<String> words) {
        LinkedHashSet<String> all = new LinkedHashSet<>();
        all.add(UNK);
        for (String w : words) {
            if (w.isEmpty() || w.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("vocabulary word '" + w + "' is empty or holds whitespace; "
                        + "the whitespace pre-tokenizer could never produce it");
            }
            all.add(w);
        }
        this.vocab = List.copyOf(all);
        for (int i = 0; i < vocab.size(); i++) {
            ids.put(vocab.get(i), i);
        }
    }

    public int size() {
        return vocab.size();
    }

    /** Words by id. */
    public List<String> vocab() {
        return vocab;
    }

    /** Ids of a space-separated text; words outside the vocabulary become {@code <unk>}, as the file's model does. */
    public int[] encode(String text) {
        String[] words = text.trim().split("\\s+");
        int[] out = new int[words.length];
        for (int i = 0; i < words.length; i++) {
            out[i] = ids.getOrDefault(words[i], 0);
        }
        return out;
    }

    public int id(String word) {
        Integer id = ids.get(word);
        if (id == null) {
            throw new IllegalArgumentException("'" + word + "' is not in the demo vocabulary");
        }
        return id;
    }

    /** Writes {@code dir/tokenizer.json}. */
    public void write(Path dir) throws IOException {
        // The shared writer puts <unk> at 0 and the words after it in order, which is exactly this table.
        WordLevelTokenizerWriter.write(dir, vocab.subList(1, vocab.size()), vocab.size());
    }
}
