package dev.logitlens.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logitlens.core.lens.LensResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The generated site in a real browser, opened from file://. Skipped when Chromium is not installed. */
class SiteBrowserTest extends SiteInBrowser {

    @Override
    SiteModel gallery() {
        return Fixtures.small();
    }

    @Override
    String folder() {
        return "browser-site";
    }

    private List<String> seriesPoints() {
        return browser.driver.findElements(By.cssSelector(".lens-chart polyline.series")).stream()
                .map(e -> e.getAttribute("points")).toList();
    }

    @Test
    void everyPageLoadsWithoutConsoleErrorsAndScreenshots() throws IOException {
        List<Path> pages;
        try (Stream<Path> s = Files.walk(out)) {
            pages = s.filter(p -> p.toString().endsWith(".html")).sorted().toList();
        }
        assertEquals(1 + 1 + 2 + 3 + 6 + 1, pages.size()); // index, compare, models, prompts, runs, summary
        List<String> problems = new ArrayList<>();
        for (Path page : pages) {
            browser.open(page);
            if (!browser.driver.findElements(By.id("lens-data")).isEmpty()) {
                browser.waitForLens();
            }
            if (!browser.driver.findElements(By.cssSelector(".lens-stack .lens")).isEmpty()) {
                new WebDriverWait(browser.driver, Duration.ofSeconds(10)).until(d -> d.findElements(
                        By.cssSelector(".lens-stack .lens:not([data-ready='true'])")).isEmpty());
            }
            for (String e : browser.consoleErrors()) {
                problems.add(out.relativize(page) + ": " + e);
            }
            assertThrows(NoAlertPresentException.class, () -> browser.driver.switchTo().alert(),
                    "no script injected through the data may run on " + page);
        }
        assertEquals(List.of(), problems);

        Path shots = Path.of("target", "screenshots");
        browser.open(out.resolve("index.html"));
        browser.screenshot(shots.resolve("index.png"));
        browser.open(out.resolve("models/tiny-a.html"));
        browser.screenshot(shots.resolve("model.png"));
        browser.open(out.resolve("prompts/france.html"));
        browser.screenshot(shots.resolve("prompt.png"));
        LensResult deep = result("deep.b", "france");
        int[] top = deep.topk()[deep.numLayers() - 1][deep.numPositions() - 1];
        browser.open(runPage("deep.b", "france"), "cell=12,4&pin=" + top[0] + "," + top[1] + "_" + top[2] + "&pos=3,4");
        browser.waitForLens();
        browser.screenshot(shots.resolve("run.png"));
        browser.driver.findElement(By.id("theme-toggle")).click();
        browser.screenshot(shots.resolve("run-dark.png"));
        browser.driver.findElement(By.id("theme-toggle")).click();
        assertEquals(List.of(), browser.consoleErrors());
        for (String n : List.of("index", "model", "prompt", "run")) {
            assertTrue(Files.size(shots.resolve(n + ".png")) > 5000, n + ".png looks empty");
        }
    }

    @Test
    void hostilePromptIsShownAsText() {
        browser.open(runPage("tiny-a", "xss"));
        browser.waitForLens();
        assertEquals(Fixtures.XSS, browser.driver.findElement(By.cssSelector("blockquote.prompt")).getText());
        assertTrue(browser.driver.findElements(By.cssSelector("img")).isEmpty(), "no element injected");
        // The embedded data still reads back intact, hostile strings included.
        assertEquals("</script><img", browser.js("return JSON.parse(document.getElementById('lens-data').textContent).input[0]"));
        assertEquals(List.of(), browser.consoleErrors());
    }

    @Test
    void clickingACellOpensItsTopK() {
        LensResult r = result("tiny-a", "france");
        browser.open(runPage("tiny-a", "france"));
        browser.waitForLens();
        assertFalse(popup().isDisplayed());
        cell(2, 1).click();
        assertTrue(popup().isDisplayed());
        List<String> shown = popup().findElements(By.cssSelector(".pop-tok .pt")).stream().map(WebElement::getText).toList();
        List<String> expected = new ArrayList<>();
        for (int id : r.topk()[2][1]) {
            expected.add(Tokens.display(r.vocab().get(id)));
        }
        assertEquals(expected, shown);
        String firstPct = popup().findElement(By.cssSelector(".pop-tok .pp")).getText();
        assertEquals(SiteRenderer.percent(r.prob(2, 1, r.topk()[2][1][0])), firstPct);
        assertTrue(browser.driver.getCurrentUrl().endsWith("#cell=2,1"), browser.driver.getCurrentUrl());
        assertEquals(List.of(), browser.consoleErrors());
    }

