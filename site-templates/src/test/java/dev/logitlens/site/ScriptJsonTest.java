package dev.logitlens.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScriptJsonTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void nothingCanEndTheScriptElementAndTheDataReadsBackUnchanged() throws Exception {
        List<String> hostile = List.of("</script><img src=x onerror=alert(1)>", "<!-- x -->", "a\u2028b\u2029c",
                "&amp; <b>", "</SCRIPT >", "\ud83d\ude00 ok", "lone \ud800 surrogate");
        String raw = json.writeValueAsString(hostile);
        String safe = ScriptJson.escape(raw);
        for (String bad : List.of("<", ">", "&", "\u2028", "\u2029")) {
            assertFalse(safe.contains(bad), bad);
        }
        for (int i = 0; i < safe.length(); i++) { // only whole pairs stay raw
            if (Character.isHighSurrogate(safe.charAt(i))) {
                assertEquals(true, Character.isLowSurrogate(safe.charAt(++i)));
            } else {
                assertFalse(Character.isLowSurrogate(safe.charAt(i)));
            }
        }
        assertEquals(hostile, json.readValue(safe, List.class));
        assertEquals("\"\\u003c/script\\u003e\"", ScriptJson.escape("\"</script>\""));
    }
}
