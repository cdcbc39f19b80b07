package dev.logitlens.core.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.djl.Djl;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.LensSession;
import dev.logitlens.core.synth.RandomGpt2;
import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The collector benchmark: writes a GPT-2-small-shaped random checkpoint, measures load time, collect
 * time on 8-, 64- and 512-token prompts, and compares each with the FLOP floor (forward pass plus L
 * lens projections) at the fp32 matmul rate measured in the same run.
 *
 * <p>Run: {@code mvn -pl core -q test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.logitlens.core.bench.LensBench -Dexec.args="<work dir>"}. Results go to stdout
 * as a Markdown table for docs/benchmarks.md.
 */
public final class LensBench {
    public static void main(String[] args) throws Exception {
        Path work = Path.of(args.length > 0 ? args[0] : "target/bench");
        Files.createDirectories(work);
        Djl.engine();
        double gflops = matmulRate();
        System.out.printf("fp32 matmul rate: %.1f GFLOP/s (512x768 · 768x50257)%n", gflops);
        if (args.length > 1 && args[1].equals("llama")) {
            llama(work, gflops);
            return;
        }

        int layers = 12, d = 768, heads = 12, vocab = 50257, positions = 1024;
        Path dir = work.resolve("gpt2-small-random");
        if (!Files.exists(dir.resolve("model.safetensors"))) {
            long t0 = System.nanoTime();
            RandomGpt2.write(dir, new RandomGpt2.Spec(layers, d, heads, vocab, positions, TensorDtype.F32, "", true, 1, 1));
            WordLevelTokenizerWriter.write(dir, List.of(), vocab);
            System.out.printf("wrote checkpoint in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        }
        long t0 = System.nanoTime();
        try (LensSession s = LensSession.open(dir, "gpt2-small-random", Device.cpu(), "float32")) {
            double load = (System.nanoTime() - t0) / 1e9;
            System.out.printf("load (mmap + hand to DJL): %.3f s%n", load);
            System.out.println("| prompt tokens | collect (median of 5) | FLOP floor | ratio |");
            System.out.println("|---|---|---|---|");
            for (int t : new int[] {8, 64, 512}) {
                String prompt = IntStream.range(0, t).mapToObj(i -> "tok" + (1 + i % (vocab - 1)))
                        .collect(Collectors.joining(" "));
                s.collect(prompt, 5, null); // warm-up
                double[] times = new double[5];
                for (int i = 0; i < times.length; i++) {
                    long a = System.nanoTime();
                    LensResult r = s.collect(prompt, 5, null);
                    times[i] = (System.nanoTime() - a) / 1e9;
                    if (r.numPositions() != t) {
                        throw new IllegalStateException("prompt has " + r.numPositions() + " tokens, wanted " + t);
                    }
                }
                Arrays.sort(times);
                double flops = gpt2Flops(layers, d, vocab, t);
                double floor = flops / (gflops * 1e9);
                System.out.printf("| %d | %.3f s | %.3f s (%.1f GFLOP) | %.2f× |%n", t, times[2], floor, flops / 1e9,
                        times[2] / floor);
            }
        }
        System.out.printf("peak RSS: %s%n", peakRss());
    }

    /**
     * A Llama-3.2-1B-shaped random checkpoint (16 layers, d = 2048, GQA 32/8, head 64, MLP 8192, vocab
     * 128256, BF16 on disk, one 2.5 GB file): load time, collect time and peak memory.
     */
    static void llama(Path work, double gflops) throws Exception {
        int layers = 16, d = 2048, heads = 32, kv = 8, hd = 64, inter = 8192, vocab = 128256;
        Path dir = work.resolve("llama-1b-random-bf16");
        if (!Files.exists(dir.resolve("model.safetensors"))) {
            long t0 = System.nanoTime();
            dev.logitlens.core.synth.RandomLlama.write(dir, new dev.logitlens.core.synth.RandomLlama.Spec("llama", layers, d,
                    heads, kv, hd, inter, vocab, 2048, TensorDtype.BF16, "model.", true, 1, 1, java.util.Map.of()));
            WordLevelTokenizerWriter.write(dir, List.of(), vocab);
            System.out.printf("wrote checkpoint in %.1f s (%d MB)%n", (System.nanoTime() - t0) / 1e9,
                    Files.size(dir.resolve("model.safetensors")) >> 20);
            System.gc();
        }
        long t0 = System.nanoTime();
        try (LensSession s = LensSession.open(dir, "llama-1b-random", Device.cpu(), "auto")) {
            System.out.printf("load (mmap, BF16 widened to F32 in Java): %.2f s, RSS after load %s%n",
                    (System.nanoTime() - t0) / 1e9, rss());
            System.out.println("| prompt tokens | collect (median of 3) | FLOP floor | ratio |");
            System.out.println("|---|---|---|---|");
            for (int t : new int[] {8, 64}) {
                String prompt = IntStream.range(0, t).mapToObj(i -> "tok" + (1 + i)).collect(Collectors.joining(" "));
                s.collect(prompt, 5, null);
                double[] times = new double[3];
                for (int i = 0; i < times.length; i++) {
                    long a = System.nanoTime();
                    s.collect(prompt, 5, null);
                    times[i] = (System.nanoTime() - a) / 1e9;
                }
                Arrays.sort(times);
                double perLayer = 2.0 * t * ((double) d * heads * hd * 2 + 2.0 * d * kv * hd + 3.0 * d * inter)
                        + 2.0 * t * t * heads * hd;
                double flops = layers * (perLayer + 2.0 * t * d * vocab);
                double floor = flops / (gflops * 1e9);
                System.out.printf("| %d | %.2f s | %.2f s (%.0f GFLOP) | %.2f× |%n", t, times[1], floor, flops / 1e9,
                        times[1] / floor);
            }
        }
        System.out.printf("peak RSS: %s%n", peakRss());
    }

    static String rss() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS"))
                .map(l -> l.replaceAll("\\s+", " ").substring(6).trim()).findFirst().orElse("n/a");
    }

    /** Forward (QKV, output, MLP projections and attention scores/values) plus L lens projections. */
    static double gpt2Flops(int layers, int d, int vocab, int t) {
        double perLayer = 2.0 * t * (3.0 * d * d + d * d + 8.0 * d * d) + 2.0 * 2.0 * t * t * d / 2.0;
        double lens = 2.0 * t * d * vocab;
        return layers * (perLayer + lens);
    }

    static double matmulRate() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray a = m.randomNormal(new Shape(512, 768));
            NDArray b = m.randomNormal(new Shape(768, 50257));
            a.matMul(b).close();
            List<Double> rates = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                a.matMul(b).close();
                double s = (System.nanoTime() - t0) / 1e9;
                rates.add(2.0 * 512 * 768 * 50257 / s / 1e9);
            }
            return rates.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        }
    }

    static String peakRss() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM"))
                .map(l -> l.replaceAll("\\s+", " ").substring(6).trim()).findFirst().orElse("n/a");
    }
}