    @Test
    void pinningATokenDrawsItsTrajectory() {
        LensResult r = result("tiny-a", "france");
        browser.open(runPage("tiny-a", "france"), "pin="); // nothing pinned, not the default final answer
        browser.waitForLens();
        assertTrue(seriesPoints().isEmpty());
        int last = r.numPositions() - 1;
        cell(1, last).click();
        popup().findElements(By.cssSelector(".pop-tok")).get(0).click();
        List<String> pts = seriesPoints();
        assertEquals(1, pts.size());
        String[] points = pts.get(0).split(" ");
        assertEquals(r.numLayers(), points.length);
        // The curve goes up where the probability goes up.
        int id = r.topk()[1][last][0];
        double y0 = Double.parseDouble(points[0].split(",")[1]);
        double y5 = Double.parseDouble(points[5].split(",")[1]);
        assertEquals(Math.signum(r.prob(5, last, id) - r.prob(0, last, id)), Math.signum(y0 - y5));
        assertTrue(browser.driver.getCurrentUrl().contains("pin=" + id), browser.driver.getCurrentUrl());
        // A second position adds a second line for the same token; the legend lists both.
        browser.driver.findElements(By.cssSelector(".in-tok")).get(last - 1).click();
        assertEquals(r.tracked()[last - 1].length > 0 && java.util.Arrays.binarySearch(r.tracked()[last - 1], id) >= 0 ? 2 : 1,
                seriesPoints().size());
        // Removing the pin from the legend clears the chart.
        browser.driver.findElement(By.cssSelector(".lens-legend .x[data-unpin='0']")).click();
        assertTrue(seriesPoints().isEmpty());
        assertEquals(List.of(), browser.consoleErrors());
    }

    @Test
    void freshPagePlotsTheFinalAnswerAndEmptyPinMeansNone() {
        LensResult r = result("tiny-a", "france");
        int last = r.numPositions() - 1;
        int fin = r.finalTop1()[last];
        browser.open(runPage("tiny-a", "france"));
        browser.waitForLens();
        List<WebElement> lines = browser.driver.findElements(By.cssSelector(".lens-chart polyline.series"));
        assertEquals(1, lines.size(), "one default trajectory");
        assertEquals(String.valueOf(last), lines.get(0).getAttribute("data-p"));
        assertEquals(Tokens.display(r.vocab().get(fin)) + " after " + Tokens.display(r.input()[last]),
                lines.get(0).findElement(By.tagName("title")).getDomProperty("textContent"));
        List<String> byDefault = seriesPoints();
        assertEquals(r.numLayers(), byDefault.get(0).split(" ").length);
        assertFalse(browser.driver.getCurrentUrl().contains("#"), "the default view needs no hash");
        // The same line as pinning the final answer by hand, which the hash leaves out as the default.
        browser.open(runPage("tiny-a", "france"), "pin=" + fin);
        browser.waitForLens();
        assertEquals(byDefault, seriesPoints());
        // An explicit empty pin= loads an empty chart.
        browser.open(runPage("tiny-a", "france"), "pin=");
        browser.waitForLens();
        assertTrue(seriesPoints().isEmpty());
        assertTrue(((String) browser.js("return document.querySelector('.lens-chart').textContent")).contains("Click a cell"));
        // Removing the default pin writes pin= so that the link (and a reload) keeps the chart empty.
        browser.open(runPage("tiny-a", "france"));
        browser.waitForLens();
        browser.driver.findElement(By.cssSelector(".lens-legend .x[data-unpin='0']")).click();
        assertTrue(seriesPoints().isEmpty());
        assertTrue(browser.driver.getCurrentUrl().endsWith("#pin="), browser.driver.getCurrentUrl());
        browser.driver.navigate().refresh();
        browser.waitForLens();
        assertTrue(seriesPoints().isEmpty());
        // Copy link puts the shown state into the address, even when the page was opened with an odd hash.
        browser.open(runPage("tiny-a", "france"), "pin=x&mode=nope");
        browser.waitForLens();
        browser.driver.findElement(By.id("lens-copy")).click();
        assertTrue(browser.driver.getCurrentUrl().endsWith("#pin="), browser.driver.getCurrentUrl());
        assertEquals(List.of(), browser.consoleErrors());
    }

