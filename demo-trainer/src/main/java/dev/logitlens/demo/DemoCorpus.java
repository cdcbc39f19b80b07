package dev.logitlens.demo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The demo model's corpus, generated from templates: facts with one clear answer word (capitals,
 * languages, opposites, number successors) and subject-verb agreement across an attractor noun.
 *
 * <p>Held out are <em>facts in a sentence form</em>, never whole facts: every fact of a relation is
 * written in several templates, and for each fact one template (rotating, shuffled by the seed) is kept
 * out of training. So a held-out prompt such as {@code The capital city of Peru is called} was never
 * seen, but Lima was seen as Peru's capital in the other templates, and the template was seen with
 * other countries: answering it needs the relation learned, not the sentence. For agreement, held out
 * are (template, subject, attractor) combinations. Words are separated by single spaces, the way the
 * demo tokenizer splits them.
 */
public final class DemoCorpus {
    public static final long DEFAULT_SEED = 1234L;

    /** Agreement examples kept out of training (a sample; the rest of the combinations train). */
    static final int HELD_OUT_AGREEMENT = 30;

    /**
     * One sentence: {@code prompt}, then {@code answer}, then {@code suffix} (may be empty), then {@code .}.
     *
     * @param relation capital, language, opposite, successor or agreement
     * @param template index of the template within its relation
     * @param subject  the word the answer depends on (the country, the adjective, the number, the subject noun)
     */
    public record Example(String relation, int template, String subject, String prompt, String answer, String suffix) {
        public String sentence() {
            return prompt + " " + answer + (suffix.isEmpty() ? "" : " " + suffix) + " .";
        }
    }

    static final String[][] COUNTRIES = {
            // country, capital, language
            {"France", "Paris", "French"}, {"Germany", "Berlin", "German"}, {"Italy", "Rome", "Italian"},
            {"Spain", "Madrid", "Spanish"}, {"Japan", "Tokyo", "Japanese"}, {"China", "Beijing", "Chinese"},
            {"Russia", "Moscow", "Russian"}, {"Egypt", "Cairo", "Arabic"}, {"Greece", "Athens", "Greek"},
            {"Portugal", "Lisbon", "Portuguese"}, {"Poland", "Warsaw", "Polish"}, {"Austria", "Vienna", "German"},
            {"Sweden", "Stockholm", "Swedish"}, {"Norway", "Oslo", "Norwegian"}, {"Ireland", "Dublin", "English"},
            {"Kenya", "Nairobi", "Swahili"}, {"Peru", "Lima", "Spanish"}, {"Canada", "Ottawa", "English"},
            {"Cuba", "Havana", "Spanish"}, {"Turkey", "Ankara", "Turkish"}};

    static final String[][] OPPOSITES = {
            {"hot", "cold"}, {"big", "small"}, {"fast", "slow"}, {"up", "down"}, {"happy", "sad"},
            {"light", "dark"}, {"old", "young"}, {"rich", "poor"}, {"wet", "dry"}, {"open", "closed"},
            {"full", "empty"}, {"hard", "soft"}, {"early", "late"}, {"loud", "quiet"}, {"strong", "weak"},
            {"long", "short"}};

