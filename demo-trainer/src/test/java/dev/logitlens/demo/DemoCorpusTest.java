package dev.logitlens.demo;

import dev.logitlens.core.tokenizer.LensTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The corpus split is honest (held out means never seen, yet learnable) and the tokenizer file matches. */
class DemoCorpusTest {
    private final DemoCorpus corpus = DemoCorpus.generate(DemoCorpus.DEFAULT_SEED);

    @Test
    void sameSeedSameCorpusOtherSeedOtherSplit() {
        DemoCorpus again = DemoCorpus.generate(DemoCorpus.DEFAULT_SEED);
        assertEquals(corpus.train(), again.train());
        assertEquals(corpus.heldOut(), again.heldOut());
        assertFalse(DemoCorpus.generate(7).heldOut().equals(corpus.heldOut()));
    }

    @Test
    void everyRelationHasHeldOutPrompts() {
        for (String relation : DemoCorpus.relations()) {
            long n = corpus.heldOut().stream().filter(e -> e.relation().equals(relation)).count();
            assertTrue(n >= 10, relation + " has only " + n + " held-out prompts");
        }
    }

    @Test
    void noHeldOutPromptWasSeenInTraining() {
        Set<String> trainSentences = corpus.train().stream().map(DemoCorpus.Example::sentence).collect(Collectors.toSet());
        for (DemoCorpus.Example e : corpus.heldOut()) {
            assertFalse(trainSentences.contains(e.sentence()), e.sentence());
            // Not even as the beginning of a training sentence: the model never saw this context.
            for (String s : trainSentences) {
                assertFalse(s.startsWith(e.prompt() + " "), "held-out prompt '" + e.prompt() + "' begins '" + s + "'");
            }
        }
    }

    @Test
    void heldOutFactsAreLearnableFromOtherForms() {
        Set<String> trainWords = new HashSet<>();
        corpus.train().forEach(e -> trainWords.addAll(List.of(e.sentence().split(" "))));
        for (DemoCorpus.Example e : corpus.heldOut()) {
            for (String w : e.sentence().split(" ")) {
                assertTrue(trainWords.contains(w), "'" + w + "' of held-out '" + e.sentence() + "' never trains");
            }
            // The template was trained with other subjects ...
            assertTrue(corpus.train().stream().anyMatch(t -> t.relation().equals(e.relation())
                    && t.template() == e.template() && !t.subject().equals(e.subject())), e.prompt());
            // ... and, for the facts, this very fact was trained in another form.
            if (!e.relation().equals("agreement")) {
                assertTrue(corpus.train().stream().anyMatch(t -> t.relation().equals(e.relation())
                        && t.subject().equals(e.subject()) && t.answer().equals(e.answer())
                        && t.template() != e.template()), "fact of '" + e.sentence() + "' is never trained");
            }
        }
    }

    @Test
    void tokenizerFileEncodesAsTheTrainerDoes(@TempDir Path dir) throws Exception {
        DemoTokenizer tokenizer = new DemoTokenizer(corpus.words());
        tokenizer.write(dir);
        try (LensTokenizer loaded = LensTokenizer.load(dir.resolve("tokenizer.json"))) {
            for (List<DemoCorpus.Example> list : List.of(corpus.train(), corpus.heldOut())) {
                for (DemoCorpus.Example e : list) {
                    int[] ids = tokenizer.encode(e.sentence());
                    assertArrayEquals(ids, loaded.encode(e.sentence()), e.sentence());
                    for (int id : ids) {
                        assertTrue(id > 0, "'" + e.sentence() + "' has an unknown word");
                        assertEquals(tokenizer.vocab().get(id), loaded.tokenString(id));
                    }
                }
            }
            // Unknown words map to <unk> = 0 in both.
            assertArrayEquals(new int[] {0}, loaded.encode("Atlantis"));
            assertArrayEquals(new int[] {0}, tokenizer.encode("Atlantis"));
        }
    }
}
