package dev.logitlens.core.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logitlens.core.lens.LensResult;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class V2DocumentTest {
    /** Two layers, two positions, k = 2; the final answer " Paris" settles at layer 1. */
    private static final String GOOD = """
            {"meta": {"version": 2, "model": "gpt2"},
             "input": ["The", " capital"],
             "layers": [0, 5],
             "topk": [[[" the", " a"], [" of", " city"]], [[" a", " the"], [" Paris", " of"]]],
             "tracked": [{" the": [0.5, 0.25], " a": [0.25, 0.5]},
                         {" of": [0.4, 0.1], " city": [0.3, 0.05], " Paris": [0.01, 0.7]}]}
            """;

    private static JsonNode tree(String json) {
        return V2Document.tree(json.getBytes(StandardCharsets.UTF_8), "v2/france.json");
    }

    private static LensResult read(String json) {
        return V2Document.read(tree(json), "v2/france.json");
    }

    @Test
    void readsWhatTheStringsHoldAndRecomputesTheAnswer() {
        LensResult r = read(GOOD);
        assertEquals(2, r.k());
        assertArrayEquals(new int[] {0, 5}, r.layers());
        assertEquals(" Paris", r.vocab().get(r.finalTop1()[1]));
        assertEquals(" a", r.vocab().get(r.finalTop1()[0])); // the last layer's top-1 string
        assertEquals(0.7f, r.prob(1, 1, r.finalTop1()[1]));
        assertEquals(1, r.settleLayerIndex(1)); // " Paris" is top-1 from layer index 1 on
        assertEquals(1, r.settleLayerIndex(0)); // " a" is on top at the last layer only
        assertEquals(3, r.finalTop1Rank()[0][1]); // not in layer 0's top-2: k + 1
        assertEquals(2, r.finalTop1Rank()[0][0]);
        assertTrue(V2Document.lacksMetrics(r));
        assertTrue(Float.isNaN(r.klToFinal()[0][0]));
        // written back as V2, it is the document it was read from
        assertEquals(tree(GOOD), tree(new String(V2Json.write(r, "gpt2"), StandardCharsets.UTF_8)));
    }

    @Test
    void ourOwnDocumentIsNotV2Only() {
        assertTrue(V2Document.isV2Only(tree(GOOD)));
        assertFalse(V2Document.isV2Only(tree("{\"meta\": {}, \"logitlens\": {}}")));
    }

    private static String broken(String from, String to) {
        assertTrue(GOOD.contains(from), from);
        RunJson.RunJsonException e = assertThrows(RunJson.RunJsonException.class, () -> read(GOOD.replace(from, to)));
        return e.getMessage();
    }

    @Test
    void everyShapeAndNumberIsCheckedWithItsPath() {
        Map<String, String> cases = new TreeMap<>();
        cases.put(broken("\"version\": 2", "\"version\": 1"), "v2/france.json: meta.version: expected 2, found 1");
        cases.put(broken("\"layers\": [0, 5]", "\"layers\": [0, 5, 7]"),
                "v2/france.json: topk: has 2 layers, but layers lists 3 (shape [L][P][k])");
        cases.put(broken("\"input\": [\"The\", \" capital\"]", "\"input\": [\"The\"]"),
                "v2/france.json: topk[0]: has 2 positions, but input has 1 (shape [L][P][k])");
        cases.put(broken("[\" of\", \" city\"]", "[\" of\"]"),
                "v2/france.json: topk[0][1]: has 1 tokens, but topk[0][0] has 2 (every cell holds k)");
        cases.put(broken("\" a\": [0.25, 0.5]}", "\" a\": [0.25]}"),
                "v2/france.json: tracked[0]. a: has 1 values, but layers lists 2");
        cases.put(broken("[0.01, 0.7]", "[0.01, 1.7]"),
                "v2/france.json: tracked[1]. Paris[1]: a probability must be a finite number in [0, 1], found 1.7");
        cases.put(broken("[0.01, 0.7]", "[0.01, null]"),
                "v2/france.json: tracked[1]. Paris[1]: a probability must be a finite number in [0, 1], found null");
        cases.put(broken("[0.01, 0.7]", "[0.01, \"NaN\"]"),
                "v2/france.json: tracked[1]. Paris[1]: a probability must be a finite number in [0, 1], found \"NaN\"");
        cases.put(broken(", \" Paris\": [0.01, 0.7]", ""), "v2/france.json: tracked[1]: lacks the trajectory of"
                + " ' Paris', which is in topk[1][1]: tracked holds every token of the position's top-k");
        cases.put(broken("\"tracked\": [{", "\"tracked\": [{\"x\": [0, 0]}, {"),
                "v2/france.json: tracked: has 3 positions, but input has 2 (shape [P])");
        cases.put(broken("\"layers\": [0, 5]", "\"layers\": [5, 0]"),
                "v2/france.json: layers[1]: layers must ascend, 0 follows 5");
        cases.put(broken("[\" the\", \" a\"], [\" of\"", "[\" the\", 3], [\" of\""),
                "v2/france.json: topk[0][0][1]: expected a string");
        cases.forEach((actual, expected) -> assertEquals(expected, actual));
        assertEquals(12, cases.size());
        RunJson.RunJsonException notJson = assertThrows(RunJson.RunJsonException.class, () -> tree("{\"meta\": "));
        assertTrue(notJson.getMessage().startsWith("v2/france.json: not valid JSON ("), notJson.getMessage());
    }
}
