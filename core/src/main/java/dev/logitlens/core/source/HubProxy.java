package dev.logitlens.core.source;

import java.io.IOException;
import java.net.Authenticator;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Turns a Maven {@code settings.xml} proxy entry (host, port, nonProxyHosts, credentials) into what
 * {@link HubOptions} takes, without depending on Maven.
 */
public final class HubProxy {

    private HubProxy() {
    }

    /**
     * An HTTP proxy for every host except those matching {@code nonProxyHosts}: Maven's syntax,
     * patterns separated by {@code |} or {@code ,} with {@code *} as wildcard, case-insensitive.
     */
    public static ProxySelector selector(String host, int port, String nonProxyHosts) {
        Objects.requireNonNull(host, "host");
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("Proxy port " + port + " of " + host
                    + " is out of range: fix <port> of the proxy in settings.xml");
        }
        List<Pattern> bypass = new ArrayList<>();
        if (nonProxyHosts != null) {
            for (String p : nonProxyHosts.split("[|,]")) {
                String glob = p.strip().toLowerCase(Locale.ROOT);
                if (!glob.isEmpty()) {
                    bypass.add(Pattern.compile(Pattern.quote(glob).replace("*", "\\E.*\\Q")));
                }
            }
        }
        Proxy proxy = new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(host, port));
        return new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                String target = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
                for (Pattern p : bypass) {
                    if (p.matcher(target).matches()) {
                        return List.of(Proxy.NO_PROXY);
                    }
                }
                return List.of(proxy);
            }

            @Override
            public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
                // nothing to learn: there is one proxy
            }

            @Override
            public String toString() {
                return "http proxy " + host + ":" + port;
            }
        };
    }

    /** Answers proxy authentication challenges only, never those of the hub itself. */
    public static Authenticator authenticator(String username, String password) {
        Objects.requireNonNull(username, "username");
        char[] pass = password == null ? new char[0] : password.toCharArray();
        return new Authenticator() {
            @Override
            protected PasswordAuthentication getPasswordAuthentication() {
                return getRequestorType() == RequestorType.PROXY
                        ? new PasswordAuthentication(username, pass.clone())
                        : null;
            }
        };
    }
}
