package dev.logitlens.site;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven by Selenium, fully offline: the browser and driver binaries are given
 * explicitly so Selenium Manager never runs (and never downloads anything).
 */
final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    final ChromeDriver driver;
    final Path downloads;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile, Path downloads) {
        this.driver = driver;
        this.profile = profile;
        this.downloads = downloads;
    }

    /** Skips the calling test (JUnit assumption) when Chromium or its driver is not installed. */
    static Browser start() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Chromium not installed: apt-get install -y chromium chromium-driver");
        Path profile = Files.createTempDirectory("lens-chromium-profile");
        Path downloads = Files.createTempDirectory("lens-downloads");
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--window-size=1400,1000");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        o.setCapability("goog:loggingPrefs", logs);
        o.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, o);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        return new Browser(driver, profile, downloads);
    }

    void open(Path file) {
        driver.get(file.toUri().toString());
        waitForPage();
    }

    void open(Path file, String hash) {
        // From the same document only the fragment would change: no reload, and the widget would apply the new
        // hash in a later hashchange event that nothing here waits for. A blank page in between forces a load.
        if (driver.getCurrentUrl().split("#", 2)[0].equals(file.toUri().toString())) {
            driver.get("about:blank");
        }
        driver.get(file.toUri() + "#" + hash);
        waitForPage();
    }

    /**
     * Waits until the document has loaded and its stylesheet applies: {@code driver.get} on a file URL can
     * return before the CSS is in effect, which made computed-style checks flaky.
     */
    void waitForPage() {
        new WebDriverWait(driver, Duration.ofSeconds(15)).until(d -> Boolean.TRUE.equals(js(
                "return document.readyState === 'complete' && "
                        + "getComputedStyle(document.documentElement).getPropertyValue('--bg').trim() !== ''")));
    }

    /** Waits until the widget has read its data and drawn itself. */
    void waitForLens() {
        new WebDriverWait(driver, Duration.ofSeconds(15))
                .until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#lens[data-ready='true']")));
    }

    /** Console messages at SEVERE since the last call (errors, uncaught exceptions, CSP violations). */
    List<String> consoleErrors() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage).toList();
    }

    Object js(String script, Object... args) {
        return driver.executeScript(script, args);
    }

    void screenshot(Path target) throws IOException {
        Files.createDirectories(target.getParent());
        File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void close() throws IOException {
        driver.quit();
        TestFiles.deleteTree(profile);
        TestFiles.deleteTree(downloads);
    }
}
