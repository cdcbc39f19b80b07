package dev.logitlens.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The logitlens version, from a resource Maven filters at build time (so it can never drift from the pom). */
public final class ToolVersion {
    private static final String RESOURCE = "version.properties";
    private static volatile String version;

    private ToolVersion() {}

    /** The project version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String get() {
        String v = version;
        if (v == null) {
            v = load();
            version = v;
        }
        return v;
    }

    private static String load() {
        try (InputStream in = ToolVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("dev/logitlens/core/" + RESOURCE + " is missing from the classpath;"
                        + " rebuild logitlens-core with Maven");
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "").strip();
            if (v.isEmpty() || v.contains("${")) {
                throw new IllegalStateException("dev/logitlens/core/" + RESOURCE + " was not filtered (version='" + v
                        + "'); rebuild logitlens-core with Maven");
            }
            return v;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
