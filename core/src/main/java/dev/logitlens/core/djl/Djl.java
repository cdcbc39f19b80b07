package dev.logitlens.core.djl;

import dev.logitlens.core.UserInputException;

import ai.djl.Device;
import ai.djl.engine.Engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The one door to DJL. Every class that touches DJL calls {@link #engine()} first, so the offline
 * flags are set before any DJL class reads them: without {@code ai.djl.offline=true} DJL tries to
 * download libtorch even though the pinned native jar carries it.
 */
public final class Djl {
    private static volatile Engine engine;

    private Djl() {}

    /** Sets DJL's offline defaults (unless the user set them) and returns the PyTorch engine. */
    public static Engine engine() {
        Engine e = engine;
        if (e != null) {
            return e;
        }
        synchronized (Djl.class) {
            if (engine == null) {
                setIfAbsent("ai.djl.default_engine", "PyTorch");
                // The user may opt into DJL's download of a CUDA libtorch (see README, "GPUs").
                if (System.getenv("LOGITLENS_ALLOW_LIBTORCH_DOWNLOAD") == null) {
                    setIfAbsent("ai.djl.offline", "true");
                }
                setIfAbsent("ai.djl.pytorch.graph_optimizer", "false");
                // libtorch runs each operation on one thread; the collector splits its work into independent tasks
                // on its own workers instead. With libtorch's OpenMP team, every operation ends in a barrier where
                // a thread the OS has preempted (a busy neighbour) holds up all the others: 8x slower, measured.
                setIfAbsent("ai.djl.pytorch.num_threads", "1");
                setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
                engine = Engine.getEngine("PyTorch");
            }
            return engine;
        }
    }

    /**
     * Applies libtorch's thread setting to the calling thread. libtorch applies it to a new thread only on the first
     * operation that asks for it; a matmul first ran MKL with its own default threads there instead: slower under
     * contention, and with other last bits than the same matmul on the thread that loaded the engine. Every thread
     * that computes calls this first.
     */
    public static void initThread() {
        engine();
        String n = System.getProperty("ai.djl.pytorch.num_threads");
        int threads = 1;
        try {
            threads = n == null ? 1 : Integer.parseInt(n.trim());
        } catch (NumberFormatException e) {
            // DJL reports a bad value itself; keep one thread
        }
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /**
     * Resolves a device spec: {@code cpu}, {@code cuda}, {@code cuda:N} or {@code auto}.
     *
     * @param warn receives the warning when {@code auto} falls back to the CPU
     * @throws DeviceException when a GPU is asked for and none can be used, with how to get one
     */
    public static Device device(String spec, Consumer<String> warn) {
        String s = spec == null ? "auto" : spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("cpu")) {
            return Device.cpu(); // without asking libtorch about GPUs, which logs CUDA warnings on CPU builds
        }
        int gpus = engine().getGpuCount();
        if (s.equals("auto")) {
            if (gpus > 0) {
                return Device.gpu(0);
            }
            warn.accept("device auto: no CUDA device is usable by the loaded libtorch (" + libtorchDescription()
                    + "); running on the CPU. " + GPU_HELP);
            return Device.cpu();
        }
        if (s.equals("cuda") || s.equals("gpu") || s.startsWith("cuda:") || s.startsWith("gpu:")) {
            int index = 0;
            int colon = s.indexOf(':');
            if (colon >= 0) {
                try {
                    index = Integer.parseInt(s.substring(colon + 1));
                } catch (NumberFormatException ex) {
                    throw new DeviceException("device '" + spec + "': the GPU index must be a number, e.g. cuda:0");
                }
            }
            if (gpus == 0) {
                throw new DeviceException("device '" + spec + "': the loaded libtorch (" + libtorchDescription()
                        + ") has no usable CUDA device. " + GPU_HELP);
            }
            if (index < 0 || index >= gpus) {
                throw new DeviceException("device '" + spec + "': only " + gpus + " CUDA device(s) are visible (cuda:0"
                        + (gpus > 1 ? "..cuda:" + (gpus - 1) : "") + ")");
            }
            return Device.gpu(index);
        }
        throw new DeviceException("device '" + spec + "' is not one of: auto, cpu, cuda, cuda:N");
    }

    /** Where the user is told how to get a CUDA build of libtorch 2.7.1. */
    public static final String GPU_HELP = "To use a GPU, give DJL a CUDA build of libtorch 2.7.1: either set "
            + "PYTORCH_LIBRARY_PATH to an existing libtorch 2.7.1 CUDA install (e.g. the lib/ folder of a "
            + "torch==2.7.1+cu12x wheel) together with PYTORCH_VERSION=2.7.1 and PYTORCH_FLAVOR=cu128, or set "
            + "LOGITLENS_ALLOW_LIBTORCH_DOWNLOAD=1 and PYTORCH_FLAVOR=cu128 so DJL downloads it once (needs the network).";

    private static String libtorchDescription() {
        String lib = System.getenv("PYTORCH_LIBRARY_PATH");
        if (lib != null && Files.isDirectory(Path.of(lib))) {
            return "PYTORCH_LIBRARY_PATH=" + lib;
        }
        return "CPU-only build " + engine().getVersion();
    }

    /** A device that cannot be used, with the fix in the message. */
    public static final class DeviceException extends UserInputException {
        public DeviceException(String message) {
            super(message);
        }
    }
}
