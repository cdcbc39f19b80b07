package dev.logitlens.core.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.logitlens.core.checkpoint.Float16;
import dev.logitlens.core.checkpoint.SafetensorsWriter;
import dev.logitlens.core.checkpoint.TensorDtype;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes model directories with random weights, for tests and benchmarks (no real weights can be
 * downloaded here). Values are rounded through the on-disk dtype before they are returned, so an
 * independent reference computes with exactly what the loader reads.
 */
public final class SyntheticCheckpoint {
    private final Random rng;
    private final TensorDtype dtype;
    private final Map<String, float[]> tensors = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();

    public SyntheticCheckpoint(long seed, TensorDtype dtype) {
        this.rng = new Random(seed);
        this.dtype = dtype;
    }

    /** Gaussian values with standard deviation {@code std} around {@code mean}. */
    public float[] normal(String name, double mean, double std, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = round((float) (mean + std * rng.nextGaussian()));
        }
        tensors.put(name, v);
        shapes.put(name, shape);
        return v;
    }

    /**
     * The weights as written, by name with {@code prefix} removed: how independent references (which
     * know nothing of base-model prefixes) address them.
     */
    public Map<String, float[]> tensorsWithout(String prefix) {
        Map<String, float[]> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(k.startsWith(prefix) ? k.substring(prefix.length()) : k, v));
        return out;
    }

    /** The weights as written (after dtype rounding), by name. */
    public Map<String, float[]> tensors() {
        return tensors;
    }

    private float round(float v) {
        return switch (dtype) {
            case F32 -> v;
            case F16 -> Float16.toFloat(Float16.fromFloat(v));
            case BF16 -> SafetensorsWriter.fromBf16(SafetensorsWriter.toBf16(v));
            default -> throw new IllegalStateException();
        };
    }

    /** Writes {@code model.safetensors}, or {@code shards} files plus the index when shards > 1. */
    public void writeWeights(Path dir, int shards) throws IOException {
        Files.createDirectories(dir);
        if (shards <= 1) {
            SafetensorsWriter w = new SafetensorsWriter(dtype);
            tensors.forEach((k, v) -> w.add(k, v, shapes.get(k)));
            w.write(dir.resolve("model.safetensors"));
            return;
        }
        List<String> names = List.copyOf(tensors.keySet());
        ObjectMapper json = new ObjectMapper();
        ObjectNode index = json.createObjectNode();
        index.putObject("metadata").put("total_size", 0);
        ObjectNode map = index.putObject("weight_map");
        for (int s = 0; s < shards; s++) {
            String file = String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
            SafetensorsWriter w = new SafetensorsWriter(dtype);
            for (int i = s; i < names.size(); i += shards) {
                w.add(names.get(i), tensors.get(names.get(i)), shapes.get(names.get(i)));
                map.put(names.get(i), file);
            }
            w.write(dir.resolve(file));
        }
        json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
    }
}
