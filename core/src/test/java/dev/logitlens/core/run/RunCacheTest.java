package dev.logitlens.core.run;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class RunCacheTest {
    private static RunCache.Key key(String prompt, int k, String layers, String dtype) {
        return new RunCache.Key(RunCache.weightsIdentity("w", null), "t", prompt, k, layers, dtype, 1);
    }

    @Test
    void everyPartOfTheKeyChangesTheHash() {
        String base = key("The cat", 5, "all", "auto@cpu").hash();
        assertEquals(base, key("The cat", 5, "all", "auto@cpu").hash());
        assertNotEquals(base, key("The cat ", 5, "all", "auto@cpu").hash());
        assertNotEquals(base, key("The cat", 6, "all", "auto@cpu").hash());
        assertNotEquals(base, key("The cat", 5, "[0, 1]", "auto@cpu").hash());
        assertNotEquals(base, key("The cat", 5, "all", "float16").hash());
        assertNotEquals(base, new RunCache.Key(RunCache.weightsIdentity("w", "c0ffee"), "t", "The cat", 5, "all",
                "auto@cpu", 1).hash());
        assertNotEquals(base, new RunCache.Key("weights:w", "t", "The cat", 5, "all", "auto@cpu", 2).hash());
        // Length prefixes: moving a character from one field to the next is a different key.
        assertNotEquals(new RunCache.Key("ab", "c", "p", 1, "all", "x", 1).hash(),
                new RunCache.Key("a", "bc", "p", 1, "all", "x", 1).hash());
    }
}
