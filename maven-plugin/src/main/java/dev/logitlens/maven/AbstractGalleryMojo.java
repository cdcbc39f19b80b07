package dev.logitlens.maven;

import dev.logitlens.core.UserInputException;
import dev.logitlens.core.build.GalleryBuild;
import dev.logitlens.core.gallery.Settings;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What the gallery goals share: their parameters and the mapping to a {@link GalleryBuild.Request}. A failed run
 * fails the build, as a {@link UserInputException} does ({@link LogitLensMojo}); anything else is an execution
 * error, whether or not {@code failFast} is set.
 */
abstract class AbstractGalleryMojo extends LogitLensMojo {

    /**
     * The run cache. Outside {@code target/} by default so that {@code mvn clean} keeps it, and shared by
     * every project of the user (entries are keyed by content, so sharing is safe).
     */
    @Parameter(property = PropertyNames.CACHE_DIRECTORY, defaultValue = "${user.home}/.cache/logitlens")
    File cacheDirectory;

    /** {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N}; overrides the gallery. */
    @Parameter(property = PropertyNames.DEVICE)
    String device;

    /** Top-k per layer and position; overrides the gallery (default there: 5). */
    @Parameter(property = PropertyNames.K)
    String k;

    /** Layers to read ({@code all}, {@code 0,5,-1} or a slice such as {@code 0:12}); overrides the gallery. */
    @Parameter(property = PropertyNames.LAYERS)
    String layers;

    /**
     * How block weights are held: {@code auto} (resident when they fit the memory budget, else streamed from disk
     * one block at a time), {@code resident} or {@code stream}; overrides the gallery.
     */
    @Parameter(property = PropertyNames.MEMORY)
    String memory;

    /**
     * What the weights may take on the compute device, e.g. {@code 6g} or {@code 512m}. Default: 80% of the memory
     * available when the model is loaded (the GPU's free memory on a GPU).
     */
    @Parameter(property = PropertyNames.MEMORY_BUDGET)
    String memoryBudget;

    /**
     * Re-resolve branch revisions such as {@code main} against the hub (one API call per model) instead of
     * using the commit cached for them. Off by default so that a warm build makes no network request;
     * turn it on to pick up new commits (their runs are then re-collected: the commit is in the cache key).
     */
    @Parameter(property = PropertyNames.REFRESH_REFS, defaultValue = "false")
    boolean refreshRefs;

    /** Skip the goal. */
    @Parameter(property = PropertyNames.SKIP, defaultValue = "false")
    boolean skip;

    /** Stop at the first failed run; by default every run is collected and all failures reported at the end. */
    @Parameter(property = PropertyNames.FAIL_FAST, defaultValue = "false")
    boolean failFast;

    /** The goal's work; failed runs come back in the result. */
    abstract GalleryBuild.Result run(GalleryBuild build, GalleryBuild.Request request)
            throws IOException, MojoFailureException;

    @Override
    public final void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("Skipping logitlens:" + goal() + " because its skip parameter is true.");
            return;
        }
        Settings overrides = overrides();
        GalleryBuild.Result result = translated(() -> run(new GalleryBuild(log()), new GalleryBuild.Request(
                forMessages(config.toPath()), overrides, cacheDirectory.toPath(), hubOptions(refreshRefs), failFast,
                memoryBudget)));
        if (result != null && result.failures().isPresent()) {
            throw new MojoFailureException(result.failures().get());
        }
    }

    /**
     * The {@code logitlens.k}, {@code layers} and {@code device} overrides. Each is parsed on its own so the
     * message names the property that is wrong; the value may come from {@code -D} or the plugin configuration.
     */
    private Settings overrides() throws MojoFailureException {
        checkOverride(PropertyNames.K, k, () -> Settings.parse(k, null, null, null));
        checkOverride(PropertyNames.LAYERS, layers, () -> Settings.parse(null, layers, null, null));
        checkOverride(PropertyNames.DEVICE, device, () -> Settings.parse(null, null, device, null));
        checkOverride(PropertyNames.MEMORY, memory, () -> Settings.parse(null, null, null, null, memory));
        checkOverride(PropertyNames.MEMORY_BUDGET, memoryBudget, () -> {
            if (memoryBudget != null && !memoryBudget.isBlank()) {
                try {
                    dev.logitlens.core.lens.MemoryPlan.parseBudget(memoryBudget);
                } catch (dev.logitlens.core.lens.LensException e) {
                    throw new IllegalArgumentException(e.getMessage(), e);
                }
            }
        });
        return Settings.parse(k, layers, device, null, memory);
    }

    private static void checkOverride(String property, String value, Runnable parse) throws MojoFailureException {
        try {
            parse.run();
        } catch (IllegalArgumentException e) {
            throw new MojoFailureException(property + "=" + value + " (command line or plugin configuration): "
                    + e.getMessage() + " This setting overrides the gallery file; fix it or leave it out.");
        }
    }

    /** Relative to the working directory when below it, so messages read {@code logitlens.yaml:3:5: ...}. */
    static Path forMessages(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        Path cwd = Path.of("").toAbsolutePath();
        return abs.startsWith(cwd) && !abs.equals(cwd) ? cwd.relativize(abs) : abs;
    }
}
