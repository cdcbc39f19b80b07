package dev.logitlens.maven;

import dev.logitlens.core.UserInputException;
import dev.logitlens.core.build.GalleryBuild;
import dev.logitlens.core.gallery.Settings;
import dev.logitlens.core.BuildListener;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What the gallery goals share: their parameters, the mapping to a {@link GalleryBuild.Request}, the log and
 * the translation of exceptions. A {@link UserInputException} (or a failed run) fails the build with its message;
 * anything else is an execution error, whether or not {@code failFast} is set.
 */
abstract class AbstractGalleryMojo extends AbstractMojo {

    /** The gallery file. Relative paths are resolved against the project's base directory. */
    @Parameter(property = PropertyNames.CONFIG, defaultValue = "${basedir}/logitlens.yaml")
    File config;

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

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    MavenSession session;

    @Component
    SettingsDecrypter decrypter;

    /** The goal's name, for the log. */
    abstract String goal();

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
        GalleryBuild.Result result;
        try {
            GalleryBuild.Request request = new GalleryBuild.Request(forMessages(config.toPath()), overrides,
                    cacheDirectory.toPath(),
                    HubSettings.hubOptions(session.getSettings(), session.isOffline(), refreshRefs, decrypter), failFast,
                    memoryBudget);
            result = run(new GalleryBuild(log()), request);
        } catch (UserInputException e) {
            throw new MojoFailureException(e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new MojoExecutionException("logitlens:" + goal() + " failed: " + e.getMessage(), e);
        }
        if (result != null && result.failures().isPresent()) {
            throw new MojoFailureException(result.failures().get());
        }
    }

    private BuildListener log() {
        return new BuildListener() {
            @Override
            public void info(String line) {
                getLog().info(line);
            }

            @Override
            public void warn(String line) {
                getLog().warn(line);
            }
        };
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
