package dev.logitlens.core.gallery;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Lens settings that {@code defaults}, a model, a prompt or the command line may set. A null field means "not set
 * here"; {@link #merge} fills it from a lower level.
 *
 * @param k how many top tokens to keep per layer and position, 1..{@value #MAX_K}
 * @param layers which layers to read
 * @param device {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N}
 * @param dtype {@code auto}, {@code float32}, {@code float16} or {@code bfloat16}
 * @param memory how a model's block weights are held: {@code auto}, {@code resident} or {@code stream}
 */
public record Settings(Integer k, LayerSpec layers, String device, String dtype, String memory) {

    public static final int MAX_K = 1000;
    public static final List<String> DEVICES = List.of("auto", "cpu", "cuda", "cuda:N");
    public static final List<String> DTYPES = List.of("auto", "float32", "float16", "bfloat16");
    public static final List<String> MEMORY = List.of("auto", "resident", "stream");

    /** Nothing set. */
    public static final Settings EMPTY = new Settings(null, null, null, null, null);

    /** The lowest level: what applies when nothing else sets a value. */
    public static final Settings BUILT_IN = new Settings(5, LayerSpec.all(), "auto", "auto", "auto");

    private static final Pattern CUDA_N = Pattern.compile("cuda:\\d+");

    public Settings {
        if (k != null) {
            checkK(k);
        }
        if (device != null) {
            checkDevice(device);
        }
        if (dtype != null) {
            checkDtype(dtype);
        }
        if (memory != null) {
            checkMemory(memory);
        }
    }

    /** Without {@code memory}. */
    public Settings(Integer k, LayerSpec layers, String device, String dtype) {
        this(k, layers, device, dtype, null);
    }

    /**
     * Combines levels, the highest precedence first: each field comes from the first level that sets it. The
     * gallery uses {@code merge(cliOverrides, prompt, model, defaults, BUILT_IN)}. Null levels are skipped.
     */
    public static Settings merge(Settings... highestFirst) {
        Integer k = null;
        LayerSpec layers = null;
        String device = null;
        String dtype = null;
        String memory = null;
        for (Settings s : highestFirst) {
            if (s == null) {
                continue;
            }
            k = k != null ? k : s.k;
            layers = layers != null ? layers : s.layers;
            device = device != null ? device : s.device;
            dtype = dtype != null ? dtype : s.dtype;
            memory = memory != null ? memory : s.memory;
        }
        return new Settings(k, layers, device, dtype, memory);
    }

    /** True when every field is set, as it is after merging with {@link #BUILT_IN}. */
    public boolean isComplete() {
        return k != null && layers != null && device != null && dtype != null && memory != null;
    }

    /**
     * Reads settings given as text (command-line properties); null or blank means unset.
     *
     * @throws IllegalArgumentException naming the bad value and the accepted ones
     */
    public static Settings parse(String k, String layers, String device, String dtype) {
        return parse(k, layers, device, dtype, null);
    }

    /** As {@link #parse(String, String, String, String)}, with {@code memory}. */
    public static Settings parse(String k, String layers, String device, String dtype, String memory) {
        Integer kValue = null;
        if (k != null && !k.isBlank()) {
            try {
                kValue = Integer.parseInt(k.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(notWholeNumber(k));
            }
        }
        return new Settings(kValue,
                layers == null || layers.isBlank() ? null : LayerSpec.parse(layers),
                device == null || device.isBlank() ? null : device.strip(),
                dtype == null || dtype.isBlank() ? null : dtype.strip(),
                memory == null || memory.isBlank() ? null : memory.strip());
    }

    /** @throws IllegalArgumentException when {@code k} is outside 1..{@value #MAX_K} */
    static void checkK(long k) {
        if (k < 1 || k > MAX_K) {
            throw new IllegalArgumentException(outOfRange(String.valueOf(k)));
        }
    }

    static String notWholeNumber(String k) {
        return "k: '" + k + "' is not a whole number. Use a number from 1 to " + MAX_K + ".";
    }

    static String outOfRange(String k) {
        return "k: " + k + " is out of range. Use a number from 1 to " + MAX_K + ".";
    }

    /** @throws IllegalArgumentException when {@code device} is not one of {@link #DEVICES} */
    static void checkDevice(String device) {
        if (device.equals("auto") || device.equals("cpu") || device.equals("cuda") || CUDA_N.matcher(device).matches()) {
            return;
        }
        // Always list the forms: the nearest spelling of a wrong device ("gpu" -> "cpu") is rarely what was meant.
        throw new IllegalArgumentException("device: '" + device + "' is not supported. Use auto, cpu, cuda or "
                + "cuda:N (e.g. cuda:0).");
    }

    /** @throws IllegalArgumentException when {@code dtype} is not one of {@link #DTYPES} */
    static void checkDtype(String dtype) {
        if (DTYPES.contains(dtype)) {
            return;
        }
        throw new IllegalArgumentException("dtype: '" + dtype + "' is not supported. "
                + DidYouMean.hint(dtype, DTYPES, "Use one of"));
    }

    /** @throws IllegalArgumentException when {@code memory} is not one of {@link #MEMORY} */
    static void checkMemory(String memory) {
        if (MEMORY.contains(memory)) {
            return;
        }
        throw new IllegalArgumentException("memory: '" + memory + "' is not supported. "
                + DidYouMean.hint(memory, MEMORY, "Use one of"));
    }
}
