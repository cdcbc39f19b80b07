package dev.logitlens.core.gallery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class SettingsTest {

    @Test
    void mergeTakesEachFieldFromTheHighestLevelThatSetsIt() {
        Settings cli = new Settings(null, null, "cpu", null);
        Settings prompt = new Settings(3, null, null, null);
        Settings model = new Settings(10, LayerSpec.of(0), "cuda", null);
        assertEquals(new Settings(3, LayerSpec.of(0), "cpu", "auto", "auto"),
                Settings.merge(cli, prompt, model, Settings.EMPTY, Settings.BUILT_IN));
        assertEquals(Settings.BUILT_IN, Settings.merge(null, Settings.EMPTY, Settings.BUILT_IN));
    }

    @Test
    void parseReadsCommandLineText() {
        assertEquals(new Settings(12, LayerSpec.slice(0, 6, null), "cuda:0", "float16"),
                Settings.parse("12", "0:6", "cuda:0", "float16"));
        assertEquals(Settings.EMPTY, Settings.parse(null, " ", "", null));
        assertEquals("k: 'ten' is not a whole number. Use a number from 1 to 1000.",
                assertThrows(IllegalArgumentException.class, () -> Settings.parse("ten", null, null, null))
                        .getMessage());
    }

    @Test
    void valuesAreValidated() {
        assertEquals("k: 1001 is out of range. Use a number from 1 to 1000.",
                assertThrows(IllegalArgumentException.class, () -> new Settings(1001, null, null, null)).getMessage());
        assertEquals("device: 'cuda:x' is not supported. Use auto, cpu, cuda or cuda:N (e.g. cuda:0).",
                assertThrows(IllegalArgumentException.class, () -> new Settings(null, null, "cuda:x", null))
                        .getMessage());
        assertEquals("dtype: 'fp16' is not supported. Use one of: auto, float32, float16, bfloat16.",
                assertThrows(IllegalArgumentException.class, () -> new Settings(null, null, null, "fp16"))
                        .getMessage());
    }

    @Test
    void didYouMean() {
        List<String> keys = List.of("id", "label", "path", "repo", "revision", "k", "layers");
        assertEquals("label", DidYouMean.closest("lables", keys).orElseThrow());
        assertEquals("revision", DidYouMean.closest("rev", keys).orElseThrow(), "prefix match");
        assertEquals("Allowed keys: id, label.", DidYouMean.hint("zzz", List.of("id", "label"), "Allowed keys"));
        assertEquals(3, DidYouMean.levenshtein("kitten", "sitting"));
    }
}
