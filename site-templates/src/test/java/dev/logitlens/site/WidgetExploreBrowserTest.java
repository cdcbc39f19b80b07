package dev.logitlens.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logitlens.core.lens.LensResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/** Exploring with the widget in Chromium: axis scaling, preview, read-out, zoom, colours, linked widgets. */
class WidgetExploreBrowserTest extends SiteInBrowser {

    @Override
    SiteModel gallery() {
        return WidgetBrowserTest.widgetGallery();
    }

    @Override
    String folder() {
        return "widget-explore-site";
    }

    double num(String script, Object... args) {
        return ((Number) browser.js(script, args)).doubleValue();
    }

    /** The y of each point of the first series, in chart coordinates. */
    List<Double> seriesY(String selector) {
        String pts = browser.driver.findElement(By.cssSelector(selector)).getAttribute("points");
        return Arrays.stream(pts.split(" ")).map(p -> Double.parseDouble(p.split(",")[1])).toList();
    }

    /** Screen x of the li-th point of a chart polyline (the chart's viewBox maps 1:1 inside its 1px border). */
    double pointScreenX(String selector, int i) {
        return num("const s = document.querySelector(arguments[0]); const x = +s.getAttribute('points').split(' ')[arguments[1]].split(',')[0];"
                + " return s.ownerSVGElement.getBoundingClientRect().left + 1 + x", selector, i);
    }

    List<String> tickLabels() {
        List<String> labels = new ArrayList<>();
        for (WebElement t : browser.driver.findElements(By.cssSelector(".lens-chart text[text-anchor='end']"))) {
            labels.add(t.getDomProperty("textContent"));
        }
        return labels;
    }

    /** An id tracked at the last position whose largest probability there is small (but not zero). */
    int quietToken(LensResult r) {
        int last = r.numPositions() - 1;
        for (int id : r.tracked()[last]) {
            double max = 0;
            for (int li = 0; li < r.numLayers(); li++) {
                max = Math.max(max, r.prob(li, last, id));
            }
            if (max > 0.002 && max < 0.08) {
                return id;
            }
        }
        throw new AssertionError("no quiet token in the fixture");
    }

    @Test
    void theYAxisScalesToTheDataAndSwitchesToLog() {
        LensResult r = result("six", "france");
        int id = quietToken(r);
        open("six", "france", "pin=" + id);
        List<String> labels = tickLabels();
        assertNotEquals("100%", labels.get(labels.size() - 1), "auto-scaled below 1: " + labels);
        List<Double> ys = seriesY(".lens-chart polyline.series");
        double top = 12;
        double bottom = 260 - 34;
        double highest = ys.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        assertTrue(highest < top + 0.6 * (bottom - top), "the peak fills the axis: " + ys);
        new Select(browser.driver.findElement(By.id("lens-y"))).selectByValue("log");
        assertTrue(url().contains("y=log"), url());
        for (String label : tickLabels()) {
            assertTrue(label.matches("0\\.0*1%|1%|10%|100%"), "decade labels: " + tickLabels());
        }
        assertTrue(tickLabels().size() >= 3);
        browser.driver.navigate().refresh();
        browser.waitForLens();
        assertEquals("log", browser.js("return document.getElementById('lens-y').value"));
    }

