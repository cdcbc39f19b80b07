package dev.logitlens.site;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.logitlens.core.lens.LensResult;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * What the browser tests share: one headless Chromium per class on a site rendered once, a fresh console and the
 * start window size for every test, no console error after any, and the widget's parts by role. Skipped when
 * Chromium is missing (see {@link Browser#start}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SiteInBrowser {
    SiteModel site;
    Path out;
    Browser browser;

    /** The gallery the class renders. */
    abstract SiteModel gallery();

    /** Its folder under target/. */
    abstract String folder();

    @BeforeAll
    void start() throws IOException {
        browser = Browser.start();
        site = gallery();
        out = TestFiles.render(site, folder());
    }

    @AfterAll
    void stop() throws IOException {
        if (browser != null) {
            browser.close();
        }
    }

    @BeforeEach
    void clearLog() {
        browser.consoleErrors(); // drop anything left over from the previous test
        browser.driver.manage().window().setSize(new Dimension(1400, 1000)); // a test may have resized it
    }

    @AfterEach
    void noConsoleErrors() {
        assertEquals(List.of(), browser.consoleErrors());
    }

    Path runPage(String model, String prompt) {
        return out.resolve("runs").resolve(model).resolve(prompt + ".html");
    }

    LensResult result(String model, String prompt) {
        return site.runs().stream().filter(r -> r.modelId().equals(model) && r.promptId().equals(prompt))
                .findFirst().orElseThrow().result();
    }

    /** Opens a run page, with {@code hash} when not null, and waits for its widget. */
    void open(String model, String prompt, String hash) {
        if (hash == null) {
            browser.open(runPage(model, prompt));
        } else {
            browser.open(runPage(model, prompt), hash);
        }
        browser.waitForLens();
    }

    WebElement cell(int li, int p) {
        return browser.driver.findElement(By.cssSelector("td.cell[data-li='" + li + "'][data-p='" + p + "']"));
    }

    WebElement popup() {
        return browser.driver.findElement(By.cssSelector(".lens-popup"));
    }

    String url() {
        return browser.driver.getCurrentUrl();
    }

    void waitFor(String why, java.util.function.BooleanSupplier ok) {
        new WebDriverWait(browser.driver, Duration.ofSeconds(5)).withMessage(why).until(d -> ok.getAsBoolean());
    }
}
