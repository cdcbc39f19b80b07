package dev.logitlens.core.lens;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.checkpoint.TensorInfo;
import dev.logitlens.core.model.BlockStore;
import dev.logitlens.core.model.BlockStore.Residency;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a model's block weights are held: the one place where {@code memory: auto | resident | stream} and the
 * memory budget become a {@link Residency}, with the reason logged.
 *
 * <p>Sizes are the weights in the compute dtype (BF16 on disk is widened to float32: twice its file size). A
 * streamed model keeps its embedding, final norm and head resident and at most {@code 1 + BlockStore.AHEAD} blocks
 * at once (the one computing and those being read ahead), so it needs {@code resident + 3 × largest block}.
 *
 * @param residency how the blocks are held
 * @param reason    what the build logs with the model's load line
 */
public record MemoryPlan(Residency residency, String reason) {
    public static final List<String> MODES = List.of("auto", "resident", "stream");

    /** Block tensors by their family's container: {@code layers.N.}, {@code h.N.}, {@code blocks.N.}. */
    private static final Pattern BLOCK = Pattern.compile("(?:^|\\.)(?:layers|h|blocks)\\.(\\d+)\\.");

    /** Bytes of the weights in the compute dtype: outside the blocks, and the largest block. */
    public record Sizes(long resident, long largestBlock, long total, int blocks) {}

    public static Sizes sizes(Checkpoint checkpoint, DataType compute) {
        long bytesPer = compute == DataType.FLOAT16 ? 2 : 4;
        Map<Integer, Long> blocks = new TreeMap<>();
        long resident = 0;
        for (String name : checkpoint.names()) {
            TensorInfo t = checkpoint.info(name);
            if (!t.dtype().isFloat()) {
                continue;
            }
            long bytes = t.numElements() * bytesPer;
            Matcher m = BLOCK.matcher(name);
            if (m.find()) {
                blocks.merge(Integer.parseInt(m.group(1)), bytes, Long::sum);
            } else {
                resident += bytes;
            }
        }
        long largest = blocks.values().stream().mapToLong(Long::longValue).max().orElse(0);
        long total = resident + blocks.values().stream().mapToLong(Long::longValue).sum();
        return new Sizes(resident, largest, total, blocks.size());
    }

    /**
     * Decides for model {@code model}.
     *
     * @param mode   {@code auto}, {@code resident} or {@code stream}
     * @param budget bytes the weights may take on the compute device
     * @param budgetSource where the budget came from, for messages (e.g. "80% of available memory")
     * @throws LensException when even streaming does not fit the budget, naming the sizes and the fix
     */
    public static MemoryPlan decide(String model, String mode, Sizes s, long budget, String budgetSource) {
        long streamed = s.resident() + (1 + BlockStore.AHEAD) * s.largestBlock();
        String sizes = "weights " + gb(s.total()) + " (" + gb(s.resident()) + " outside the blocks, largest block "
                + gb(s.largestBlock()) + "), budget " + gb(budget) + " (" + budgetSource + ")";
        switch (mode) {
            case "resident":
                return new MemoryPlan(Residency.RESIDENT, "memory resident (as configured; " + sizes + ")");
            case "stream":
                requireStreamable(model, s, budget, sizes, streamed);
                return new MemoryPlan(Residency.STREAM, "memory stream (as configured; " + sizes + ")");
            case "auto":
                if (s.total() <= budget) {
                    return new MemoryPlan(Residency.RESIDENT, "memory auto → resident: the weights fit ("
                            + sizes + ")");
                }
                requireStreamable(model, s, budget, sizes, streamed);
                return new MemoryPlan(Residency.STREAM, "memory auto → stream: the weights do not fit, "
                        + "blocks are read from disk one at a time (" + sizes + ")");
            default:
                throw new LensException("memory: '" + mode + "' is not one of auto, resident, stream");
        }
    }

    private static void requireStreamable(String model, Sizes s, long budget, String sizes, long streamed) {
        if (streamed > budget) {
            throw new LensException("model '" + model + "' cannot run in its memory budget even streamed: it needs "
                    + gb(streamed) + " (the embedding, final norm and head, plus " + (1 + BlockStore.AHEAD) + " blocks at once) but " + sizes
                    + ". Raise the budget with -Dlogitlens.memoryBudget=" + Math.max(1, (streamed + (1L << 30) - 1) >> 30)
                    + "g (on a machine with that much free memory), or use a smaller model or dtype");
        }
    }

    /**
     * Parses a budget: bytes, or a number with {@code k}, {@code m}, {@code g} or {@code t} (powers of 1024), e.g.
     * {@code 6g}.
     */
    public static long parseBudget(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        Matcher m = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)b?").matcher(t);
        if (!m.matches()) {
            throw new LensException("memoryBudget: '" + text + "' is not a size; write e.g. 6g, 512m or 8000000000");
        }
        double v = Double.parseDouble(m.group(1));
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        long bytes = (long) (v * (1L << shift));
        if (bytes <= 0) {
            throw new LensException("memoryBudget: '" + text + "' must be more than 0");
        }
        return bytes;
    }

    /** A budget with where it came from. */
    public record Budget(long bytes, String source) {}

    /**
     * The budget: {@code configured} when given (the {@code logitlens.memoryBudget} property); otherwise 80% of the
     * memory available now (CPU: MemAvailable of /proc/meminfo, which counts reclaimable page cache; GPU: the
     * device's free memory).
     */
    public static Budget budget(String configured, Device device) {
        if (configured != null && !configured.isBlank()) {
            return new Budget(parseBudget(configured), "logitlens.memoryBudget=" + configured.strip());
        }
        if (device.isGpu()) {
            var usage = ai.djl.util.cuda.CudaUtils.getGpuMemory(device);
            long free = usage.getMax() - usage.getCommitted();
            return new Budget(free * 8 / 10, "80% of the GPU's free memory");
        }
        return new Budget(availableMemory() * 8 / 10, "80% of available memory");
    }

    static long availableMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getFreeMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }

    private static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
    }
}
