package dev.logitlens.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SafeIdsTest {
    @Test
    void acceptsPlainIds() {
        for (String id : new String[] {"gpt2", "Qwen2.5-0.5B", "llama_3", "a", "x".repeat(128)}) {
            assertEquals(id, SafeIds.check(id));
        }
    }

    @Test
    void rejectsAnythingThatCouldEscapeOrHide() {
        for (String id : new String[] {"", "..", "../etc", "a/b", "a\\b", ".hidden", "-x", "a..b", "a b", "a\u0000",
            "x".repeat(129), "caf\u00e9", "a:b", null}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafeIds.check(id), String.valueOf(id));
            assertTrue(e.getMessage().contains("letters, digits"), e.getMessage());
        }
    }

    @Test
    void relativeDataPaths() {
        assertEquals("data/gpt2/france.json", SafeIds.checkRelativePath("data/gpt2/france.json"));
        for (String p : new String[] {"/etc/passwd", "../x.json", "data/../../x", "data//x.json", "https://x/y.json",
            "data/", "", "data\\x.json"}) {
            assertThrows(IllegalArgumentException.class, () -> SafeIds.checkRelativePath(p), p);
        }
    }
}