    @Test
    void hoveringPreviewsATrajectory() {
        LensResult r = result("six", "france");
        open("six", "france", "pin=");
        new Actions(browser.driver).moveToElement(cell(2, 1)).perform();
        waitFor("a preview line", () -> !browser.driver.findElements(By.cssSelector(".lens-chart polyline.preview")).isEmpty());
        WebElement pv = browser.driver.findElement(By.cssSelector(".lens-chart polyline.preview"));
        assertEquals("1", pv.getAttribute("data-p"));
        assertTrue(pv.getDomProperty("textContent").startsWith(Tokens.display(r.vocab().get(r.topk()[2][1][0])) + " after "));
        assertEquals(r.numLayers(), pv.getAttribute("points").split(" ").length);
        assertTrue(browser.driver.findElements(By.cssSelector(".lens-chart polyline.series")).isEmpty(), "nothing pinned yet");
        // An input token previews its position's final answer.
        new Actions(browser.driver).moveToElement(browser.driver.findElements(By.cssSelector(".in-tok")).get(3)).perform();
        waitFor("the input token's preview", () -> browser.driver.findElements(By.cssSelector(".lens-chart polyline.preview[data-p='3']")).size() == 1);
        // A popup row previews that token; leaving the widget clears the preview.
        cell(2, 1).click();
        WebElement row = browser.driver.findElements(By.cssSelector(".pop-tok")).get(1);
        new Actions(browser.driver).moveToElement(row).perform();
        String second = Tokens.display(r.vocab().get(r.topk()[2][1][1]));
        waitFor("the row's preview", () -> browser.driver.findElements(By.cssSelector(".lens-chart polyline.preview")).stream()
                .anyMatch(e -> e.getDomProperty("textContent").startsWith(second + " after ")));
        new Actions(browser.driver).moveToElement(browser.driver.findElement(By.tagName("h1"))).perform();
        waitFor("no preview", () -> browser.driver.findElements(By.cssSelector(".lens-chart polyline.preview")).isEmpty());
    }

    @Test
    void theChartsLayerAxisLinesUpWithTheGridColumns() {
        for (String model : List.of("six", "deep", "eighty")) {
            open(model, "france", null);
            @SuppressWarnings("unchecked")
            List<List<Number>> heads = (List<List<Number>>) browser.js("return [...document.querySelectorAll('.lens-grid th.lh')]"
                    + ".map(t => { const b = t.getBoundingClientRect(); return [+t.dataset.li, (b.left + b.right) / 2]; })");
            assertTrue(heads.size() >= 2);
            for (List<Number> hd : heads) {
                double x = pointScreenX(".lens-chart polyline.series", hd.get(0).intValue());
                assertEquals(hd.get(1).doubleValue(), x, 1.0, model + " layer " + hd.get(0));
            }
        }
    }

    @Test
    void exactValuesAtThePointerAndFromTheKeyboard() {
        LensResult r = result("eighty", "france");
        int last = r.numPositions() - 1;
        int fin = r.finalTop1()[last];
        open("eighty", "france", null);
        assertEquals(80, browser.driver.findElements(By.cssSelector(".lens-chart circle.pt")).size(), "a marker at every layer");
        double x = pointScreenX(".lens-chart polyline.series", 70);
        double y = num("return document.querySelector('.lens-chart').getBoundingClientRect().top + 100");
        new Actions(browser.driver).moveToLocation((int) Math.round(x), (int) Math.round(y)).perform();
        waitFor("the read-out names layer 70", () -> readout().startsWith("Layer 70"));
        assertTrue(readout().contains(exact(r.prob(70, last, fin))), readout());
        assertEquals(1, browser.driver.findElements(By.cssSelector(".lens-chart circle.hit")).size());
        // The keyboard reaches the same values: focus the chart and step through the layers.
        browser.js("document.querySelector('.lens-chart').focus()");
        WebElement chart = browser.driver.switchTo().activeElement();
        assertEquals("lens-chart", chart.getAttribute("class"));
        chart.sendKeys(Keys.END);
        chart.sendKeys(Keys.ARROW_LEFT);
        waitFor("layer 78", () -> readout().startsWith("Layer 78"));
        assertTrue(readout().contains(exact(r.prob(78, last, fin))), readout());
        assertEquals("status", browser.driver.findElement(By.cssSelector(".lens-readout")).getAttribute("role"));
    }

    private String readout() {
        return browser.driver.findElement(By.cssSelector(".lens-readout")).getText();
    }

    /** The read-out's form: percent to 3 decimals of the page's 1e-5 units. */
    private static String exact(float p) {
        return String.format(Locale.ROOT, "%.3f%%", LensData.scaledProb(p) / 1000.0);
    }

