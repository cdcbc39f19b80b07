package dev.logitlens.core.gallery;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a prompt's answers are checked against: the expected continuation and named comparison groups
 * (see "Answers" in {@code docs/gallery-reference.md}). Continuations become token ids once the model's
 * tokenizer is known.
 *
 * @param expect  the accepted continuations of the prompt, or null when none is given
 * @param compare named groups, in the order written (defaults' groups first)
 */
public record Answers(Group expect, Map<String, Group> compare) {
    public static final Answers NONE = new Answers(null, Map.of());

    public Answers {
        compare = compare == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(compare));
    }

    public boolean isEmpty() {
        return expect == null && compare.isEmpty();
    }

    /** How a continuation becomes token ids. */
    public enum Match {
        /** The first token of the continuation as the tokenizer encodes it after the prompt. */
        FIRST_TOKEN("first-token"),
        /** Every vocabulary token that is a non-empty prefix of the continuation's word, with and without a space. */
        PREFIX("prefix");

        private final String yaml;

        Match(String yaml) {
            this.yaml = yaml;
        }

        /** The value as written in a gallery. */
        public String yaml() {
            return yaml;
        }

        public static List<String> names() {
            return java.util.Arrays.stream(values()).map(Match::yaml).toList();
        }
    }

    /**
     * One group of accepted continuations.
     *
     * @param continuations the strings, exactly as written (a leading space matters)
     * @param match         how they become ids
     * @param location      where the group's value was written, for warnings about it
     */
    public record Group(List<String> continuations, Match match, Location location) {
        public Group {
            continuations = List.copyOf(continuations);
            Objects.requireNonNull(match, "match");
            if (continuations.isEmpty()) {
                throw new IllegalArgumentException("a group needs at least one continuation");
            }
        }
    }
}
