package dev.logitlens.maven;

import dev.logitlens.core.checkpoint.CheckpointException;
import dev.logitlens.core.gallery.Gallery;
import dev.logitlens.core.gallery.GalleryException;
import dev.logitlens.core.gallery.GalleryParser;
import dev.logitlens.core.gallery.Settings;
import dev.logitlens.core.run.BuildListener;
import dev.logitlens.core.run.GalleryCollector;
import dev.logitlens.core.run.RunOutcome;
import dev.logitlens.core.source.HubOptions;
import dev.logitlens.core.source.HubProxy;
import dev.logitlens.site.SiteBuilder;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;
import org.apache.maven.settings.Proxy;
import org.apache.maven.settings.Server;
import org.apache.maven.settings.crypto.DefaultSettingsDecryptionRequest;
import org.apache.maven.settings.crypto.SettingsDecrypter;
import org.apache.maven.settings.crypto.SettingsDecryptionResult;

import java.io.File;
import java.io.IOException;
import java.net.Authenticator;
import java.net.ProxySelector;
import java.nio.file.Path;
import java.util.List;

/**
 * Builds the logit-lens gallery site: reads the gallery file, collects every model × prompt run (cached on
 * disk), and writes a static site with a {@code manifest.json} and one JSON file per run.
 *
 * <p>This class only maps parameters, forwards log lines and translates exceptions; the work is done by
 * {@link GalleryCollector} and {@link SiteBuilder}.
 */
@Mojo(name = "site", requiresProject = false, threadSafe = true)
public class SiteMojo extends AbstractMojo {
    /** The settings.xml server whose password is the Hugging Face token. */
    static final String HF_SERVER = "huggingface";

    /** The gallery file. Relative paths are resolved against the project's base directory. */
    @Parameter(property = "logitlens.config", defaultValue = "${basedir}/logitlens.yaml")
    File config;

    /**
     * Where the site is written. Default: {@code ${project.build.directory}/logitlens-site} in a project,
     * {@code ./logitlens-site} without one.
     */
    @Parameter(property = "logitlens.outputDirectory")
    File outputDirectory;

    /**
     * The run cache. Outside {@code target/} by default so that {@code mvn clean} keeps it, and shared by
     * every project of the user (entries are keyed by content, so sharing is safe).
     */
    @Parameter(property = "logitlens.cacheDirectory", defaultValue = "${user.home}/.cache/logitlens")
    File cacheDirectory;

    /** {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N}; overrides the gallery. */
    @Parameter(property = "logitlens.device")
    String device;

    /** Top-k per layer and position; overrides the gallery (default there: 5). */
    @Parameter(property = "logitlens.k")
    String k;

    /** Layers to read ({@code all}, {@code 0,5,-1} or a slice such as {@code 0:12}); overrides the gallery. */
    @Parameter(property = "logitlens.layers")
    String layers;

    /**
     * Re-resolve branch revisions such as {@code main} against the hub (one API call per model) instead of
     * using the commit cached for them. Off by default so that a warm build makes no network request;
     * turn it on to pick up new commits (their runs are then re-collected: the commit is in the cache key).
     */
    @Parameter(property = "logitlens.refreshRefs", defaultValue = "false")
    boolean refreshRefs;

    /** Skip the goal. */
    @Parameter(property = "logitlens.skip", defaultValue = "false")
    boolean skip;

    /** Stop at the first failed run; by default every run is collected and all failures reported at the end. */
    @Parameter(property = "logitlens.failFast", defaultValue = "false")
    boolean failFast;

    /** Written to the manifest when set, so reproducible builds stay reproducible. */
    @Parameter(defaultValue = "${project.build.outputTimestamp}", readonly = true)
    String outputTimestamp;

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    MavenProject project;

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    MavenSession session;

