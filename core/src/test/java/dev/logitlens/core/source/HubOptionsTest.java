package dev.logitlens.core.source;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HubOptionsTest {

    @TempDir
    Path home;

    private HubOptions from(Map<String, String> env, boolean mavenOffline, String settingsToken) {
        return HubOptions.fromEnvironment(env::get, home, mavenOffline, settingsToken, null);
    }

    @Test
    void defaultsFollowHuggingfaceHub() {
        HubOptions o = from(Map.of(), false, null);
        assertEquals("https://huggingface.co", o.endpoint());
        assertEquals(home.resolve(".cache/huggingface/hub"), o.cacheDir());
        assertFalse(o.offline());
        assertNull(o.token());
        assertFalse(o.refreshRefs());
    }

    @Test
    void cacheLocationRules() {
        assertEquals(Path.of("/data/hub"), from(Map.of("HF_HUB_CACHE", "/data/hub", "HF_HOME", "/hf"), false, null).cacheDir());
        assertEquals(Path.of("/hf/hub"), from(Map.of("HF_HOME", "/hf"), false, null).cacheDir());
        assertEquals(Path.of("/xdg/huggingface/hub"), from(Map.of("XDG_CACHE_HOME", "/xdg"), false, null).cacheDir());
        assertEquals(home.resolve("models"), from(Map.of("HF_HUB_CACHE", "~/models"), false, null).cacheDir());
        assertEquals(Path.of("/old"), from(Map.of("HUGGINGFACE_HUB_CACHE", "/old"), false, null).cacheDir());
    }

    @Test
    void offlineFromMavenOrEnvironment() {
        assertTrue(from(Map.of(), true, null).offline());
        for (String on : List.of("1", "true", "YES", "on")) {
            assertTrue(from(Map.of("HF_HUB_OFFLINE", on), false, null).offline(), on);
        }
        for (String off : List.of("0", "false", "", "no")) {
            assertFalse(from(Map.of("HF_HUB_OFFLINE", off), false, null).offline(), off);
        }
    }

    @Test
    void endpointLosesItsTrailingSlashAndMustBeHttp() {
        assertEquals("http://mirror.local:8080", from(Map.of("HF_ENDPOINT", "http://mirror.local:8080/"), false, null)
                .endpoint());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> from(Map.of("HF_ENDPOINT", "mirror.local"), false, null));
        assertTrue(e.getMessage().contains("HF_ENDPOINT"), e.getMessage());
    }

    @Test
    void tokenPrecedenceEnvThenSettingsThenTokenFile() throws IOException {
        Path hfHome = home.resolve("hf");
        Files.createDirectories(hfHome);
        Files.writeString(hfHome.resolve("token"), "hf_fromFile\n");
        Map<String, String> env = new HashMap<>(Map.of("HF_HOME", hfHome.toString()));

        HubOptions file = from(env, false, null);
        assertEquals("hf_fromFile", file.token());
        assertTrue(file.tokenSource().startsWith("token file"), file.tokenSource());

        HubOptions settings = from(env, false, "hf_fromSettings");
        assertEquals("hf_fromSettings", settings.token());
        assertEquals("settings.xml server 'huggingface'", settings.tokenSource());

        env.put("HF_TOKEN", "hf_fromEnv");
        HubOptions fromEnv = from(env, false, "hf_fromSettings");
        assertEquals("hf_fromEnv", fromEnv.token());
        assertEquals("HF_TOKEN", fromEnv.tokenSource());

        Path elsewhere = home.resolve("elsewhere-token");
        Files.writeString(elsewhere, "hf_fromTokenPath");
        assertEquals("hf_fromTokenPath", from(Map.of("HF_TOKEN_PATH", elsewhere.toString()), false, null).token());
        assertNull(from(Map.of("HF_TOKEN", "  "), false, null).token());
    }

    @Test
    void toStringNeverShowsTheToken() {
        HubOptions o = from(Map.of("HF_TOKEN", "hf_verySecret"), false, null);
        assertFalse(o.toString().contains("hf_verySecret"), o.toString());
        assertTrue(o.toString().contains("<set, from HF_TOKEN>"), o.toString());
        assertFalse(o.withRefreshRefs(true).toString().contains("hf_verySecret"));
    }

    @Test
    void proxyIsKeptAndSettingsProxiesHonourNonProxyHosts() {
        ProxySelector p = HubProxy.selector("proxy.corp", 3128, "localhost|*.internal, 127.*");
        assertSame(p, HubOptions.fromEnvironment(k -> null, home, false, null, p).proxy());
        assertEquals(Proxy.Type.HTTP, p.select(URI.create("https://huggingface.co/api")).get(0).type());
        assertEquals("proxy.corp:3128", p.select(URI.create("https://huggingface.co/")).get(0).address().toString()
                .replace("/<unresolved>", ""));
        for (String direct : List.of("http://localhost:1/", "http://hub.internal/", "http://127.0.0.1:9/")) {
            assertEquals(List.of(Proxy.NO_PROXY), p.select(URI.create(direct)), direct);
        }
        assertThrows(IllegalArgumentException.class, () -> HubProxy.selector("h", 0, null));
    }
}
