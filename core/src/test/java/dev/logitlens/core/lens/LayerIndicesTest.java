package dev.logitlens.core.lens;

import ai.djl.Device;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.gallery.LayerSpec;
import dev.logitlens.core.synth.RandomGpt2;
import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The collector and the gallery resolve layers through one method: the same requests, the same messages. */
class LayerIndicesTest {

    @Test
    void resolvesNullAsAllAndNegativesFromTheEnd() {
        assertArrayEquals(new int[] {0, 1, 2}, LayerIndices.resolve((int[]) null, 3));
        assertArrayEquals(new int[] {2, 0}, LayerIndices.resolve(new int[] {-1, 0}, 3));
    }

    @Test
    void rejectsWhatCannotBeResolved() {
        assertEquals("layers: [3, -4] are out of range for a 3-layer model (valid: 0..2 or -3..-1)",
                assertThrows(IllegalArgumentException.class, () -> LayerIndices.resolve(new int[] {0, 3, -4}, 3))
                        .getMessage());
        assertEquals("layers: [1, -2] all name layer 1 of a 3-layer model",
                assertThrows(IllegalArgumentException.class, () -> LayerIndices.resolve(new int[] {1, -2}, 3))
                        .getMessage());
        assertEquals("layers: the list is empty; list at least one layer",
                assertThrows(IllegalArgumentException.class, () -> LayerIndices.resolve(new int[0], 3)).getMessage());
        assertEquals("layers: cannot select from a model with 0 layers",
                assertThrows(IllegalArgumentException.class, () -> LayerIndices.all(0)).getMessage());
    }

    @Test
    void theCollectorSaysWhatTheGallerySays(@TempDir Path dir) throws Exception {
        RandomGpt2.write(dir, new RandomGpt2.Spec(3, 16, 2, 40, 32, TensorDtype.F32, "", true, 1, 3));
        WordLevelTokenizerWriter.write(dir, List.of("a", "dog"), 40);
        try (LensSession s = LensSession.open(dir, "m", Device.cpu(), "float32")) {
            for (int[] layers : List.of(new int[] {2, -1}, new int[] {0, 99})) {
                String gallery = assertThrows(IllegalArgumentException.class,
                        () -> LayerSpec.of(layers).resolve(3)).getMessage();
                LensException e = assertThrows(LensException.class, () -> s.collect("a dog", 3, layers));
                assertEquals(gallery, e.getMessage());
            }
        }
    }
}
