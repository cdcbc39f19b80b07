package dev.logitlens.core.checkpoint;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The safetensors dtypes we read. Anything else is rejected with the list of these. */
public enum TensorDtype {
    F32(4),
    F16(2),
    BF16(2),
    I64(8),
    I32(4),
    U8(1),
    BOOL(1);

    private final int bytes;

    TensorDtype(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    public boolean isFloat() {
        return this == F32 || this == F16 || this == BF16;
    }

    static TensorDtype parse(String name) {
        for (TensorDtype d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }

    static String supported() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