    @Test
    void colourByAPinnedTokenAndOutlineWhereItIsTop1() {
        LensResult r = result("six", "france");
        int last = r.numPositions() - 1;
        int id = r.topk()[r.numLayers() - 2][last][0];
        open("six", "france", "pin=" + id);
        new Select(browser.driver.findElement(By.id("lens-mode"))).selectByValue("pin:" + id);
        assertTrue(url().contains("mode=pin:" + id), url());
        assertTrue(browser.driver.findElement(By.cssSelector(".lens-scale .hi")).getText().contains(Tokens.display(r.vocab().get(id))));
        double max = 0;
        for (int li = 0; li < r.numLayers(); li++) {
            for (int p = 0; p < r.numPositions(); p++) {
                max = Math.max(max, tracked(r, p, id) ? LensData.scaledProb(r.prob(li, p, id)) / 1e5 : 0);
            }
        }
        int outlined = 0;
        for (int li = 0; li < r.numLayers(); li++) {
            for (int p = 0; p < r.numPositions(); p++) {
                double v = tracked(r, p, id) ? LensData.scaledProb(r.prob(li, p, id)) / 1e5 : 0;
                String cls = cell(li, p).getAttribute("class");
                assertTrue(cls.contains("q" + Heatmap.bucket(v / max) + " ") || cls.endsWith("q" + Heatmap.bucket(v / max)),
                        li + "," + p + ": " + cls);
                boolean top = r.topk()[li][p][0] == id;
                assertEquals(top, cls.contains("pk0"), li + "," + p + ": " + cls);
                outlined += top ? 1 : 0;
            }
        }
        assertTrue(outlined > 0);
        assertEquals(outlined, browser.driver.findElements(By.cssSelector("td.pk")).size());
    }

    private static boolean tracked(LensResult r, int p, int id) {
        return Arrays.binarySearch(r.tracked()[p], id) >= 0;
    }

    @Test
    void zoomByDraggingOrKeysAndTheHashKeepsIt() {
        open("eighty", "france", null);
        double y = num("return document.querySelector('.lens-chart').getBoundingClientRect().top + 100");
        double x20 = pointScreenX(".lens-chart polyline.series", 20);
        double x40 = pointScreenX(".lens-chart polyline.series", 40);
        new Actions(browser.driver).moveToLocation((int) Math.round(x20), (int) y).clickAndHold()
                .moveByOffset((int) Math.round((x40 - x20) / 2), 0).moveToLocation((int) Math.round(x40), (int) y).release().perform();
        waitFor("zoomed", () -> url().contains("zoom=20-40"));
        @SuppressWarnings("unchecked")
        List<Long> layers = (List<Long>) browser.js("return [...document.querySelectorAll('.lens-grid th.lh')].map(t => +t.dataset.li)");
        assertEquals(40L, layers.get(layers.size() - 1));
        assertTrue(layers.stream().allMatch(li -> li >= 20 && li <= 40), layers.toString());
        assertEquals(21, browser.driver.findElement(By.cssSelector(".lens-chart polyline.series")).getAttribute("points").split(" ").length);
        browser.driver.navigate().refresh();
        browser.waitForLens();
        assertEquals(layers, browser.js("return [...document.querySelectorAll('.lens-grid th.lh')].map(t => +t.dataset.li)"));
        // Keys on the focused chart: - widens, + narrows, 0 shows all layers; the button too.
        browser.js("document.querySelector('.lens-chart').focus()");
        browser.driver.switchTo().activeElement().sendKeys("-");
        waitFor("wider", () -> url().contains("zoom=10-50"));
        browser.driver.switchTo().activeElement().sendKeys("0");
        waitFor("all layers", () -> !url().contains("zoom="));
        browser.driver.switchTo().activeElement().sendKeys("+");
        waitFor("narrower", () -> url().contains("zoom="));
        browser.driver.findElement(By.cssSelector(".lens-zoom .unzoom")).click();
        waitFor("all layers again", () -> !url().contains("zoom="));
        assertEquals(80, browser.driver.findElement(By.cssSelector(".lens-chart polyline.series")).getAttribute("points").split(" ").length);
    }

