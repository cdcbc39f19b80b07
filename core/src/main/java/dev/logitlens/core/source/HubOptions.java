package dev.logitlens.core.source;

import java.io.IOException;
import java.net.Authenticator;
import java.net.ProxySelector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Where and how {@link HubModelSource} finds models: the same environment variables and defaults as
 * Python's {@code huggingface_hub}, so both share one cache.
 *
 * @param endpoint           hub base URL without trailing slash ({@code $HF_ENDPOINT}, default
 *                           {@value #DEFAULT_ENDPOINT})
 * @param cacheDir           the hub cache, holding {@code models--org--name/} folders
 * @param offline            use the cache only, never the network
 * @param token              access token for gated and private models, or null; never printed
 * @param tokenSource        where the token came from, for messages (e.g. {@code HF_TOKEN}); null
 *                           when there is no token
 * @param proxy              proxy selection for hub requests, or null for a direct connection
 * @param proxyAuthenticator answers proxy authentication challenges, or null
 * @param refreshRefs        re-resolve a cached branch or tag with one API call. Off by default: a
 *                           complete cached snapshot for {@code refs/<revision>} is then used with
 *                           no network at all, and a branch that moved on is picked up only when
 *                           this is on (or the ref file is removed)
 */
public record HubOptions(
        String endpoint,
        Path cacheDir,
        boolean offline,
        String token,
        String tokenSource,
        ProxySelector proxy,
        Authenticator proxyAuthenticator,
        boolean refreshRefs) {

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    /** Values huggingface_hub reads as true in boolean environment variables. */
    private static final Set<String> TRUE_VALUES = Set.of("1", "ON", "YES", "TRUE");

    public HubOptions {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(cacheDir, "cacheDir");
        endpoint = endpoint.strip();
        while (endpoint.endsWith("/")) {
            endpoint = endpoint.substring(0, endpoint.length() - 1);
        }
        if (!endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
            throw new IllegalArgumentException("Hub endpoint '" + endpoint
                    + "' is not an http(s) URL: set HF_ENDPOINT to e.g. " + DEFAULT_ENDPOINT);
        }
        if (token != null && token.isBlank()) {
            token = null;
        }
        token = token == null ? null : token.strip();
        if (token == null) {
            tokenSource = null;
        } else if (tokenSource == null) {
            tokenSource = "the configured token";
        }
    }

    /**
     * Reads the process environment and the user's home, like {@code huggingface_hub} does.
     *
     * @param mavenOffline  Maven's {@code -o}
     * @param settingsToken password of the {@code <server><id>huggingface</id>} entry of
     *                      {@code settings.xml}, or null
     * @param proxy         the active {@code settings.xml} proxy, or null
     */
    public static HubOptions fromEnvironment(boolean mavenOffline, String settingsToken, ProxySelector proxy) {
        return fromEnvironment(System::getenv, Path.of(System.getProperty("user.home")),
                mavenOffline, settingsToken, proxy);
    }

    /**
     * As {@link #fromEnvironment(boolean, String, ProxySelector)} with an explicit environment and
     * home directory.
     *
     * <p>Cache: {@code $HF_HUB_CACHE}, else {@code $HF_HOME/hub}, else
     * {@code $XDG_CACHE_HOME/huggingface/hub}, else {@code ~/.cache/huggingface/hub}. Token:
     * {@code $HF_TOKEN}, else the {@code settings.xml} server entry, else the token file
     * {@code $HF_TOKEN_PATH}, else {@code $HF_HOME/token} (where {@code huggingface-cli login}
     * writes it). Offline: Maven {@code -o} or a true {@code $HF_HUB_OFFLINE}.
     */
    public static HubOptions fromEnvironment(Function<String, String> env, Path userHome, boolean mavenOffline,
                                             String settingsToken, ProxySelector proxy) {
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(userHome, "userHome");
        String endpoint = nonBlank(env.apply("HF_ENDPOINT"));
        Path hfHome = path(env.apply("HF_HOME"), userHome);
        if (hfHome == null) {
            Path xdg = path(env.apply("XDG_CACHE_HOME"), userHome);
            hfHome = (xdg != null ? xdg : userHome.resolve(".cache")).resolve("huggingface");
        }
        Path cache = path(env.apply("HF_HUB_CACHE"), userHome);
        if (cache == null) {
            cache = path(env.apply("HUGGINGFACE_HUB_CACHE"), userHome); // older name, still honoured by Python
        }
        if (cache == null) {
            cache = hfHome.resolve("hub");
        }
        String offlineValue = nonBlank(env.apply("HF_HUB_OFFLINE"));
        boolean offline = mavenOffline
                || (offlineValue != null && TRUE_VALUES.contains(offlineValue.toUpperCase(Locale.ROOT)));

        String token = nonBlank(env.apply("HF_TOKEN"));
        String source = "HF_TOKEN";
        if (token == null) {
            token = nonBlank(env.apply("HUGGING_FACE_HUB_TOKEN"));
            source = "HUGGING_FACE_HUB_TOKEN";
        }
        if (token == null) {
            token = nonBlank(settingsToken);
            source = "settings.xml server 'huggingface'";
        }
        if (token == null) {
            Path tokenFile = path(env.apply("HF_TOKEN_PATH"), userHome);
            if (tokenFile == null) {
                tokenFile = hfHome.resolve("token");
            }
            token = readToken(tokenFile);
            source = "token file " + tokenFile;
        }
        return new HubOptions(endpoint != null ? endpoint : DEFAULT_ENDPOINT, cache, offline, token,
                token == null ? null : source, proxy, null, false);
    }

    public HubOptions withRefreshRefs(boolean refresh) {
        return new HubOptions(endpoint, cacheDir, offline, token, tokenSource, proxy, proxyAuthenticator, refresh);
    }

    public HubOptions withOffline(boolean off) {
        return new HubOptions(endpoint, cacheDir, off, token, tokenSource, proxy, proxyAuthenticator, refreshRefs);
    }

    public HubOptions withEndpoint(String url) {
        return new HubOptions(url, cacheDir, offline, token, tokenSource, proxy, proxyAuthenticator, refreshRefs);
    }

    public HubOptions withToken(String newToken, String source) {
        return new HubOptions(endpoint, cacheDir, offline, newToken, source, proxy, proxyAuthenticator, refreshRefs);
    }

    public HubOptions withProxy(ProxySelector selector, Authenticator authenticator) {
        return new HubOptions(endpoint, cacheDir, offline, token, tokenSource, selector, authenticator, refreshRefs);
    }

    /** Never shows the token itself, only whether there is one and where it came from. */
    @Override
    public String toString() {
        return "HubOptions[endpoint=" + endpoint + ", cacheDir=" + cacheDir + ", offline=" + offline
                + ", token=" + (token == null ? "<none>" : "<set, from " + tokenSource + ">")
                + ", proxy=" + (proxy == null ? "<none>" : proxy)
                + ", refreshRefs=" + refreshRefs + "]";
    }

    private static String nonBlank(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /** A path from an environment variable, with {@code ~} expanded as Python's expanduser does. */
    private static Path path(String value, Path userHome) {
        String v = nonBlank(value);
        if (v == null) {
            return null;
        }
        if (v.equals("~")) {
            return userHome;
        }
        if (v.startsWith("~/")) {
            return userHome.resolve(v.substring(2));
        }
        return Path.of(v);
    }

    private static String readToken(Path file) {
        try {
            return Files.isRegularFile(file) ? nonBlank(Files.readString(file, StandardCharsets.UTF_8)) : null;
        } catch (IOException | SecurityException e) {
            return null; // an unreadable token file means no token, as in huggingface_hub
        }
    }
}