    @Test
    void urlHashRestoresTheSameView() {
        browser.open(runPage("deep.b", "france"), "pin="); // the pins below are the only ones
        browser.waitForLens();
        new org.openqa.selenium.support.ui.Select(browser.driver.findElement(By.id("lens-mode"))).selectByValue("kl");
        cell(23, 4).click();
        List<WebElement> toks = popup().findElements(By.cssSelector(".pop-tok"));
        toks.get(0).click();
        new Actions(browser.driver).keyDown(Keys.SHIFT).click(popup().findElements(By.cssSelector(".pop-tok")).get(1))
                .keyUp(Keys.SHIFT).perform();
        popup().findElements(By.cssSelector(".pop-tok")).get(2).click();
        browser.driver.findElements(By.cssSelector(".in-tok")).get(2).click();
        String url = browser.driver.getCurrentUrl();
        assertTrue(url.contains("mode=kl") && url.contains("cell=23,4") && url.contains("_"), url);
        List<String> before = seriesPoints();
        // One line per pinned group and chosen position where at least one of its ids is tracked.
        LensResult r = result("deep.b", "france");
        String query = url.substring(url.indexOf('#') + 1);
        String pins = query.replaceAll(".*pin=([0-9_,]+).*", "$1");
        int expected = 0;
        for (String group : pins.split(",")) {
            for (int p : List.of(4, 2)) {
                if (Stream.of(group.split("_")).mapToInt(Integer::parseInt)
                        .anyMatch(id -> java.util.Arrays.binarySearch(r.tracked()[p], id) >= 0)) {
                    expected++;
                }
            }
        }
        assertEquals(2, pins.split(",").length, pins);
        assertEquals(expected, before.size(), "lines for 2 groups x 2 positions");
        String cells = (String) browser.js("return [...document.querySelectorAll('td.cell')].map(c => c.className).join('|')");
        String head = popup().findElement(By.cssSelector(".pop-head strong")).getText();

        browser.driver.navigate().refresh();
        browser.waitForLens();
        assertEquals(url, browser.driver.getCurrentUrl());
        assertEquals("kl", browser.js("return document.getElementById('lens-mode').value"));
        assertEquals(before, seriesPoints());
        assertEquals(cells, browser.js("return [...document.querySelectorAll('td.cell')].map(c => c.className).join('|')"));
        assertTrue(popup().isDisplayed());
        assertEquals(head, popup().findElement(By.cssSelector(".pop-head strong")).getText());

        // The same link opened fresh (a copied link) gives the same view too.
        browser.open(runPage("deep.b", "xss"));
        browser.driver.get(url);
        browser.waitForLens();
        assertEquals(before, seriesPoints());
        assertEquals(List.of(), browser.consoleErrors());
    }

    @Test
    void keyboardNavigation() {
        LensResult r = result("tiny-a", "france");
        browser.open(runPage("tiny-a", "france"), "pin="); // so the one pin made below is the only line
        browser.waitForLens();
        int lastL = r.numLayers() - 1;
        int lastP = r.numPositions() - 1;
        WebElement start = browser.driver.findElement(By.cssSelector("td.cell[tabindex='0']"));
        assertEquals(List.of(String.valueOf(lastL), String.valueOf(lastP)),
                List.of(start.getAttribute("data-li"), start.getAttribute("data-p")));
        start.sendKeys(Keys.ARROW_LEFT);
        start = browser.driver.switchTo().activeElement();
        start.sendKeys(Keys.ARROW_UP);
        WebElement now = browser.driver.switchTo().activeElement();
        assertEquals(String.valueOf(lastL - 1), now.getAttribute("data-li"));
        assertEquals(String.valueOf(lastP - 1), now.getAttribute("data-p"));
        assertEquals("0", now.getAttribute("tabindex"), "roving tabindex follows focus");
        assertTrue(now.getAttribute("aria-label").startsWith("layer " + (lastL - 1)), now.getAttribute("aria-label"));
        now.sendKeys(Keys.ENTER);
        assertTrue(popup().isDisplayed());
        WebElement inPopup = browser.driver.switchTo().activeElement();
        assertTrue(inPopup.getAttribute("class").contains("pop-tok"), "focus moves into the popup");
        inPopup.sendKeys(Keys.ARROW_DOWN);
        browser.driver.switchTo().activeElement().sendKeys(Keys.ENTER); // pins the second token
        assertEquals(1, seriesPoints().size());
        browser.driver.switchTo().activeElement().sendKeys(Keys.ESCAPE);
        assertFalse(popup().isDisplayed());
        WebElement back = browser.driver.switchTo().activeElement();
        assertEquals(String.valueOf(lastL - 1), back.getAttribute("data-li"), "focus returns to the cell");
        assertEquals(List.of(), browser.consoleErrors());
    }

