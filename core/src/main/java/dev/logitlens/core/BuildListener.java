package dev.logitlens.core;

/**
 * Receives the lines a build shows the user: progress, hub downloads, summary, warnings. Core knows no
 * Maven types: the Maven plugin forwards these to its log, tests collect them.
 */
@FunctionalInterface
public interface BuildListener {
    /** Drops every line. */
    BuildListener NONE = line -> { };

    void info(String line);

    /** Something the user should notice but that does not stop the run; defaults to {@link #info}. */
    default void warn(String line) {
        info(line);
    }
}