    @Component
    SettingsDecrypter decrypter;

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("Skipping logitlens:site because its skip parameter is true.");
            return;
        }
        Settings overrides = overrides();
        BuildListener log = new BuildListener() {
            @Override
            public void info(String line) {
                getLog().info(line);
            }

            @Override
            public void warn(String line) {
                getLog().warn(line);
            }
        };
        Path out = outputDirectory().toPath();
        try {
            Gallery gallery = GalleryParser.parse(forMessages(config.toPath()), overrides);
            List<RunOutcome> outcomes = new GalleryCollector(
                    new GalleryCollector.Options(cacheDirectory.toPath(), hubOptions(), failFast), log)
                    .collect(gallery);
            new SiteBuilder(outputTimestamp).build(gallery, outcomes, out);
            List<RunOutcome> failed = outcomes.stream().filter(o -> !o.ok()).toList();
            getLog().info("Site written to " + out + (failed.isEmpty() ? "" : " (" + failed.size()
                    + (failed.size() == 1 ? " failed run has" : " failed runs have") + " a page with its message)"));
            if (!failed.isEmpty()) {
                StringBuilder msg = new StringBuilder().append(failed.size()).append(" of ").append(outcomes.size())
                        .append(" runs failed:");
                // A model that could not be loaded fails all its runs with one error: report it once.
                java.util.Map<Object, List<RunOutcome>> byCause = new java.util.LinkedHashMap<>();
                for (RunOutcome o : failed) {
                    byCause.computeIfAbsent(o.error() == null ? o : o.error(), c -> new java.util.ArrayList<>()).add(o);
                }
                for (List<RunOutcome> group : byCause.values()) {
                    RunOutcome first = group.get(0);
                    msg.append("\n  ").append(first.message());
                    if (group.size() > 1) {
                        msg.append("\n    (the same error failed ").append(group.size() - 1).append(" more run")
                                .append(group.size() > 2 ? "s" : "").append(" of model '")
                                .append(first.run().model().id()).append("')");
                    }
                }
                throw new MojoFailureException(msg.toString());
            }
        } catch (GalleryException | CheckpointException | IllegalArgumentException e) {
            throw new MojoFailureException(e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new MojoExecutionException("logitlens:site failed: " + e.getMessage(), e);
        }
    }

    /**
     * The {@code logitlens.k}, {@code layers} and {@code device} overrides. Each is parsed on its own so the
     * message names the property that is wrong; the value may come from {@code -D} or the plugin configuration.
     */
    private Settings overrides() throws MojoFailureException {
        checkOverride("k", k, () -> Settings.parse(k, null, null, null));
        checkOverride("layers", layers, () -> Settings.parse(null, layers, null, null));
        checkOverride("device", device, () -> Settings.parse(null, null, device, null));
        return Settings.parse(k, layers, device, null);
    }

    private static void checkOverride(String name, String value, Runnable parse) throws MojoFailureException {
        try {
            parse.run();
        } catch (IllegalArgumentException e) {
            throw new MojoFailureException("logitlens." + name + "=" + value
                    + " (command line or plugin configuration): " + e.getMessage() + " This setting overrides the gallery file; fix it or leave it out.");
        }
    }

    /** The default depends on whether there is a project: Maven's stand-in super-pom has no pom file. */
    private File outputDirectory() {
        if (outputDirectory != null) {
            return outputDirectory;
        }
        if (project == null || project.getFile() == null) {
            return new File(session.getExecutionRootDirectory(), "logitlens-site");
        }
        return new File(project.getBuild().getDirectory(), "logitlens-site");
    }

    /** Relative to the working directory when below it, so messages read {@code logitlens.yaml:3:5: ...}. */
    private static Path forMessages(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        Path cwd = Path.of("").toAbsolutePath();
        return abs.startsWith(cwd) && !abs.equals(cwd) ? cwd.relativize(abs) : abs;
    }

    /** Maven's offline flag, the settings.xml token and the active proxy, over the environment's defaults. */
    private HubOptions hubOptions() {
        org.apache.maven.settings.Settings settings = session.getSettings();
        String token = null;
        Server server = settings.getServer(HF_SERVER);
        Proxy proxy = settings.getActiveProxy();
        if (server != null || proxy != null) { // passwords may be encrypted (settings-security.xml)
            SettingsDecryptionResult decrypted = decrypter.decrypt(new DefaultSettingsDecryptionRequest(settings));
            if (server != null) {
                token = decrypted.getServers().stream().filter(s -> HF_SERVER.equals(s.getId()))
                        .map(Server::getPassword).findFirst().orElse(server.getPassword());
            }
            if (proxy != null) {
                String id = proxy.getId();
                proxy = decrypted.getProxies().stream().filter(p -> java.util.Objects.equals(id, p.getId()))
                        .findFirst().orElse(proxy);
            }
        }
        ProxySelector selector = null;
        Authenticator auth = null;
        if (proxy != null) {
            selector = HubProxy.selector(proxy.getHost(), proxy.getPort(), proxy.getNonProxyHosts());
            if (proxy.getUsername() != null) {
                auth = HubProxy.authenticator(proxy.getUsername(), proxy.getPassword());
            }
        }
        HubOptions options = HubOptions.fromEnvironment(session.isOffline(), token, selector);
        options = options.withRefreshRefs(refreshRefs);
        return auth == null ? options : options.withProxy(selector, auth);
    }
}
