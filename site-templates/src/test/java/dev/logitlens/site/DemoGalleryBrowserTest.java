package dev.logitlens.site;

import dev.logitlens.core.aggregate.Aggregates;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logitlens.core.build.GalleryBuild;
import dev.logitlens.core.gallery.Gallery;
import dev.logitlens.core.gallery.GalleryParser;
import dev.logitlens.core.BuildListener;
import dev.logitlens.core.run.RunOutcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The project's own demo gallery (prompts/logitlens.yaml on the committed demo model), collected and
 * rendered as a user's build would, then opened in Chromium: no console errors, the chart opens on the
 * final answer, and screenshots of the index, a run page, a prompt page and the compare view are saved under
 * target/screenshots/ (the README's pictures come from this gallery); the run page's answer line; the summary
 * page against its CSV.
 */
class DemoGalleryBrowserTest {
    @Test
    void demoGalleryRendersAndIsScreenshotted() throws Exception {
        Path gallery = Path.of("..", "prompts", "logitlens.yaml");
        assertTrue(Files.isRegularFile(gallery), gallery + " is committed with the project: was it moved?");
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
            browser.screenshot(Path.of("target", "screenshots", "demo-run-default.png"));

            // The README's run page: after "In Japan , people speak", the runner-up " French" (or, if the model
            // never ranks it, the last layer's runner-up) pinned: a trajectory of a few percent that the
            // auto-scaled axis shows, with the exact values read out at one layer.
            Path japan = site.resolve("runs/demo-gpt2/language-japan.html").toAbsolutePath();
            browser.open(japan);
            browser.waitForLens();
            String hash = (String) browser.js("const D = JSON.parse(document.getElementById('lens-data').textContent);"
                    + " const P = D.input.length; const fin = D.finalTop1[P - 1];"
                    + " const peak = j => D.probs[P - 1][D.layers.length - 1][j] || 0;"
                    + " const js = D.tracked[P - 1].map((id, j) => j).filter(j => D.tracked[P - 1][j] !== fin);"
                    + " const fr = js.find(j => D.vocab[D.tracked[P - 1][j]] === ' French') ?? js.sort((a, b) => peak(b) - peak(a))[0];"
                    + " return 'pin=' + D.tracked[P - 1][fr]");
            browser.open(japan, hash);
            browser.waitForLens();
            @SuppressWarnings("unchecked")
            List<Number> at = (List<Number>) browser.js("const c = document.querySelector('.lens-chart').getBoundingClientRect();"
                    + " const th = [...document.querySelectorAll('.lens-grid th.lh')]; const m = th[Math.floor(th.length / 2)].getBoundingClientRect();"
                    + " return [Math.round((m.left + m.right) / 2), Math.round(c.top + c.height / 2)]");
            new org.openqa.selenium.interactions.Actions(browser.driver).moveToLocation(at.get(0).intValue(), at.get(1).intValue()).perform();
            browser.screenshot(Path.of("target", "screenshots", "demo-run.png"));

            // the expected answer's line under the heading, and its chart series
            browser.open(site.resolve("runs/demo-gpt2/opposite-not-full.html").toAbsolutePath());
            browser.waitForLens();
            List<String> lines = browser.driver.findElements(By.cssSelector("p.answers-line")).stream()
                    .map(e -> e.getText()).toList();
            assertTrue(lines.get(0).matches("expected empty: top-1 from layer \\d \\(depth \\d\\.\\d\\d\\); the final answer is expected"),
                    lines.toString());
            assertEquals(3, browser.driver.findElements(By.cssSelector("#answers-chart polyline")).size());
            // the cell popup at the last position gives each group's probability and rank at that layer
            browser.open(site.resolve("runs/demo-gpt2/opposite-not-full.html").toAbsolutePath(), "cell=5,7");
            String pop = browser.driver.findElement(By.cssSelector(".lens-popup .pop-answers")).getText();
            assertTrue(pop.matches("expected empty: [0-9.]+%, rank 1 · opposite empty: [0-9.]+%, rank 1 · same full: [0-9.]+%, rank \\d+"),
                    pop);

            browser.open(site.resolve("prompts/capital-canada.html").toAbsolutePath());
            new org.openqa.selenium.support.ui.WebDriverWait(browser.driver, java.time.Duration.ofSeconds(10)).until(d ->
                    d.findElements(By.cssSelector(".lens-stack .lens:not([data-ready='true'])")).isEmpty());
            browser.js("document.querySelector('.lens-stack').scrollIntoView()");
            browser.screenshot(Path.of("target", "screenshots", "demo-prompt.png"));

            browser.open(site.resolve("compare.html").toAbsolutePath(), "a=demo-gpt2/language-japan&b=demo-gpt2/capital-france");
            new org.openqa.selenium.support.ui.WebDriverWait(browser.driver, java.time.Duration.ofSeconds(10)).until(d ->
                    d.findElements(By.cssSelector(".compare .lens[data-ready='true']")).size() == 2);
            browser.screenshot(Path.of("target", "screenshots", "demo-compare.png"));
            summary(browser, GalleryParser.parse(gallery), site);
            assertEquals(List.of(), browser.consoleErrors());
        }
    }

    /** The summary page: every model in every chart, the charts plot the CSV's numbers, the table sorts and links. */
    private static void summary(Browser browser, Gallery g, Path site) throws Exception {
        browser.open(site.resolve("index.html").toAbsolutePath());
        browser.driver.findElement(By.id("summary-link")).click();
        browser.waitForPage();
        assertTrue(browser.driver.getCurrentUrl().endsWith("/summary.html"), browser.driver.getCurrentUrl());
        browser.js("document.getElementById('sc-all').scrollIntoView()"); // the charts, for the README
        browser.screenshot(Path.of("target", "screenshots", "demo-summary.png"));

        // every CSV row of the (all) series is one dot with the same printed numbers, in the chart of its measure
        List<String> csv = Files.readAllLines(site.resolve("aggregates/aggregates.csv"));
        assertEquals("model,tag,measure,layer,depth,mean,lo,hi,n", csv.get(0));
        java.util.Map<String, String> labels = new java.util.HashMap<>();
        g.models().forEach(m -> labels.put(m.id(), m.label()));
        int checked = 0;
        for (String row : csv.subList(1, csv.size())) {
            String[] f = row.split(",", -1);
            if (!f[1].equals("(all)")) {
                continue;
            }
            // a tuned lens's series are drawn in the chart of the same measure, labelled as the tuned lens
            boolean tuned = f[2].startsWith(Aggregates.TUNED);
            String chart = Summary.chartId("(all)", tuned ? f[2].substring(Aggregates.TUNED.length()) : f[2]);
            String label = labels.get(f[0]) + (tuned ? " (tuned lens)" : "");
            // an empty value leaves its data attribute out (final-layer accuracy has no layer)
            String sel = "#" + chart + " g.series[data-label=\"" + label + "\"] circle.pt"
                    + (f[3].isEmpty() ? "" : "[data-layer=\"" + f[3] + "\"]");
            List<org.openqa.selenium.WebElement> dots = browser.driver.findElements(By.cssSelector(sel));
            assertEquals(1, dots.size(), sel);
            org.openqa.selenium.WebElement d = dots.get(0);
            List<String> shown = new java.util.ArrayList<>();
            for (String a : new String[] {"layer", "depth", "mean", "lo", "hi", "n"}) {
                String v = d.getAttribute("data-" + a);
                shown.add(v == null ? "" : v);
            }
            assertEquals(String.join(",", f[3], f[4], f[5], f[6], f[7], f[8]), String.join(",", shown), sel);
            checked++;
        }
        assertTrue(checked > 100, "only " + checked + " rows checked");
        for (var m : g.models()) { // every model is in the expected answer's chart
            assertEquals(1, browser.driver.findElements(By.cssSelector("#" + Summary.chartId("(all)", "p(expect)")
                    + " g.series[data-label=\"" + m.label() + "\"]")).size(), m.id());
        }

        // sorting by the last model's column puts the earliest-settling prompt first; "never" sorts last
        By cells = By.cssSelector("#depth-table tbody tr td:last-child");
        browser.driver.findElement(By.cssSelector("#depth-table thead th:last-child button")).click();
        List<String> sorted = browser.driver.findElements(cells).stream().map(e -> e.getAttribute("data-sort")).toList();
        List<Double> values = sorted.stream().filter(v -> !v.isEmpty()).map(Double::parseDouble).toList();
        assertEquals(values.stream().sorted().toList(), values);
        assertEquals("ascending", browser.driver.findElement(By.cssSelector("#depth-table thead th:last-child"))
                .getAttribute("aria-sort"));
        browser.driver.findElement(By.cssSelector("#depth-table thead th:last-child button")).click();
        List<Double> desc = browser.driver.findElements(cells).stream().map(e -> e.getAttribute("data-sort"))
                .filter(v -> !v.isEmpty()).map(Double::parseDouble).toList();
        assertEquals(values.stream().sorted(java.util.Comparator.reverseOrder()).toList(), desc);
        // each cell links to its run
        org.openqa.selenium.WebElement first = browser.driver.findElement(By.cssSelector("#depth-table tbody tr td:last-child a"));
        String prompt = first.findElement(By.xpath("../..")).findElement(By.cssSelector("th a")).getText();
        first.click();
        browser.waitForPage();
        assertTrue(browser.driver.getCurrentUrl().endsWith("/runs/demo-gpt2/" + prompt + ".html"),
                browser.driver.getCurrentUrl());
    }
}
