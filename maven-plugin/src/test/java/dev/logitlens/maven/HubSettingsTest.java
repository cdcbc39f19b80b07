package dev.logitlens.maven;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.logitlens.core.source.HubOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.settings.Proxy;
import org.apache.maven.settings.Server;
import org.apache.maven.settings.Settings;
import org.apache.maven.settings.crypto.DefaultSettingsDecrypter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sonatype.plexus.components.cipher.DefaultPlexusCipher;
import org.sonatype.plexus.components.sec.dispatcher.DefaultSecDispatcher;

/** settings.xml passwords through Maven's own decrypter, with a real settings-security.xml or none. */
class HubSettingsTest {
    @TempDir
    Path tmp;

    private DefaultSettingsDecrypter decrypter(Path securityFile) {
        return new DefaultSettingsDecrypter(new DefaultSecDispatcher(new DefaultPlexusCipher(), Map.of(),
                securityFile.toString()));
    }

    private static Settings withServer(String password) {
        Settings settings = new Settings();
        Server server = new Server();
        server.setId(HubSettings.SERVER);
        server.setPassword(password);
        settings.addServer(server);
        return settings;
    }

    @Test
    void anEncryptedTokenIsDecrypted() throws Exception {
        assumeTrue(System.getenv("HF_TOKEN") == null && System.getenv("HUGGING_FACE_HUB_TOKEN") == null,
                "a token in the environment takes precedence over settings.xml");
        DefaultPlexusCipher cipher = new DefaultPlexusCipher();
        Path security = tmp.resolve("settings-security.xml");
        String master = cipher.encryptAndDecorate("master secret", DefaultSecDispatcher.SYSTEM_PROPERTY_SEC_LOCATION);
        Files.writeString(security, "<settingsSecurity><master>" + master + "</master></settingsSecurity>");
        String encrypted = cipher.encryptAndDecorate("hf_real_token", "master secret");

        HubOptions options = HubSettings.hubOptions(withServer(encrypted), true, false, decrypter(security));
        assertEquals("hf_real_token", options.token());
        assertEquals("settings.xml server 'huggingface'", options.tokenSource());
        assertTrue(options.offline());
    }

    @Test
    void aTokenThatCannotBeDecryptedFailsTheBuild() {
        Path missing = tmp.resolve("no-settings-security.xml");
        MojoFailureException e = assertThrows(MojoFailureException.class,
                () -> HubSettings.hubOptions(withServer("{COQLCE6DU6GtcS5P=}"), false, false, decrypter(missing)));
        assertTrue(e.getMessage().startsWith("settings.xml: cannot decrypt the password of server 'huggingface': "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith(". Check ~/.m2/settings-security.xml (the master password) or write the"
                + " password unencrypted; see https://maven.apache.org/guides/mini/guide-encryption.html"), e.getMessage());
        assertTrue(!e.getMessage().contains("COQLCE6DU6GtcS5P"), "the encrypted text is not repeated");
    }

    @Test
    void aProxyPasswordThatCannotBeDecryptedFailsTheBuild() {
        Settings settings = new Settings();
        Proxy proxy = new Proxy();
        proxy.setId("corp");
        proxy.setActive(true);
        proxy.setHost("proxy.example");
        proxy.setPort(3128);
        proxy.setUsername("me");
        proxy.setPassword("{COQLCE6DU6GtcS5P=}");
        settings.addProxy(proxy);
        MojoFailureException e = assertThrows(MojoFailureException.class,
                () -> HubSettings.hubOptions(settings, false, false, decrypter(tmp.resolve("none.xml"))));
        assertTrue(e.getMessage().startsWith("settings.xml: cannot decrypt the password of proxy 'corp': "),
                e.getMessage());
    }

    @Test
    void plainPasswordsAndAProxyPassThrough() throws Exception {
        Settings settings = new Settings();
        Proxy proxy = new Proxy();
        proxy.setId("corp");
        proxy.setActive(true);
        proxy.setHost("proxy.example");
        proxy.setPort(3128);
        proxy.setUsername("me");
        proxy.setPassword("plain");
        settings.addProxy(proxy);
        HubOptions options = HubSettings.hubOptions(settings, false, true, decrypter(tmp.resolve("none.xml")));
        assertNotNull(options.proxy());
        assertNotNull(options.proxyAuthenticator());
        assertTrue(options.refreshRefs());
    }
}