    @Test
    void pinColoursStayWithTheirTokens() {
        LensResult r = result("six", "france");
        int last = r.numPositions() - 1;
        open("six", "france", "pin=");
        cell(r.numLayers() - 1, last).click();
        for (int i = 0; i < 3; i++) {
            browser.driver.findElements(By.cssSelector(".pop-tok")).get(i).click();
        }
        assertEquals(List.of("#1f77b4", "#d62728", "#2ca02c"), strokes());
        browser.driver.findElement(By.cssSelector(".lens-legend .x[data-unpin='0']")).click();
        assertEquals(List.of("#d62728", "#2ca02c"), strokes(), "the others keep their colours");
        assertTrue(url().contains("~1"), url());
        // The popup shows a pinned token's colour.
        String sw = (String) browser.js("return getComputedStyle(document.querySelectorAll('.pop-tok')[1].querySelector('.pop-sw')).backgroundColor");
        assertEquals("rgb(214, 39, 40)", sw);
        browser.driver.navigate().refresh();
        browser.waitForLens();
        assertEquals(List.of("#d62728", "#2ca02c"), strokes(), "and after a reload");
        // A new pin takes the free colour.
        browser.driver.findElements(By.cssSelector(".pop-tok")).get(0).click();
        assertTrue(strokes().contains("#1f77b4"), strokes().toString());
    }

    private List<String> strokes() {
        return browser.driver.findElements(By.cssSelector(".lens-chart polyline.series")).stream()
                .map(e -> e.getAttribute("stroke")).toList();
    }

    @Test
    void thePromptPageStacksLinkedLiveWidgetsAlignedByDepth() {
        browser.open(out.resolve("prompts/france.html"));
        new WebDriverWait(browser.driver, Duration.ofSeconds(10)).until(d ->
                d.findElements(By.cssSelector(".lens-stack .lens[data-ready='true']")).size() == 3);
        // Relative depth 0.5 is the right edge of layer 2 of 6, 11 of 24 and 39 of 80, in every widget alike.
        double six = edge(0, 2);
        assertEquals(six, edge(1, 11), 1.0);
        assertEquals(six, edge(2, 39), 1.0);
        assertEquals(edge(0, 5), edge(2, 79), 1.0);
        // Every model's final answer is pinned in all three at the start.
        List<String> answers = new ArrayList<>();
        for (String m : List.of("six", "deep", "eighty")) {
            LensResult r = result(m, "france");
            String a = Tokens.display(r.vocab().get(r.finalTop1()[r.numPositions() - 1]));
            if (!answers.contains(a)) {
                answers.add(a);
            }
        }
        for (int w = 0; w < 3; w++) {
            assertEquals(answers, legendGroups(w), "widget " + w);
        }
        // Pinning in one pins the same token, by its string, in the others (the deep model's ids are shifted).
        LensResult r6 = result("six", "france");
        int last = r6.numPositions() - 1;
        // A token the deep model also ranks there (under its own id), so its line can be checked too.
        LensResult r24 = result("deep", "france");
        int li = -1;
        int at = -1;
        int pick = -1;
        for (int q = 0; q < r6.numPositions() && pick < 0; q++) {
            for (int l = 0; l < r6.numLayers() && pick < 0; l++) {
                for (int t : r6.topk()[l][q]) {
                    if (pick < 0 && tracked(r24, q, t + 500) && !answers.contains(Tokens.display(r6.vocab().get(t)))) {
                        li = l;
                        at = q;
                        pick = t;
                    }
                }
            }
        }
        assertTrue(pick >= 0, "the fixture has a token both models rank");
        widget(0).findElement(By.cssSelector("td.cell[data-li='" + li + "'][data-p='" + at + "']")).click();
        WebElement row = widget(0).findElement(By.cssSelector(".pop-tok[data-id='" + pick + "']"));
        int id = Integer.parseInt(row.getAttribute("data-id"));
        String tok = Tokens.display(r6.vocab().get(id));
        assertFalse(result("deep", "france").vocab().containsKey(id),
                "the deep model knows that token under another id only");
        row.click();
        for (int w = 0; w < 3; w++) {
            assertTrue(legendGroups(w).contains(tok), "widget " + w + ": " + legendGroups(w));
        }
        // The deep model draws that string's trajectory under its own id.
        int q = at;
        assertTrue(widget(1).findElements(By.cssSelector("polyline.series[data-p='" + q + "']")).stream()
                    .anyMatch(e -> e.getDomProperty("textContent").startsWith(tok + " after ")));
        // Hovering an input token in one previews the pinned tokens at that position in the others too.
        new Actions(browser.driver).moveToElement(widget(0).findElements(By.cssSelector(".in-tok")).get(last)).perform();
        waitFor("a linked preview", () -> !widget(1).findElements(By.cssSelector("polyline.preview[data-p='" + last + "']")).isEmpty()
                && !widget(2).findElements(By.cssSelector("polyline.preview[data-p='" + last + "']")).isEmpty());
    }

