package dev.logitlens.core.tuned;

/**
 * One tensor of a PyTorch state dict, widened to float32 in Java, row-major.
 *
 * @param dtype  the stored dtype: {@code float32}, {@code float16} or {@code bfloat16}
 * @param shape  its size, outermost first
 * @param values its elements in row-major order (length = product of shape)
 */
public record StoredTensor(String dtype, long[] shape, float[] values) {
    public String shapeText() {
        return java.util.Arrays.toString(shape);
    }
}
