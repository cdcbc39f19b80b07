package dev.logitlens.core.tuned;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** NumPy's own array_str and sha256 of random matrices (made by make_fixtures.py), positional and scientific. */
class UnembedHashTest {
    @Test
    void matchesNumPy() throws IOException {
        for (JsonNode h : TorchStateDictTest.expected().get("hashes")) {
            int rows = h.get("rows").asInt();
            int cols = h.get("cols").asInt();
            float[] m = new float[rows * cols];
            for (int i = 0; i < m.length; i++) {
                m[i] = (float) h.get("values").get(i).asDouble();
            }
            assertEquals(h.get("array_str").asText(), UnembedHash.arrayStr(
                    r -> java.util.Arrays.copyOfRange(m, r * cols, r * cols + cols), rows, cols), "seed " + h.get("seed"));
            assertEquals(h.get("sha256").asText(), UnembedHash.of(m, rows, cols));
        }
    }
}