    @Test
    void colourModesChangeTheCellsAndTheLegend() {
        browser.open(runPage("deep.b", "france"));
        browser.waitForLens();
        String prob = (String) browser.js("return [...document.querySelectorAll('td.cell')].map(c => c.className).join('|')");
        String hi = browser.driver.findElement(By.cssSelector(".lens-scale .hi")).getText();
        for (String mode : List.of("rank", "entropy", "kl")) {
            new org.openqa.selenium.support.ui.Select(browser.driver.findElement(By.id("lens-mode"))).selectByValue(mode);
            assertNotEquals(prob, browser.js("return [...document.querySelectorAll('td.cell')].map(c => c.className).join('|')"), mode);
            assertNotEquals(hi, browser.driver.findElement(By.cssSelector(".lens-scale .hi")).getText(), mode);
        }
        // The last layer is always shown, and exactly one settle marker per settled position.
        assertTrue(browser.driver.findElements(By.cssSelector("td.cell[data-li='23']")).size() > 0);
        LensResult r = result("deep.b", "france");
        long settled = java.util.stream.IntStream.range(0, r.numPositions()).filter(p -> r.settleLayerIndex(p) >= 0).count();
        assertEquals(settled, browser.driver.findElements(By.cssSelector("td.cell.set")).size());
        assertEquals(List.of(), browser.consoleErrors());
    }

    @Test
    void layerAxisStridesToFitAndResizingCellsChangesIt() {
        browser.open(runPage("deep.b", "france"));
        browser.waitForLens();
        browser.driver.manage().window().setSize(new org.openqa.selenium.Dimension(700, 900));
        new WebDriverWait(browser.driver, Duration.ofSeconds(5)).until(d -> colCount() < 24);
        int narrow = colCount();
        assertTrue(browser.driver.findElements(By.cssSelector("td.cell[data-li='23']")).size() > 0, "last layer kept");
        drag(".rz-cell", -30, 0);
        new WebDriverWait(browser.driver, Duration.ofSeconds(5)).until(d -> colCount() > narrow);
        long before = (Long) browser.js("return Math.round(document.querySelector('col.c-tok').getBoundingClientRect().width)");
        drag(".rz-tok", 40, 0);
        new WebDriverWait(browser.driver, Duration.ofSeconds(5)).until(d ->
                (Long) browser.js("return Math.round(document.querySelector('col.c-tok').getBoundingClientRect().width)") > before);
        long h0 = (Long) browser.js("return Math.round(document.querySelector('.lens-chart').getBoundingClientRect().height)");
        drag(".rz-chart", 0, 60);
        new WebDriverWait(browser.driver, Duration.ofSeconds(5)).until(d ->
                (Long) browser.js("return Math.round(document.querySelector('.lens-chart').getBoundingClientRect().height)") > h0);
        browser.driver.manage().window().setSize(new org.openqa.selenium.Dimension(1400, 1000));
        assertEquals(List.of(), browser.consoleErrors());
    }

    /** Drags a resize edge by a pointer, from a point inside its visible part. */
    private void drag(String selector, int dx, int dy) {
        // By selector inside one script: a window resize may rebuild the grid and its handles at any time.
        @SuppressWarnings("unchecked")
        List<Number> r = (List<Number>) browser.js("const h = document.querySelector(arguments[0]);"
                + " h.scrollIntoView({block: 'center', inline: 'center'}); const r = h.getBoundingClientRect();"
                + " return [Math.round(r.left + 2), Math.round(r.top + r.height / 2)]", selector);
        new Actions(browser.driver).moveToLocation(r.get(0).intValue(), r.get(1).intValue()).clickAndHold()
                .moveByOffset(dx / 2, dy / 2).moveByOffset(dx - dx / 2, dy - dy / 2).release().perform();
    }

    private int colCount() {
        return ((Long) browser.js("return document.querySelectorAll('.lens-grid thead th').length")).intValue() - 2;
    }

