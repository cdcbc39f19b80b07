package dev.logitlens.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import dev.logitlens.core.UserInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code x · wᵀ} for rows {@code x} [N, K] and a torch {@code nn.Linear}-style weight {@code w} [M, K]: the one place
 * that picks which of libtorch's CPU kernels multiplies.
 *
 * <p>libtorch's matmul calls MKL, which on AMD processors runs its AVX2 code even where the processor has AVX-512:
 * about 95 GFLOP/s per core on the Zen 5 we measure on, where oneDNN's AVX-512 kernels reach 190–220. libtorch
 * hands a 1×1 convolution to oneDNN, so there {@code x · wᵀ} is computed as one, over 16 channels-last images of one
 * column (with 16 images and more libtorch always takes oneDNN; a one-thread 1×1 convolution of fewer images stays
 * on its own slower path). Which operand is the images depends on the rows ({@link #SWAP_BELOW_ROWS}); the numbers
 * do not.
 *
 * <p>With either kernel a row's result is bit for bit the same whatever the other rows are and however many, and a
 * column's whatever columns it is computed with (MKL: from {@link #MIN_ROWS} rows, which it pads to, and splits
 * at multiples of 32 columns; oneDNN: any). The two kernels round differently, so a process uses one throughout.
 */
public final class Gemm {
    /** Which CPU kernel multiplies: {@code logitlens.cpuMatmul} = {@code auto} (default), {@code onednn} or {@code blas}. */
    public enum Kernel { BLAS, ONEDNN }

    /** Images of the convolution: rows are padded to a multiple of it. */
    static final int IMAGES = 16;

    /**
     * From this many rows on, each row of MKL's matmul is bit for bit the same whatever the other rows are and however
     * many there are (measured on one thread; with fewer rows it takes another path whose last bits differ), so
     * fewer rows are padded to it.
     */
    public static final int MIN_ROWS = 4;

    /** The system property that overrides the choice. */
    public static final String PROPERTY = "logitlens.cpuMatmul";

    private static volatile Kernel cpu; // resolved on first use

    private Gemm() {}

    /**
     * The CPU kernel this process uses, resolved once from {@link #PROPERTY} and the processor.
     *
     * @throws UserInputException when the property has another value
     */
    public static Kernel cpuKernel() {
        Kernel k = cpu;
        if (k == null) {
            k = resolve(System.getProperty(PROPERTY), cpuInfo());
            cpu = k;
        }
        return k;
    }

    /**
     * {@code setting} (null or {@code auto}: oneDNN on an AMD processor with AVX-512, where MKL leaves it unused;
     * elsewhere MKL, where oneDNN was not measured faster) given the processor's {@code /proc/cpuinfo} text.
     */
    static Kernel resolve(String setting, String cpuInfo) {
        String s = setting == null ? "auto" : setting.trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "onednn" -> Kernel.ONEDNN;
            case "blas", "mkl" -> Kernel.BLAS;
            case "auto", "" -> cpuInfo.contains("AuthenticAMD") && hasFlag(cpuInfo, "avx512f") ? Kernel.ONEDNN
                    : Kernel.BLAS;
            default -> throw new UserInputException("-D" + PROPERTY + " is '" + setting
                    + "': use auto, onednn or blas (or leave it unset for auto)");
        };
    }

    private static boolean hasFlag(String cpuInfo, String flag) {
        for (String line : cpuInfo.split("\n")) {
            if (line.startsWith("flags") && (" " + line.substring(line.indexOf(':') + 1) + " ").contains(" " + flag + " ")) {
                return true;
            }
        }
        return false;
    }

    private static String cpuInfo() {
        try {
            return Files.readString(Path.of("/proc/cpuinfo"));
        } catch (IOException | RuntimeException e) {
            return ""; // not Linux: MKL
        }
    }

    /** {@code x · wᵀ}: x [N, K], w [M, K] → [N, M], row-major. */
    public static NDArray timesT(NDArray x, NDArray w) {
        return timesT(x, w, cpuKernel(), 0);
    }

    /**
     * {@code x · wᵀ} where x's last {@code padRows} rows belong to no prompt ({@link PadRows}): their products may be
     * left zero, which they are where that is faster (the rows as filters, {@link #weightAsImages}).
     */
    public static NDArray timesT(NDArray x, NDArray w, int padRows) {
        return timesT(x, w, cpuKernel(), padRows);
    }

    /** {@code x · wᵀ} with the CPU kernel {@code kernel} where it applies (float32 on the CPU), else libtorch's matmul. */
    public static NDArray timesT(NDArray x, NDArray w, Kernel kernel) {
        return timesT(x, w, kernel, 0);
    }

    static NDArray timesT(NDArray x, NDArray w, Kernel kernel, int padRows) {
        boolean oneDnn = kernel == Kernel.ONEDNN && !x.getDevice().isGpu() && x.getDataType() == DataType.FLOAT32
                && w.getDataType() == DataType.FLOAT32;
        if (!oneDnn) {
            return matMul(x, w.transpose());
        }
        long n = x.getShape().get(0);
        return n < SWAP_BELOW_ROWS && w.getShape().get(0) % IMAGES == 0
                ? weightAsImages(x, w, padRows > 0 && padRows < n ? padRows : 0)
                : rowsAsImages(x, w);
    }

    /**
     * Below this many rows x's rows are the filters and w the images ({@link #weightAsImages}), from it on the other
     * way round: the convolution reorders its filters into oneDNN's layout on every call, which costs more than the
     * arithmetic where the filters are a whole weight and the rows few (measured: 8–80 rows 1.8–2.2× faster, 512 rows
     * 1.1–1.3× slower, because the product then comes out transposed and is copied back).
     */
    static final int SWAP_BELOW_ROWS = 192;

    /** MKL's matmul, padded to {@link #MIN_ROWS} rows. */
    private static NDArray matMul(NDArray x, NDArray w) {
        long n = x.getShape().get(0);
        NDArray y = padded(x, Math.max(MIN_ROWS, n)).matMul(w);
        return n >= MIN_ROWS ? y : y.get("0:" + n);
    }

    /** {@code x} [N, K] with zero rows appended up to {@code rows} rows. */
    private static NDArray padded(NDArray x, long rows) {
        long n = x.getShape().get(0);
        if (n >= rows) {
            return x;
        }
        NDArray zeros = x.getManager().zeros(new Shape(rows - n, x.getShape().get(1)), x.getDataType());
        return NDArrays.concat(new NDList(x, zeros), 0);
    }

    /**
     * x · wᵀ as a 1×1 convolution of {@link #IMAGES} channels-last images whose pixels are x's rows (padded to a
     * multiple of them) and whose filters are w's rows.
     */
    static NDArray rowsAsImages(NDArray x, NDArray w) {
        long n = x.getShape().get(0);
        long k = x.getShape().get(1);
        long m = w.getShape().get(0);
        long padded = Math.max(IMAGES, (n + IMAGES - 1) / IMAGES * IMAGES);
        NDArray images = padded(x, padded).reshape(IMAGES, padded / IMAGES, 1, k).transpose(0, 3, 1, 2); // [16, K, rows/16, 1]
        NDArray filters = w.expandDims(2).expandDims(3);                                    // [M, K, 1, 1], a view
        NDArray out = convolve(images, filters);                                             // [16, M, rows/16, 1]
        NDArray y = out.transpose(0, 2, 3, 1).reshape(padded, m);                            // [rows, M]
        return padded > n ? y.get("0:" + n) : y;
    }

    /**
     * The same product the other way round, bit for bit (tested): w's rows (M a multiple of {@link #IMAGES}) are the
     * pixels, x's rows the filters, so only x is reordered; the product comes out as yᵀ and is copied to row order.
     * x's last {@code padRows} rows are not multiplied: zero rows ({@link PadRows}).
     */
    static NDArray weightAsImages(NDArray x, NDArray w, int padRows) {
        long n = x.getShape().get(0) - padRows;                                              // the rows multiplied
        long k = x.getShape().get(1);
        long m = w.getShape().get(0);
        NDArray images = w.reshape(IMAGES, m / IMAGES, 1, k).transpose(0, 3, 1, 2);         // [16, K, M/16, 1]
        NDArray filters = (padRows > 0 ? x.get("0:" + n) : x).expandDims(2).expandDims(3); // [N, K, 1, 1]
        NDArray out = convolve(images, filters);                                             // [16, N, M/16, 1]
        NDArray yt = out.transpose(1, 0, 2, 3).reshape(n, m);                                // [N, M], a view of yᵀ
        if (padRows == 0) {
            return yt.reshape(n * m).reshape(n, m);                                          // copied to row order
        }
        NDArray pad = x.getManager().zeros(new Shape(padRows, m), DataType.FLOAT32);
        return NDArrays.concat(new NDList(yt, pad), 0);                                      // the same one copy
    }

    private static NDArray convolve(NDArray images, NDArray filters) {
        return Conv2d.conv2d(images, filters, null, new Shape(1, 1), new Shape(0, 0), new Shape(1, 1), 1)
                .singletonOrThrow();
    }
}