    static final String[] NUMBERS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
            "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
            "twenty"};

    static final String[][] NOUNS = {
            {"dog", "dogs"}, {"cat", "cats"}, {"key", "keys"}, {"book", "books"}, {"bird", "birds"},
            {"car", "cars"}, {"tree", "trees"}, {"house", "houses"}, {"boy", "boys"}, {"girl", "girls"}};

    // {x} is the fact's subject. The Q/A forms share their shape across relations, so the relation word
    // (capital, language, opposite) has to be read, not the template.
    static final String[] CAPITAL = {
            "The capital of {x} is",
            "{x} has its capital in",
            "The capital city of {x} is called",
            "If you fly to the capital of {x} , you land in",
            "Q : What is the capital of {x} ? A :"};
    static final String[] LANGUAGE = {
            "In {x} , people speak",
            "The main language of {x} is",
            "Most people in {x} speak",
            "Q : What language is spoken in {x} ? A :"};
    static final String[] OPPOSITE = {
            "The opposite of {x} is",
            "{x} is the opposite of",
            "If it is not {x} , it is",
            "Q : What is the opposite of {x} ? A :"};
    static final String[] SUCCESSOR = {
            "After {x} comes",
            "The number after {x} is",
            "{x} plus one is",
            "Counting : {x}"}; // {x} is the run of three numbers ending at the subject
    /** Subject {s}, attractor {a}; answers are the singular / plural verb, then the suffix. */
    static final String[][] AGREEMENT = {
            {"The {s} near the {a}", "is", "are", "here"},
            {"The {s} behind the {a}", "was", "were", "there"},
            {"The {s} next to the {a}", "has", "have", "gone"}};

    private final long seed;
    private final List<Example> train;
    private final List<Example> heldOut;

    private DemoCorpus(long seed, List<Example> train, List<Example> heldOut) {
        this.seed = seed;
        this.train = train;
        this.heldOut = heldOut;
    }

    /** The corpus and its split; the same seed always gives the same sentences in the same order. */
    public static DemoCorpus generate(long seed) {
        Random rng = new Random(seed);
        List<Example> train = new ArrayList<>();
        List<Example> heldOut = new ArrayList<>();

        List<String[]> capitals = new ArrayList<>();
        List<String[]> languages = new ArrayList<>();
        for (String[] c : COUNTRIES) {
            capitals.add(new String[] {c[0], c[1]});
            languages.add(new String[] {c[0], c[2]});
        }
        List<String[]> opposites = new ArrayList<>();
        for (String[] o : OPPOSITES) {
            opposites.add(new String[] {o[0], o[1]});
            opposites.add(new String[] {o[1], o[0]});
        }
        List<String[]> successors = new ArrayList<>();
        for (int i = 0; i + 1 < NUMBERS.length; i++) {
            // "Counting : five six seven" → eight. Always three numbers, so that no counting prompt is the
            // beginning of another one's sentence; "one" and "two" have no counting form.
            String counting = i >= 2 ? NUMBERS[i - 2] + " " + NUMBERS[i - 1] + " " + NUMBERS[i] : null;
            successors.add(new String[] {NUMBERS[i], NUMBERS[i + 1], counting});
        }
        split("capital", CAPITAL, capitals, rng, train, heldOut);
        split("language", LANGUAGE, languages, rng, train, heldOut);
        split("opposite", OPPOSITE, opposites, rng, train, heldOut);
        split("successor", SUCCESSOR, successors, rng, train, heldOut);

        List<Example> agreement = new ArrayList<>();
        for (int t = 0; t < AGREEMENT.length; t++) {
            for (String[] subject : NOUNS) {
                for (int sn = 0; sn < 2; sn++) {
                    for (String[] attractor : NOUNS) {
                        if (attractor == subject) {
                            continue;
                        }
                        for (int an = 0; an < 2; an++) {
                            String prompt = AGREEMENT[t][0].replace("{s}", subject[sn]).replace("{a}", attractor[an]);
                            agreement.add(new Example("agreement", t, subject[sn], prompt, AGREEMENT[t][1 + sn],
                                    AGREEMENT[t][3]));
                        }
                    }
                }
            }
        }
        Collections.shuffle(agreement, rng);
        heldOut.addAll(agreement.subList(0, HELD_OUT_AGREEMENT));
        train.addAll(agreement.subList(HELD_OUT_AGREEMENT, agreement.size()));
        return new DemoCorpus(seed, List.copyOf(train), List.copyOf(heldOut));
    }

    /**
     * For every fact, one of the templates that fit it is held out: for the i-th fact in a shuffled order,
     * template (offset + i) mod K of those, so each template keeps most of its facts and each fact keeps
     * its other forms.
     */
    private static void split(String relation, String[] templates, List<String[]> facts, Random rng,
                              List<Example> train, List<Example> heldOut) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < facts.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, rng);
        int offset = rng.nextInt(templates.length);
        for (int r = 0; r < order.size(); r++) {
            String[] fact = facts.get(order.get(r));
            List<Example> forms = new ArrayList<>();
            for (int t = 0; t < templates.length; t++) {
                // The counting form (successor) writes the run of numbers in fact[2] where {x} stands.
                boolean counting = templates[t].startsWith("Counting");
                String x = counting ? fact[2] : fact[0];
                if (x != null) {
                    forms.add(new Example(relation, t, fact[0], templates[t].replace("{x}", x), fact[1], ""));
                }
            }
            int held = (offset + r) % forms.size();
            for (int i = 0; i < forms.size(); i++) {
                (i == held ? heldOut : train).add(forms.get(i));
            }
        }
    }

    public long seed() {
        return seed;
    }

    /** The training sentences (distinct), in generation order. */
    public List<Example> train() {
        return train;
    }

    /** Held-out prompts with their answers; none of their sentences is in {@link #train()}. */
    public List<Example> heldOut() {
        return heldOut;
    }

    /** Every word of every sentence, train and held out, in first-seen order (the tokenizer's vocabulary). */
    public List<String> words() {
        Set<String> words = new LinkedHashSet<>();
        for (List<Example> list : List.of(train, heldOut)) {
            for (Example e : list) {
                Collections.addAll(words, e.sentence().split(" "));
            }
        }
        return List.copyOf(words);
    }

    /** The relations in a fixed order. */
    public static List<String> relations() {
        return List.of("capital", "language", "opposite", "successor", "agreement");
    }
}
