package dev.logitlens.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.logitlens.core.build.GalleryBuild;
import dev.logitlens.core.run.BuildListener;
import dev.logitlens.core.run.RunOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The project's own demo gallery (prompts/logitlens.yaml on the committed demo model), collected and
 * rendered as a user's build would, then opened in Chromium: no console errors, the chart opens on the
 * final answer, and screenshots of the index, a run page and a prompt page are saved under target/screenshots/ (the
 * README's pictures come from this gallery).
 */
class DemoGalleryBrowserTest {
    @Test
    void demoGalleryRendersAndIsScreenshotted() throws Exception {
        Path gallery = Path.of("..", "prompts", "logitlens.yaml");
        assumeTrue(Files.isRegularFile(gallery), "the demo gallery is part of the repository checkout");
        Path site = Path.of("target", "demo-site");
        List<RunOutcome> outcomes = new GalleryBuild(BuildListener.NONE).site(
                GalleryBuild.Request.of(gallery).withFailFast(true), site, new SiteBuilder(null)::build).outcomes();
        assertTrue(outcomes.stream().allMatch(RunOutcome::ok));

        try (Browser browser = Browser.start()) {
            browser.open(site.resolve("index.html").toAbsolutePath());
            assertEquals(outcomes.size(), browser.driver.findElements(By.cssSelector("table.gallery svg.thumb")).size());
            browser.screenshot(Path.of("target", "screenshots", "demo-index.png"));

            browser.open(site.resolve("runs/demo-gpt2/opposite-not-full.html").toAbsolutePath());
            browser.waitForLens();
            // the chart opens on the model's answer at the last position
            assertEquals(1, browser.driver.findElements(By.cssSelector(".lens-chart polyline.series")).size());
            browser.screenshot(Path.of("target", "screenshots", "demo-run.png"));

            browser.open(site.resolve("prompts/capital-canada.html").toAbsolutePath());
            browser.screenshot(Path.of("target", "screenshots", "demo-prompt.png"));
            assertEquals(List.of(), browser.consoleErrors());
        }
    }
}
