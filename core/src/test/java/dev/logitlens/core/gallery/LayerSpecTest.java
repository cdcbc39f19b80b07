package dev.logitlens.core.gallery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LayerSpecTest {

    @Test
    void allSelectsEveryLayer() {
        assertArrayEquals(new int[] {0, 1, 2}, LayerSpec.all().resolve(3));
    }

    @Test
    void negativeIndicesCountFromTheEndAndOrderIsKept() {
        assertArrayEquals(new int[] {2, 0, 1}, LayerSpec.of(-1, 0, -2).resolve(3));
    }

    @Test
    void outOfRangeMessageNamesTheValidRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LayerSpec.of(99).resolve(3));
        assertEquals("layers: [99] is out of range for a 3-layer model (valid: 0..2 or -3..-1)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LayerSpec.of(0, -4, 3).resolve(3));
        assertEquals("layers: [-4, 3] are out of range for a 3-layer model (valid: 0..2 or -3..-1)", e.getMessage());
    }

    @Test
    void duplicatesAreRejected() {
        assertEquals("layers: 1 is listed twice. Keep one of them.",
                assertThrows(IllegalArgumentException.class, () -> LayerSpec.of(1, 2, 1)).getMessage());
        assertEquals("layers: [2, -1] all name layer 2 of a 3-layer model",
                assertThrows(IllegalArgumentException.class, () -> LayerSpec.of(2, -1).resolve(3)).getMessage());
    }

    @Test
    void slicesFollowPython() {
        assertArrayEquals(new int[] {0, 1, 2}, LayerSpec.parse("0:3").resolve(12));
        assertArrayEquals(new int[] {8, 9, 10, 11}, LayerSpec.parse("-4:").resolve(12));
        assertArrayEquals(new int[] {0, 1, 2}, LayerSpec.parse("0:12").resolve(3), "bounds are clamped");
        assertArrayEquals(new int[] {0, 2, 4}, LayerSpec.parse("::2").resolve(6));
        assertArrayEquals(new int[] {5, 4, 3}, LayerSpec.parse("5:2:-1").resolve(6));
        assertArrayEquals(new int[] {0, 1}, LayerSpec.parse(":").resolve(2));
        assertEquals("layers: \"5:2\" selects no layers of a 6-layer model (valid: 0..5 or -6..-1)",
                assertThrows(IllegalArgumentException.class, () -> LayerSpec.parse("5:2").resolve(6)).getMessage());
    }

    @Test
    void parsesTheTextForms() {
        assertEquals(LayerSpec.all(), LayerSpec.parse(" ALL "));
        assertEquals(LayerSpec.of(0, 5, -1), LayerSpec.parse("[0, 5, -1]"));
        assertEquals(LayerSpec.of(0, 5, -1), LayerSpec.parse("0,5,-1"));
        assertEquals(LayerSpec.of(3), LayerSpec.parse("3"));
        assertEquals(LayerSpec.slice(-4, null, null), LayerSpec.parse("-4:"));
        assertEquals("-4:", LayerSpec.parse("-4:").toString());
        assertEquals("[0, 5, -1]", LayerSpec.parse("0,5,-1").toString());
        assertEquals("layers: 'most' is not a layer selection. Use all, a list of layer indices such as [0, 5, -1], "
                + "or a Python slice such as \"0:12\" or \"-4:\".",
                assertThrows(IllegalArgumentException.class, () -> LayerSpec.parse("most")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> LayerSpec.parse("::0"));
    }

    @Test
    void locationDoesNotChangeEquality() {
        LayerSpec located = LayerSpec.of(1).at(new Location(java.nio.file.Path.of("g.yaml"), 3, 4));
        assertEquals(LayerSpec.of(1), located);
        assertEquals(LayerSpec.of(1).hashCode(), located.hashCode());
    }
}
