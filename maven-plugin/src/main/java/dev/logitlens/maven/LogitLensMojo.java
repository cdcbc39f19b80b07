package dev.logitlens.maven;

import dev.logitlens.core.BuildListener;
import dev.logitlens.core.UserInputException;
import dev.logitlens.core.source.HubOptions;
import dev.logitlens.core.tuned.TunedLensException;
import org.apache.maven.execution.MavenSession;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Component;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.settings.crypto.SettingsDecrypter;

import java.io.File;
import java.io.IOException;

/**
 * What every goal shares: the gallery file, the Maven session and decrypter the hub options come from, the log,
 * and the translation of exceptions. A {@link UserInputException} or {@link TunedLensException} fails the build
 * with its message; anything else is an execution error.
 */
abstract class LogitLensMojo extends AbstractMojo {

    /**
     * The gallery file (train-lens looks model ids up in it). Relative paths are resolved against the project's
     * base directory.
     */
    @Parameter(property = PropertyNames.CONFIG, defaultValue = "${basedir}/logitlens.yaml")
    File config;

    @Parameter(defaultValue = "${session}", readonly = true, required = true)
    MavenSession session;

    @Component
    SettingsDecrypter decrypter;

    /** The goal's name, for messages. */
    abstract String goal();

    /** A goal's work, whose exceptions {@link #translated} maps. */
    @FunctionalInterface
    interface Work<T> {
        T run() throws IOException, MojoFailureException;
    }

    /** Runs {@code work}: user-input errors fail the build with their message, anything else is an execution error. */
    final <T> T translated(Work<T> work) throws MojoExecutionException, MojoFailureException {
        try {
            return work.run();
        } catch (UserInputException | TunedLensException e) {
            throw new MojoFailureException(e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new MojoExecutionException("logitlens:" + goal() + " failed: " + e.getMessage(), e);
        }
    }

    /** The hub options of Maven's settings (offline flag, token, proxy); see {@link HubSettings}. */
    final HubOptions hubOptions(boolean refreshRefs) throws MojoFailureException {
        return HubSettings.hubOptions(session.getSettings(), session.isOffline(), refreshRefs, decrypter);
    }

    /** Build lines to the Maven log. */
    final BuildListener log() {
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
}
