package dev.logitlens.core.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.checkpoint.TensorDtype;
import dev.logitlens.core.djl.Djl;
import dev.logitlens.core.lens.LensCollector;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.LensSession;
import dev.logitlens.core.lens.Workers;
import dev.logitlens.core.model.BlockStore.Residency;
import dev.logitlens.core.model.Gemm;
import dev.logitlens.core.synth.RandomGpt2;
import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The collector benchmarks (numbers for docs/benchmarks.md). Run:
 * {@code mvn -B -q -pl core test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=dev.logitlens.core.bench.LensBench -Dexec.args="<mode> [work dir]"} with mode
 *
 * <ul>
 *   <li>{@code rate}: the best fp32 matmul rate this libtorch reaches (square and lens shapes; one thread, our
 *   workers, libtorch's own threads): the rate every FLOP floor below uses;</li>
 *   <li>{@code gpt2}: a GPT-2-small-shaped checkpoint: 8, 64, 512 tokens; 20 prompts of 8 tokens in one pass and one
 *   160-token prompt; beside the peer PyTorch-eager script ({@code bench/peer_lens.py}) where a Python with torch
 *   is found;</li>
 *   <li>{@code busy}: 8 and 64 tokens and the 20 prompts, quiet and then with one busy process per core;</li>
 *   <li>{@code llama7b}: a Llama-2-7B-shaped BF16 checkpoint (13.5 GB), 8 prompts of 16 tokens with
 *   {@code memory: stream}: time, peak anonymous RSS, FLOP floor and one cold read of the file;</li>
 *   <li>{@code llama1b}: a Llama-3.2-1B-shaped BF16 checkpoint: streamed and resident give the same numbers; both
 *   times and peak RSS.</li>
 * </ul>
 */
public final class LensBench {
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "gpt2";
        Path work = Path.of(args.length > 1 ? args[1] : "target/bench");
        Files.createDirectories(work);
        Djl.engine();
        double rate = mode.equals("rate") ? rates() : bestRateQuick();
        System.out.printf(Locale.ROOT, "floor rate: %.1f GFLOP/s%n", rate);
        switch (mode) {
            case "rate" -> { }
            case "gpt2" -> gpt2(work, rate);
            case "busy" -> busy(work, rate);
            case "llama7b" -> llama7b(work, rate);
            case "llama1b" -> llama1b(work, rate);
            default -> throw new IllegalArgumentException("mode: rate, gpt2, busy, llama7b or llama1b");
        }
    }

    // ---- the floor's rate ----

    /**
     * Every configuration, for both CPU kernels ({@link Gemm}: MKL's matmul, oneDNN's as a 1×1 convolution), and
     * PyTorch's own oneDNN with its weights kept in oneDNN's layout ({@code bench/peer_rate.py}, where a Python with
     * torch is found); prints each and returns the best of all.
     */
    static double rates() {
        int[][] shapes = {{2048, 2048, 2048}, {4096, 4096, 4096}, {512, 768, 50257}, {512, 768, 1024},
                {2048, 768, 1024}, {512, 768, 2048}, {512, 768, 3072}, {512, 3072, 768}, {160, 768, 50257},
                {64, 768, 50257}};
        double best = 0;
        int workers = Runtime.getRuntime().availableProcessors();
        System.out.println("| kernel | shape (M×K×N) | 1 thread | " + workers + " workers × 1 thread | libtorch " + workers
                + " threads |");
        System.out.println("|---|---|---|---|---|");
        for (Gemm.Kernel kernel : Gemm.Kernel.values()) {
            for (int[] s : shapes) {
                double one = rate(s, 1, 1, kernel);
                double ours = rate(s, workers, 1, kernel);
                double torch = rate(s, 1, workers, kernel);
                best = Math.max(best, Math.max(one, Math.max(ours, torch)));
                System.out.printf(Locale.ROOT, "| %s | %d×%d×%d | %.1f | %.1f | %.1f |%n", kernel, s[0], s[1], s[2], one,
                        ours, torch);
            }
        }
        double peer = peerRate();
        if (peer > best) {
            System.out.printf(Locale.ROOT, "PyTorch's oneDNN (prepacked weights) reached %.1f GFLOP/s, more than ours%n",
                    peer);
        }
        return Math.max(best, peer);
    }

    /** {@code bench/peer_rate.py}'s best (its lines printed), or 0 where it cannot run. */
    static double peerRate(String... args) {
        List<String> out = python("bench/peer_rate.py", args);
        for (String line : out) {
            System.out.println(line);
        }
        for (String line : out) {
            if (line.startsWith("best ")) {
                return Double.parseDouble(line.substring(5).trim());
            }
        }
        return 0;
    }

    /**
     * The floor's rate for the other modes: the best of the lens tile and the MLP's down projection with our workers
     * on the kernel in use, MKL's square matmul, and PyTorch's prepacked oneDNN on its best shapes here
     * ({@code peer_rate.py --quick}), which is faster than ours on some machines: a floor is at the best rate this
     * machine reaches, not at ours.
     */
    static double bestRateQuick() {
        int w = Runtime.getRuntime().availableProcessors();
        Gemm.Kernel k = Gemm.cpuKernel();
        double ours = Math.max(Math.max(rate(new int[] {2048, 768, 1024}, w, 1, k),
                rate(new int[] {512, 3072, 768}, w, 1, k)), rate(new int[] {2048, 2048, 2048}, w, 1, Gemm.Kernel.BLAS));
        double peer = peerRate("--quick");
        System.out.printf(Locale.ROOT, "our best rate: %.1f GFLOP/s; PyTorch's prepacked oneDNN: %s%n", ours,
                peer > 0 ? String.format(Locale.ROOT, "%.1f GFLOP/s", peer) : "not measured (see above)");
        return Math.max(ours, peer);
    }

    /**
     * GFLOP/s of x[M,K]·W[N,K]ᵀ with {@code kernel}, best of 5: {@code parallel} independent matmuls at once, libtorch
     * on {@code threads}.
     */
    static double rate(int[] s, int parallel, int threads, Gemm.Kernel kernel) {
        int before = JniUtils.getNumThreads();
        JniUtils.setNumThreads(threads);
        try (NDManager m = NDManager.newBaseManager(Device.cpu()); Workers pool = new Workers(parallel)) {
            NDArray x = m.randomNormal(new Shape(s[0], s[1]));
            NDArray w = m.randomNormal(new Shape(s[2], s[1]));
            List<Callable<Void>> tasks = new ArrayList<>();
            for (int p = 0; p < parallel; p++) {
                tasks.add(() -> {
                    JniUtils.setNumThreads(threads);
                    try (NDManager sub = m.newSubManager()) {
                        Gemm.timesT(x, w, kernel).close();
                    }
                    return null;
                });
            }
            pool.all(tasks); // warm-up
            double best = 0;
            for (int r = 0; r < 5; r++) {
                long t0 = System.nanoTime();
                pool.all(tasks);
                double sec = (System.nanoTime() - t0) / 1e9;
                best = Math.max(best, parallel * 2.0 * s[0] * s[1] * s[2] / sec / 1e9);
            }
            return best;
        } finally {
            JniUtils.setNumThreads(before);
        }
    }

    // ---- GPT-2 small ----

    static final int G_LAYERS = 12, G_D = 768, G_HEADS = 12, G_VOCAB = 50257, G_POS = 1024;

    static Path gpt2Checkpoint(Path work) throws Exception {
        Path dir = work.resolve("gpt2-small-random");
        if (!Files.exists(dir.resolve("model.safetensors"))) {
            RandomGpt2.write(dir, new RandomGpt2.Spec(G_LAYERS, G_D, G_HEADS, G_VOCAB, G_POS, TensorDtype.F32, "", true,
                    1, 1));
            WordLevelTokenizerWriter.write(dir, List.of(), G_VOCAB);
        }
        return dir;
    }

    static String prompt(int tokens, int start) {
        return IntStream.range(0, tokens).mapToObj(i -> "tok" + (1 + (start + i) % 30000)).collect(Collectors.joining(" "));
    }

    static void gpt2(Path work, double rate) throws Exception {
        Path dir = gpt2Checkpoint(work);
        List<String[]> rows = new ArrayList<>();
        try (LensSession s = LensSession.open(dir, "gpt2", Device.cpu(), "float32")) {
            for (int t : new int[] {8, 64, 512}) {
                double sec = median(5, () -> single(s, t));
                double floor = gpt2Flops(t) / (rate * 1e9);
                rows.add(new String[] {t + " tokens", secs(sec), secs(floor), ratio(sec / floor), peer(dir, t, 1)});
            }
            double gallery = median(5, () -> twenty(s));
            double floor160 = 20 * gpt2Flops(8) / (rate * 1e9);
            rows.add(new String[] {"20 prompts × 8 tokens (one pass)", secs(gallery), secs(floor160),
                    ratio(gallery / floor160), peer(dir, 8, 20)});
            double one160 = median(5, () -> single(s, 160));
            rows.add(new String[] {"one 160-token prompt", secs(one160), secs(gpt2Flops(160) / (rate * 1e9)),
                    ratio(one160 / (gpt2Flops(160) / (rate * 1e9))), "20 × 8 is " + ratio(gallery / one160)
                    + " of this"});
        }
        System.out.println("| run | ours (median) | FLOP floor | ours / floor | PyTorch eager (peer) |");
        System.out.println("|---|---|---|---|---|");
        rows.forEach(r -> System.out.println("| " + String.join(" | ", r) + " |"));
        System.out.printf("peak RSS: %s%n", status("VmHWM"));
    }

    static void busy(Path work, double rate) throws Exception {
        Path dir = gpt2Checkpoint(work);
        try (LensSession s = LensSession.open(dir, "gpt2", Device.cpu(), "float32")) {
            List<String> names = List.of("8 tokens", "64 tokens", "20 prompts × 8 tokens");
            List<Supplier<Double>> runs = List.of(() -> single(s, 8), () -> single(s, 64), () -> twenty(s));
            double[] quiet = new double[3];
            for (int i = 0; i < 3; i++) {
                Supplier<Double> r = runs.get(i);
                quiet[i] = median(5, r::get);
            }
            int cores = Runtime.getRuntime().availableProcessors();
            List<Process> neighbours = new ArrayList<>();
            for (int c = 0; c < cores; c++) { // one busy process per core, as a parallel build or test run would be
                neighbours.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
            }
            try {
                Thread.sleep(1000);
                System.out.println("| run | quiet | " + cores + " busy neighbours | busy / quiet |");
                System.out.println("|---|---|---|---|");
                for (int i = 0; i < 3; i++) {
                    Supplier<Double> r = runs.get(i);
                    double b = median(5, r::get);
                    System.out.printf(Locale.ROOT, "| %s | %s | %s | %s |%n", names.get(i), secs(quiet[i]), secs(b),
                            ratio(b / quiet[i]));
                }
            } finally {
                neighbours.forEach(Process::destroyForcibly);
            }
        }
    }

    static double single(LensSession s, int tokens) {
        String p = prompt(tokens, 0);
        long t0 = System.nanoTime();
        LensResult r = s.collect(p, 5, null);
        if (r.numPositions() != tokens) {
            throw new IllegalStateException(r.numPositions() + " tokens, wanted " + tokens);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    static double twenty(LensSession s) {
        List<LensCollector.Request> requests = IntStream.range(0, 20)
                .mapToObj(i -> new LensCollector.Request(prompt(8, i * 8), 5, null)).toList();
        long t0 = System.nanoTime();
        List<LensCollector.Outcome> out = s.collectAll(requests, null);
        if (out.stream().anyMatch(o -> o.result() == null)) {
            throw new IllegalStateException("a run failed");
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Forward (QKV, output, MLP projections, attention scores and values) plus L lens projections of T rows. */
    static double gpt2Flops(int t) {
        double d = G_D;
        double perLayer = 2.0 * t * (12 * d * d) + 2.0 * t * t * d;
        return G_LAYERS * (perLayer + 2.0 * t * d * G_VOCAB);
    }

    /** The peer script's median for {@code prompts} prompts of {@code tokens}, or why there is none. */
    static String peer(Path dir, int tokens, int prompts) {
        List<String> out = python("bench/peer_lens.py", dir.toString(), String.valueOf(tokens), "--prompts",
                String.valueOf(prompts), "--repeats", "5");
        if (out.isEmpty()) {
            return "(no peer: see above)";
        }
        try {
            var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.get(out.size() - 1));
            return secs(json.path("median_s").asDouble());
        } catch (Exception e) {
            return "(peer printed no result: " + e.getMessage() + ")";
        }
    }

    /**
     * The stdout lines of a bench script run with Debian's python3 (python3-torch lives with the system Python, which
     * may not be the first on the PATH); none, with the reason on stderr, where it cannot run or fails.
     */
    static List<String> python(String script, String... args) {
        Path path = Path.of(script);
        if (!Files.exists(path)) {
            path = Path.of("..").resolve(script);
        }
        if (!Files.exists(path)) {
            System.err.println(script + " not found");
            return List.of();
        }
        try {
            String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
            List<String> command = new ArrayList<>(List.of(python, path.toString()));
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            List<String> out;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                out = r.lines().toList();
            }
            if (p.waitFor() != 0) {
                System.err.println(script + " failed (exit " + p.exitValue() + ")");
                return List.of();
            }
            return out;
        } catch (Exception e) {
            System.err.println("no python3 with torch for " + script + ": " + e.getMessage());
            return List.of();
        }
    }

    // ---- Llama shapes, BF16 on disk ----

    static final BigLlamaWriter.Shape LLAMA_7B = new BigLlamaWriter.Shape(32, 4096, 32, 32, 11008, 32000, 4096);
    static final BigLlamaWriter.Shape LLAMA_1B = new BigLlamaWriter.Shape(16, 2048, 32, 8, 8192, 128256, 2048);

    static Path llamaCheckpoint(Path work, String name, BigLlamaWriter.Shape shape) throws Exception {
        Path dir = work.resolve(name);
        if (!Files.exists(dir.resolve("model.safetensors"))) {
            long t0 = System.nanoTime();
            BigLlamaWriter.write(dir, shape);
            System.out.printf(Locale.ROOT, "wrote %s in %.0f s (%.2f GB)%n", name, (System.nanoTime() - t0) / 1e9,
                    Files.size(dir.resolve("model.safetensors")) / 1e9);
        }
        return dir;
    }

    static double llamaFlops(BigLlamaWriter.Shape s, int rows, int tokensPerPrompt) {
        double d = s.hidden();
        double kv = (double) s.kvHeads() * s.headDim();
        double perRow = 2.0 * (2 * d * d + 2 * d * kv + 3 * d * s.intermediate());
        double attention = 2.0 * 2.0 * rows * tokensPerPrompt * d; // scores and values, causal within each prompt
        return s.layers() * (rows * perRow + attention + 2.0 * rows * d * s.vocab());
    }

    static void llama7b(Path work, double rate) throws Exception {
        Path dir = llamaCheckpoint(work, "llama2-7b-random-bf16", LLAMA_7B);
        Path file = dir.resolve("model.safetensors");
        double read = coldRead(file);
        List<LensCollector.Request> requests = IntStream.range(0, 8)
                .mapToObj(i -> new LensCollector.Request(prompt(16, i * 16), 5, null)).toList();
        dropCaches();
        RssSampler rss = RssSampler.start();
        long t0 = System.nanoTime();
        Checkpoint ck = Checkpoint.open(dir);
        try (LensSession s = LensSession.open(ck, "llama-7b", Device.cpu(), DataType.FLOAT32, Residency.STREAM)) {
            List<LensCollector.Outcome> out = s.collectAll(requests, (b, n, bytes) -> System.out.printf(Locale.ROOT,
                    "  block %d/%d, %.1f GB read, %.0f s%n", b, n, bytes / 1e9, (System.nanoTime() - t0) / 1e9));
            if (out.stream().anyMatch(o -> o.result() == null)) {
                throw new IllegalStateException("a run failed: " + out);
            }
        }
        double sec = (System.nanoTime() - t0) / 1e9;
        rss.stop();
        double floor = llamaFlops(LLAMA_7B, 128, 16) / (rate * 1e9);
        System.out.println("| | measured |");
        System.out.println("|---|---|");
        System.out.printf(Locale.ROOT, "| file | %.2f GB |%n", Files.size(file) / 1e9);
        System.out.printf(Locale.ROOT, "| one cold read of the file | %s |%n", secs(read));
        System.out.printf(Locale.ROOT, "| FLOP floor (%.0f GFLOP) | %s |%n", llamaFlops(LLAMA_7B, 128, 16) / 1e9,
                secs(floor));
        System.out.printf(Locale.ROOT, "| 8 prompts × 16 tokens, memory: stream (load + pass) | %s = %s of floor + read |%n",
                secs(sec), ratio(sec / (floor + read)));
        System.out.printf(Locale.ROOT, "| peak anonymous RSS | %.2f GB (JVM max heap %.2f GB) |%n", rss.peak() / 1e9,
                Runtime.getRuntime().maxMemory() / 1e9);
    }

    static void llama1b(Path work, double rate) throws Exception {
        Path dir = llamaCheckpoint(work, "llama-1b-random-bf16", LLAMA_1B);
        List<LensCollector.Request> requests = IntStream.range(0, 4)
                .mapToObj(i -> new LensCollector.Request(prompt(16, i * 16), 5, null)).toList();
        List<List<LensCollector.Outcome>> results = new ArrayList<>();
        System.out.println("| memory | load + pass (4 prompts × 16 tokens) | peak anonymous RSS |");
        System.out.println("|---|---|---|");
        for (Residency r : Residency.values()) {
            RssSampler rss = RssSampler.start();
            long t0 = System.nanoTime();
            try (LensSession s = LensSession.open(Checkpoint.open(dir), "llama-1b", Device.cpu(), DataType.FLOAT32, r)) {
                results.add(s.collectAll(requests, null));
            }
            double sec = (System.nanoTime() - t0) / 1e9;
            rss.stop();
            System.out.printf(Locale.ROOT, "| %s | %s | %.2f GB |%n", r.name().toLowerCase(Locale.ROOT), secs(sec),
                    rss.peak() / 1e9);
            System.gc();
        }
        double maxDiff = 0;
        for (int i = 0; i < requests.size(); i++) {
            LensResult a = results.get(0).get(i).result();
            LensResult b = results.get(1).get(i).result();
            if (!Arrays.deepEquals(a.topk(), b.topk())) {
                throw new IllegalStateException("top-k differ between resident and stream");
            }
            for (int p = 0; p < a.numPositions(); p++) {
                for (int l = 0; l < a.numLayers(); l++) {
                    for (int j = 0; j < a.probs()[p][l].length; j++) {
                        maxDiff = Math.max(maxDiff, Math.abs(a.probs()[p][l][j] - b.probs()[p][l][j]));
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "stream vs resident: identical top-k, max probability difference %.1e%n", maxDiff);
    }

    static double coldRead(Path file) throws Exception {
        dropCaches();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("cat", file.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.waitFor();
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Empties the page cache where allowed (root), so a read is a read from disk. */
    static void dropCaches() {
        try {
            new ProcessBuilder("sh", "-c", "sync; echo 1 > /proc/sys/vm/drop_caches").start().waitFor();
        } catch (Exception e) {
            System.out.println("(page cache not dropped: " + e.getMessage() + ")");
        }
    }

    /** Samples RssAnon of this process every 20 ms: the weights, activations and heap, not the mapped file. */
    static final class RssSampler {
        private final Thread thread;
        private volatile boolean running = true;
        private volatile long peak;

        private RssSampler() {
            thread = new Thread(() -> {
                while (running) {
                    peak = Math.max(peak, kb("RssAnon") * 1024);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            thread.setDaemon(true);
        }

        static RssSampler start() {
            RssSampler s = new RssSampler();
            s.thread.start();
            return s;
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
        }

        long peak() {
            return peak;
        }
    }

    static long kb(String key) {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith(key + ":"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("\\D+", ""))).findFirst().orElse(0);
        } catch (Exception e) {
            return 0;
        }
    }

    static String status(String key) {
        return String.format(Locale.ROOT, "%.2f GB", kb(key) / 1e6);
    }

    // ---- formatting ----

    interface Run {
        double seconds() throws Exception;
    }

    static double median(int n, Run r) throws Exception {
        r.seconds(); // warm-up
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = r.seconds();
        }
        Arrays.sort(t);
        return t[n / 2];
    }

    static String secs(double s) {
        return String.format(Locale.ROOT, s < 1 ? "%.3f s" : "%.2f s", s);
    }

    static String ratio(double r) {
        return String.format(Locale.ROOT, "%.2f×", r);
    }
}
