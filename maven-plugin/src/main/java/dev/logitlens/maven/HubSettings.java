package dev.logitlens.maven;

import dev.logitlens.core.source.HubOptions;
import dev.logitlens.core.source.HubProxy;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.settings.Proxy;
import org.apache.maven.settings.Server;
import org.apache.maven.settings.Settings;
import org.apache.maven.settings.building.SettingsProblem;
import org.apache.maven.settings.crypto.DefaultSettingsDecryptionRequest;
import org.apache.maven.settings.crypto.SettingsDecrypter;
import org.apache.maven.settings.crypto.SettingsDecryptionResult;

import java.net.Authenticator;
import java.net.ProxySelector;
import java.util.List;

/**
 * The hub options Maven's settings give: the offline flag, the Hugging Face token (the password of the
 * {@value #SERVER} server in settings.xml) and the active proxy, over the environment's defaults.
 *
 * <p>Passwords may be encrypted (settings-security.xml). A password that cannot be decrypted fails the
 * build: sending the encrypted text as a token or proxy password would only fail later, and less clearly.
 */
final class HubSettings {
    /** The settings.xml server whose password is the Hugging Face token. */
    static final String SERVER = "huggingface";

    private HubSettings() {}

    static HubOptions hubOptions(Settings settings, boolean offline, boolean refreshRefs, SettingsDecrypter decrypter)
            throws MojoFailureException {
        Server server = settings.getServer(SERVER);
        String token = null;
        if (server != null) {
            SettingsDecryptionResult decrypted = decrypter.decrypt(new DefaultSettingsDecryptionRequest(server));
            check(decrypted, "the password of server '" + SERVER + "'");
            token = decrypted.getServer() != null ? decrypted.getServer().getPassword() : server.getPassword();
        }
        Proxy proxy = settings.getActiveProxy();
        ProxySelector selector = null;
        Authenticator auth = null;
        if (proxy != null) {
            SettingsDecryptionResult decrypted = decrypter.decrypt(new DefaultSettingsDecryptionRequest(proxy));
            check(decrypted, "the password of proxy '" + proxy.getId() + "'");
            if (decrypted.getProxy() != null) {
                proxy = decrypted.getProxy();
            }
            selector = HubProxy.selector(proxy.getHost(), proxy.getPort(), proxy.getNonProxyHosts());
            if (proxy.getUsername() != null) {
                auth = HubProxy.authenticator(proxy.getUsername(), proxy.getPassword());
            }
        }
        HubOptions options = HubOptions.fromEnvironment(offline, token, selector).withRefreshRefs(refreshRefs);
        return auth == null ? options : options.withProxy(selector, auth);
    }

    private static void check(SettingsDecryptionResult result, String what) throws MojoFailureException {
        List<SettingsProblem> errors = result.getProblems().stream()
                .filter(p -> p.getSeverity() != SettingsProblem.Severity.WARNING).toList();
        if (!errors.isEmpty()) {
            StringBuilder msg = new StringBuilder("settings.xml: cannot decrypt ").append(what).append(':');
            for (SettingsProblem p : errors) {
                msg.append(' ').append(p.getMessage());
            }
            throw new MojoFailureException(msg.append(". Check ~/.m2/settings-security.xml (the master password)"
                    + " or write the password unencrypted; see https://maven.apache.org/guides/mini/guide-encryption.html")
                    .toString());
        }
    }
}