    private WebElement widget(int i) {
        return browser.driver.findElements(By.cssSelector(".lens-stack .lens")).get(i);
    }

    private double edge(int widget, int li) {
        return num("return document.querySelectorAll('.lens-stack .lens')[arguments[0]]"
                + ".querySelector(`th.lh[data-li='${arguments[1]}']`).getBoundingClientRect().right", widget, li);
    }

    private List<String> legendGroups(int w) {
        return widget(w).findElements(By.cssSelector(".lens-legend .item .sw + span")).stream()
                .map(e -> e.getDomProperty("textContent")).toList();
    }

    @Test
    void theCompareViewShowsTwoRunsAndKeepsThemInTheLink() {
        browser.open(out.resolve("index.html"));
        browser.driver.findElement(By.cssSelector("a[href='compare.html']")).click();
        browser.waitForPage();
        new WebDriverWait(browser.driver, Duration.ofSeconds(10)).until(d ->
                d.findElements(By.cssSelector(".compare .lens[data-ready='true']")).size() == 2);
        assertTrue(url().endsWith("#a=six/france&b=deep/france"), url());
        new Select(browser.driver.findElement(By.cssSelector("select[name='b']"))).selectByValue("six/hi");
        new WebDriverWait(browser.driver, Duration.ofSeconds(10)).until(d -> url().endsWith("#a=six/france&b=six/hi")
                && d.findElements(By.cssSelector(".compare .lens[data-ready='true']")).size() == 2
                && d.findElements(By.cssSelector(".compare .lens")).get(1).findElements(By.cssSelector(".in-tok")).size() == 2);
        assertEquals("runs/six/hi.html", browser.driver.findElements(By.cssSelector(".cmp-title a")).get(1).getAttribute("href")
                .replaceAll(".*/(runs/.*)", "$1"));
        // Two prompts: the last positions are linked, so both charts plot at their last token.
        List<WebElement> lenses = browser.driver.findElements(By.cssSelector(".compare .lens"));
        assertEquals("true", lenses.get(1).findElements(By.cssSelector(".in-tok")).get(1).getAttribute("aria-pressed"));
        browser.driver.navigate().refresh();
        new WebDriverWait(browser.driver, Duration.ofSeconds(10)).until(d ->
                d.findElements(By.cssSelector(".compare .lens[data-ready='true']")).size() == 2);
        assertEquals("six/hi", browser.js("return document.querySelector(\"select[name='b']\").value"));
        assertFalse(browser.driver.findElements(By.cssSelector(".compare .lens .lens-grid")).isEmpty());
    }
}
