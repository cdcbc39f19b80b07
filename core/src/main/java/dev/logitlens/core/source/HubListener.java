package dev.logitlens.core.source;

/**
 * Receives the human-readable lines of a resolution: which model is fetched from where, and one
 * progress line per file (bytes, rate, ETA). The Maven plugin forwards them to its log.
 */
@FunctionalInterface
public interface HubListener {

    /** A listener that drops every line. */
    HubListener NONE = line -> { };

    void info(String line);

    /** Something the user should notice but that does not stop the run; defaults to {@link #info}. */
    default void warn(String line) {
        info(line);
    }
}