    @Test
    void indexTagFilterAndThemeToggle() {
        browser.open(out.resolve("index.html"));
        List<WebElement> rows = browser.driver.findElements(By.cssSelector("tr.prompt-row"));
        assertEquals(3, rows.size());
        browser.driver.findElement(By.cssSelector(".tag-filter button[data-tag='code']")).click();
        assertEquals(1, rows.stream().filter(WebElement::isDisplayed).count());
        assertTrue(browser.driver.getCurrentUrl().endsWith("#tag=code"));
        browser.driver.navigate().refresh();
        assertEquals(1, browser.driver.findElements(By.cssSelector("tr.prompt-row")).stream().filter(WebElement::isDisplayed).count());
        browser.driver.findElement(By.cssSelector(".tag-filter button[data-tag='']")).click();
        assertEquals(3, browser.driver.findElements(By.cssSelector("tr.prompt-row")).stream().filter(WebElement::isDisplayed).count());

        String light = (String) browser.js("return getComputedStyle(document.documentElement).backgroundColor");
        browser.driver.findElement(By.id("theme-toggle")).click();
        String dark = (String) browser.js("return getComputedStyle(document.documentElement).backgroundColor");
        assertNotEquals(light, dark);
        browser.open(out.resolve("prompts/france.html")); // the choice is remembered across pages
        assertEquals(dark, browser.js("return getComputedStyle(document.documentElement).backgroundColor"));
        browser.driver.findElement(By.id("theme-toggle")).click();
        assertEquals(light, browser.js("return getComputedStyle(document.documentElement).backgroundColor"));
        assertEquals(List.of(), browser.consoleErrors());
    }

    @Test
    void downloadsTheChartAsSvg() throws IOException {
        LensResult r = result("tiny-a", "france");
        int[] top = r.topk()[r.numLayers() - 1][r.numPositions() - 1];
        browser.open(runPage("tiny-a", "france"), "pin=" + top[0] + "," + top[1] + "_" + top[2]);
        browser.waitForLens();
        assertFalse(seriesPoints().isEmpty(), "pins from the link are drawn");
        browser.driver.findElement(By.id("lens-svg")).click();
        Path file = browser.downloads.resolve("tiny-a-france-chart.svg");
        new WebDriverWait(browser.driver, Duration.ofSeconds(10)).until(d -> Files.exists(file));
        String svg = Files.readString(file);
        assertTrue(svg.startsWith("<svg") && svg.contains("xmlns=\"http://www.w3.org/2000/svg\"") && svg.contains("<polyline"), svg);
        // The JSON link points at the run's data file, which exists.
        String href = browser.driver.findElement(By.id("lens-json")).getAttribute("href");
        assertTrue(Files.exists(Path.of(java.net.URI.create(href))), href);
        assertEquals(List.of(), browser.consoleErrors());
    }

    @Test
    void aTunedLensSwitchesByControlAndHashAndShowsTheDifference() {
        browser.open(runPage("tiny-a", "france"));
        browser.waitForLens();
        WebElement which = browser.driver.findElement(By.id("lens-which"));
        assertEquals("logit", which.getAttribute("value"));
        String logitCells = (String) browser.js("return [...document.querySelectorAll('td.cell')].map(c => c.className).join('|')");
        assertTrue(browser.driver.findElements(By.cssSelector("#lens-mode option[value='diff']")).isEmpty(),
                "the logit lens has no difference mode");

        new org.openqa.selenium.support.ui.Select(which).selectByValue("tuned");
        new WebDriverWait(browser.driver, Duration.ofSeconds(10)).until(d -> String.valueOf(browser.js(
                "return location.hash")).contains("lens=tuned") && "true".equals(browser.js(
                "return document.getElementById('lens').dataset.ready")));
        assertEquals("tuned", browser.driver.findElement(By.id("lens-which")).getAttribute("value"));
        assertNotEquals(logitCells, browser.js("return [...document.querySelectorAll('td.cell')].map(c => c.className).join('|')"));

        browser.open(runPage("tiny-a", "france"), "lens=diff");
        browser.waitForLens();
        assertEquals("diff", browser.driver.findElement(By.id("lens-which")).getAttribute("value"));
        assertEquals("diff", browser.driver.findElement(By.id("lens-mode")).getAttribute("value"));
        assertTrue(browser.driver.findElement(By.cssSelector(".lens-scale .hi")).getText().contains("KL(tuned"));
        assertTrue(String.valueOf(browser.js("return location.hash")).contains("lens=diff"));
        // a model without a tuned lens has no switch
        browser.open(runPage("deep.b", "france"));
        browser.waitForLens();
        assertTrue(browser.driver.findElements(By.id("lens-which")).isEmpty());
        assertEquals(List.of(), browser.consoleErrors());
    }
}
