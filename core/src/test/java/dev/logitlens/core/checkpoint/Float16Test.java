package dev.logitlens.core.checkpoint;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Half and bfloat16 conversions against values known from IEEE 754 tables. */
class Float16Test {
    @Test
    void knownHalfEncodings() {
        assertEquals((short) 0x3c00, Float16.fromFloat(1f));
        assertEquals((short) 0xc000, Float16.fromFloat(-2f));
        assertEquals((short) 0x7bff, Float16.fromFloat(65504f));
        assertEquals((short) 0x7c00, Float16.fromFloat(70000f));
        assertEquals((short) 0x0001, Float16.fromFloat(0x1p-24f));
        assertEquals((short) 0x3555, Float16.fromFloat(1f / 3));
        assertEquals(65504f, Float16.toFloat((short) 0x7bff));
        assertEquals(0x1p-24f, Float16.toFloat((short) 0x0001));
        for (int h = 0; h < 0x7c00; h++) { // every finite positive half survives the round trip
            assertEquals((short) h, Float16.fromFloat(Float16.toFloat((short) h)));
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals((short) 0x3f80, SafetensorsWriter.toBf16(1f));
        assertEquals((short) 0x3f80, SafetensorsWriter.toBf16(Float.intBitsToFloat(0x3f808000))); // tie → even
        assertEquals((short) 0x3f82, SafetensorsWriter.toBf16(Float.intBitsToFloat(0x3f818000))); // tie → even
        assertEquals((short) 0x3f81, SafetensorsWriter.toBf16(Float.intBitsToFloat(0x3f808001)));
        assertEquals(1f, SafetensorsWriter.fromBf16((short) 0x3f80));
    }
}
