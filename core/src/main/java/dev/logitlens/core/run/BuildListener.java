package dev.logitlens.core.run;

import dev.logitlens.core.source.HubListener;

/**
 * Receives the lines a build shows the user (progress, summary, warnings). Core knows no Maven types:
 * the Maven plugin forwards these to its log, tests collect them.
 */
public interface BuildListener {
    /** Drops every line. */
    BuildListener NONE = new BuildListener() {
        @Override
        public void info(String line) {
        }

        @Override
        public void warn(String line) {
        }
    };

    void info(String line);

    void warn(String line);

    /** The same lines, for the hub download progress. */
    default HubListener asHubListener() {
        BuildListener self = this;
        return new HubListener() {
            @Override
            public void info(String line) {
                self.info(line);
            }

            @Override
            public void warn(String line) {
                self.warn(line);
            }
        };
    }
}
