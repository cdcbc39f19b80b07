package dev.logitlens.core.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns an answer's continuations into the token ids whose probability stands for it (see "How a
 * continuation becomes token ids" in {@code docs/gallery-reference.md}):
 * <ul>
 *   <li>first token: {@code encode(prompt + continuation)} against {@code encode(prompt)}; the id at the first
 *       position where they differ is the token the model has to predict after the prompt;</li>
 *   <li>prefix: every non-special vocabulary token whose bytes are a non-empty prefix of the continuation's
 *       word (the continuation without its leading spaces, in UTF-8), with or without one leading space, as
 *       Wendler et al. (2024) count a word. Comparing bytes, not text, keeps the tokens that hold only the first
 *       bytes of a character (a Chinese word in a byte-level or byte-fallback vocabulary).</li>
 * </ul>
 * Problems that leave the answer without ids (or only the unknown token) are returned as warnings, not
 * thrown: the lens of the prompt is still worth computing.
 */
public final class ContinuationIds {
    private final LensTokenizer tokenizer;
    private final int vocabSize;
    /** Token bytes (as ISO-8859-1 text, one char per byte) to ids, built on the first prefix lookup. */
    private Map<String, List<Integer>> byBytes;

    /** Ids and what was wrong with them, one line per problem. */
    public record Resolved(int[] ids, List<String> warnings) {}

    /** @param vocabSize the model's vocabulary: ids the tokenizer knows but the model does not are dropped */
    public ContinuationIds(LensTokenizer tokenizer, int vocabSize) {
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
    }

    /** The sorted union of the ids of every continuation. */
    public Resolved resolve(String prompt, List<String> continuations, boolean prefix) {
        Set<Integer> ids = new TreeSet<>();
        List<String> warnings = new ArrayList<>();
        for (String c : continuations) {
            List<Integer> found = prefix ? prefixIds(c) : firstToken(prompt, c, warnings);
            found.removeIf(id -> id < 0 || id >= vocabSize);
            if (found.isEmpty()) {
                warnings.add("\"" + c + "\" maps to no token" + (prefix ? " (no vocabulary token is a prefix of it)"
                        : "") + "; it adds nothing to its group");
            } else if (found.size() == 1 && found.get(0) == tokenizer.unknownId()) {
                warnings.add("\"" + c + "\" maps to the unknown token " + tokenizer.tokenString(found.get(0))
                        + ", so its probability is that of every unknown word");
            }
            ids.addAll(found);
        }
        return new Resolved(ids.stream().mapToInt(Integer::intValue).toArray(), List.copyOf(warnings));
    }

    private List<Integer> firstToken(String prompt, String continuation, List<String> warnings) {
        int[] alone = tokenizer.encode(prompt);
        int[] joint = tokenizer.encode(prompt + continuation);
        int i = 0;
        while (i < alone.length && i < joint.length && alone[i] == joint[i]) {
            i++;
        }
        List<Integer> out = new ArrayList<>();
        if (i >= joint.length) {
            return out;
        }
        if (i < alone.length && !tokenizer.isSpecial(alone[i])) {
            warnings.add("\"" + continuation + "\" merges with the end of the prompt: its first token "
                    + tokenizer.tokenString(joint[i]) + " also covers the prompt's last characters");
        }
        out.add(joint[i]);
        return out;
    }

    private List<Integer> prefixIds(String continuation) {
        if (byBytes == null) {
            byBytes = new HashMap<>();
            for (int id : tokenizer.ids()) {
                if (!tokenizer.isSpecial(id)) {
                    byBytes.computeIfAbsent(latin1(tokenizer.tokenBytes(id)), t -> new ArrayList<>()).add(id);
                }
            }
        }
        String word = latin1(continuation.replaceFirst("^ +", "").getBytes(StandardCharsets.UTF_8));
        Set<String> prefixes = new LinkedHashSet<>();
        for (int end = 1; end <= word.length(); end++) {
            prefixes.add(word.substring(0, end));
            prefixes.add(" " + word.substring(0, end));
        }
        List<Integer> out = new ArrayList<>();
        for (String t : prefixes) {
            out.addAll(byBytes.getOrDefault(t, List.of()));
        }
        return out;
    }

    /** Bytes as a string of one char per byte: a hashable key that compares byte by byte. */
    private static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
