package dev.logitlens.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logitlens.core.lens.LensResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The lens widget's interactions in Chromium, on a gallery of a 6-, a 24- and an 80-layer model and prompts
 * of 2 to 5 tokens (one with zero-width and bidi control characters). Skipped when Chromium is missing.
 */
class WidgetBrowserTest extends SiteInBrowser {
    static final String ODD = "a\u200b b\u202ecd e";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    SiteModel gallery() {
        return widgetGallery();
    }

    @Override
    String folder() {
        return "widget-site";
    }

    /** Three depths on three prompts; the odd prompt's first top-1 token holds invisible characters too. */
    static SiteModel widgetGallery() {
        List<SiteModelInfo> models = List.of(new SiteModelInfo("six", "Six", "path:../six"),
                new SiteModelInfo("deep", "Deep", "path:../deep"), new SiteModelInfo("eighty", "Eighty", "path:../eighty"));
        List<SitePrompt> prompts = List.of(new SitePrompt("france", "The capital of France is", List.of()),
                new SitePrompt("hi", "Hi there", List.of()), new SitePrompt("odd", ODD, List.of()));
        int[] depth = {6, 24, 80};
        List<SiteRun> runs = new ArrayList<>();
        for (int mi = 0; mi < models.size(); mi++) {
            for (int pi = 0; pi < prompts.size(); pi++) {
                SiteModelInfo m = models.get(mi);
                SitePrompt p = prompts.get(pi);
                LensResult r = Fixtures.result(Fixtures.tokenize(p.text()), depth[mi], 5, 7L * mi + pi);
                if (p.id().equals("odd")) {
                    r = withToken(r, r.topk()[0][0][0], "x\u202ey\u200bz");
                }
                if (m.id().equals("deep")) {
                    r = shiftIds(r, 500); // another tokenizer: the same strings under other ids
                }
                runs.add(SiteRun.ok(m.id(), p.id(), r, Fixtures.provenance(m.id(), m.source(), r, p.text()),
                        "data/" + m.id() + "/" + p.id() + ".json"));
            }
        }
        return new SiteModel("Widget", "0.1.0-test", models, prompts, runs);
    }

    /** The same result with every token id moved by {@code by}: linked widgets must match tokens by string. */
    static LensResult shiftIds(LensResult r, int by) {
        java.util.function.UnaryOperator<int[]> shift = a -> Arrays.stream(a).map(x -> x + by).toArray();
        int[][][] topk = Arrays.stream(r.topk()).map(l -> Arrays.stream(l).map(shift).toArray(int[][]::new)).toArray(int[][][]::new);
        int[][] tracked = Arrays.stream(r.tracked()).map(shift).toArray(int[][]::new);
        TreeMap<Integer, String> vocab = new TreeMap<>();
        r.vocab().forEach((id, t) -> vocab.put(id + by, t));
        return new LensResult(shift.apply(r.inputIds()), r.input(), r.layers(), r.k(), topk, tracked, r.probs(),
                vocab, r.entropy(), r.klToFinal(), shift.apply(r.finalTop1()), r.finalTop1Prob(), r.finalTop1Rank());
    }

    /** The same result with one id's string replaced. */
    static LensResult withToken(LensResult r, int id, String s) {
        TreeMap<Integer, String> vocab = new TreeMap<>(r.vocab());
        vocab.put(id, s);
        return new LensResult(r.inputIds(), r.input(), r.layers(), r.k(), r.topk(), r.tracked(), r.probs(),
                vocab, r.entropy(), r.klToFinal(), r.finalTop1(), r.finalTop1Prob(), r.finalTop1Rank());
    }

    @SuppressWarnings("unchecked")
    List<Double> rect(String selector) {
        List<Number> r = (List<Number>) browser.js("const b = document.querySelector(arguments[0]).getBoundingClientRect();"
                + " return [b.left, b.top, b.right, b.bottom]", selector);
        return r.stream().map(Number::doubleValue).toList();
    }

    /** With where the popup and the selected cell are, which is what these tests get wrong. */
    @Override
    void waitFor(String why, java.util.function.BooleanSupplier ok) {
        new WebDriverWait(browser.driver, Duration.ofSeconds(5)).withMessage(() -> why + " (popup " + rect(".lens-popup")
                + ", selected cell " + (browser.driver.findElements(By.cssSelector("td.cell.sel")).isEmpty() ? "none" : rect("td.cell.sel")) + ")")
                .until(d -> ok.getAsBoolean());
    }

    // ---------------------------------------------------------------- bugs

    @Test
    void popupFollowsItsCellWhenTheWindowIsResized() {
        LensResult r = result("deep", "france");
        int li = r.numLayers() - 1;
        int p = r.numPositions() - 1;
        open("deep", "france", null);
        cell(li, p).click();
        browser.driver.manage().window().setSize(new Dimension(800, 900));
        waitFor("the popup moves with its cell and stays on screen", () -> {
            List<Double> pop = rect(".lens-popup");
            List<Double> c = rect("td.cell.sel");
            double width = ((Number) browser.js("return document.documentElement.clientWidth")).doubleValue();
            return pop.get(2) <= width + 0.5 && pop.get(0) <= c.get(2) && pop.get(2) >= c.get(0)
                    && (Math.abs(pop.get(1) - c.get(3) - 4) < 1.5 || Math.abs(c.get(1) - pop.get(3) - 4) < 1.5);
        });
    }

    @Test
    void theSelectedLayerKeepsItsColumn() {
        // Layer 1 of 80 is not on the stride counted back from layer 79, yet the link names it.
        open("eighty", "france", "cell=1,3");
        assertEquals("1", browser.driver.findElement(By.cssSelector("td.cell.sel")).getAttribute("data-li"));
        assertEquals("3", browser.driver.findElement(By.cssSelector("td.cell.sel")).getAttribute("data-p"));
        assertTrue(popup().findElement(By.cssSelector(".pop-head strong")).getText().startsWith("Layer 1 \u00b7"));
        // A narrower window strides the selected layer out; it stays highlighted and the popup agrees.
        String layers = "return [...document.querySelectorAll('.lens-grid th.lh')].map(t => t.dataset.li)";
        browser.driver.manage().window().setSize(new Dimension(700, 900));
        open("deep", "france", null);
        List<?> narrow = (List<?>) browser.js(layers);
        browser.driver.manage().window().setSize(new Dimension(1400, 1000));
        waitFor("the grid restrides", () -> !narrow.equals(browser.js(layers)));
        String li = ((List<?>) browser.js(layers)).stream().map(String::valueOf).filter(x -> !narrow.contains(x)).findFirst().orElseThrow();
        cell(Integer.parseInt(li), 2).click();
        browser.driver.manage().window().setSize(new Dimension(700, 900));
        waitFor("the grid restrides", () -> ((List<?>) browser.js(layers)).size() == narrow.size() + 1);
        assertEquals(li, browser.driver.findElement(By.cssSelector("td.cell.sel")).getAttribute("data-li"));
        assertTrue(popup().findElement(By.cssSelector(".pop-head strong")).getText().startsWith("Layer " + li + " \u00b7"));
        assertTrue(url().endsWith("#cell=" + li + ",2"), url());
    }

    @Test
    void theLastPositionStaysChosen() {
        LensResult r = result("six", "france");
        int last = r.numPositions() - 1;
        open("six", "france", null);
        assertTrue(browser.driver.findElements(By.cssSelector(".lens-legend .x[data-unpos]")).isEmpty(),
                "the only position offers no ×");
        browser.driver.findElements(By.cssSelector(".in-tok")).get(last).click();
        assertFalse(url().contains("pos="), url());
        assertEquals("true", browser.driver.findElements(By.cssSelector(".in-tok")).get(last).getAttribute("aria-pressed"));
        assertEquals(1, browser.driver.findElements(By.cssSelector(".lens-chart polyline.series")).size());
        assertTrue(browser.driver.findElement(By.id("lens-status")).getText().contains("At least one position"));
        // With two positions, removing one by its × works and the other stays.
        browser.driver.findElements(By.cssSelector(".in-tok")).get(0).click();
        assertTrue(url().endsWith("#pos=" + last + ",0"), url());
        browser.driver.findElement(By.cssSelector(".lens-legend .x[data-unpos='" + last + "']")).click();
        assertTrue(url().endsWith("#pos=0"), url());
        assertTrue(browser.driver.findElements(By.cssSelector(".lens-legend .x[data-unpos]")).isEmpty());
        // A link with an empty or invalid pos= opens on the default position.
        open("six", "france", "pos=");
        assertEquals("true", browser.driver.findElements(By.cssSelector(".in-tok")).get(last).getAttribute("aria-pressed"));
    }

    @Test
    void aPinNotTrackedAtAPositionIsExplained() {
        LensResult r = result("six", "france");
        int last = r.numPositions() - 1;
        int[] there = r.tracked()[last];
        int q = 0;
        int id = Arrays.stream(there).filter(t -> Arrays.binarySearch(r.tracked()[0], t) < 0).findFirst().orElseThrow();
        open("six", "france", "pin=" + id);
        browser.driver.findElements(By.cssSelector(".in-tok")).get(q).click();
        assertEquals(1, browser.driver.findElements(By.cssSelector(".lens-chart polyline.series")).size());
        String note = browser.driver.findElement(By.cssSelector(".lens-legend .note")).getText();
        assertTrue(note.contains(Tokens.display(r.vocab().get(id)) + " after " + Tokens.display(r.input()[q]))
                && note.contains("not in the top-5"), note);
    }

    @Test
    void downloadJsonFromFileSavesTheV2Document() throws IOException {
        LensResult r = result("six", "france");
        open("six", "france", null);
        String page = url();
        Path file = browser.downloads.resolve("six-france.v2.json");
        Files.deleteIfExists(file);
        browser.driver.findElement(By.id("lens-json")).click();
        waitFor("the file is saved", () -> Files.exists(file));
        assertEquals(page, url(), "the page stays");
        JsonNode got = JSON.readTree(file.toFile());
        JsonNode want = JSON.readTree(V2.json(r, "six"));
        for (String k : List.of("meta", "input", "layers", "topk")) {
            assertEquals(want.get(k), got.get(k), k);
        }
        assertEquals(want.get("tracked").size(), got.get("tracked").size());
        for (int p = 0; p < r.numPositions(); p++) {
            JsonNode w = want.get("tracked").get(p);
            JsonNode g = got.get("tracked").get(p);
            assertEquals(fieldNames(w), fieldNames(g), "tracked tokens at " + p);
            for (String t : fieldNames(w)) {
                for (int li = 0; li < r.numLayers(); li++) {
                    assertEquals(w.get(t).get(li).asDouble(), g.get(t).get(li).asDouble(), 1.01e-5, t + " at " + li);
                }
            }
        }
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    @Test
    void exportedSvgHasALegend() throws IOException {
        LensResult r = result("six", "france");
        int last = r.numPositions() - 1;
        open("six", "france", null);
        Path file = browser.downloads.resolve("six-france-chart.svg");
        Files.deleteIfExists(file);
        browser.driver.findElement(By.id("lens-svg")).click();
        waitFor("the SVG is saved", () -> Files.exists(file));
        String svg = Files.readString(file);
        String name = Tokens.display(r.vocab().get(r.finalTop1()[last])) + " after " + Tokens.display(r.input()[last]);
        String xml = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        assertTrue(svg.contains(">" + xml + "</text>"), "legend text for " + name + " in " + svg);
        assertTrue(svg.contains("class=\"legend\""), svg);
    }

    @Test
    void aLayerHeadersEdgeFollowsThePointer() {
        open("six", "france", null);
        String edge = "return document.querySelectorAll('.lens-grid thead th')[3].getBoundingClientRect().right";
        double before = ((Number) browser.js(edge)).doubleValue();
        @SuppressWarnings("unchecked")
        List<Number> at = (List<Number>) browser.js("const r = document.querySelectorAll('.lens-grid thead th')[3]"
                + ".querySelector('.rz').getBoundingClientRect(); return [Math.round(r.left + 3), Math.round(r.top + r.height / 2)]");
        new Actions(browser.driver).moveToLocation(at.get(0).intValue(), at.get(1).intValue()).clickAndHold()
                .moveByOffset(10, 0).moveByOffset(10, 0).release().perform();
        waitFor("the grid is rebuilt", () -> ((Number) browser.js(edge)).doubleValue() != before);
        double moved = ((Number) browser.js(edge)).doubleValue() - before;
        assertEquals(20, moved, 2.0, "the third header's edge moves with the pointer");
    }

    @Test
    void zeroWidthAndBidiCharactersAreSpelledOut() {
        LensResult r = result("six", "odd");
        open("six", "odd", null);
        List<String> inputs = browser.driver.findElements(By.cssSelector(".in-tok")).stream()
                .map(e -> e.getDomProperty("textContent")).toList();
        assertEquals(List.of("a\\u200b", "\u2423b\\u202ecd", "\u2423e"), inputs);
        String first = cell(0, 0).getDomProperty("textContent");
        assertEquals("x\\u202ey\\u200bz", first);
        String all = (String) browser.js("return document.querySelector('.lens-grid').textContent");
        assertFalse(all.contains("\u200b") || all.contains("\u202e"), "no raw invisible character left");
        // The server-side mapping matches: the prompt page lists the same input tokens.
        browser.open(out.resolve("prompts/odd.html"));
        String rows = (String) browser.js("return document.querySelector('.depth-map .rows').textContent");
        assertTrue(rows.contains("a\\u200b") && rows.contains("b\\u202ecd"), rows);
        assertEquals(Tokens.display(r.input()[0]), "a\\u200b");
    }

    @Test
    void popupOnAShortPromptLeavesTheChartVisible() {
        for (String model : List.of("six", "eighty")) {
            LensResult r = result(model, "hi");
            open(model, "hi", null);
            cell(r.numLayers() - 1, 1).click();
            List<Double> pop = rect(".lens-popup");
            List<Double> chart = rect(".lens-chart");
            boolean overlap = pop.get(0) < chart.get(2) && pop.get(2) > chart.get(0)
                    && pop.get(1) < chart.get(3) && pop.get(3) > chart.get(1);
            assertFalse(overlap, model + ": popup " + pop + " covers the chart " + chart);
            double pageTop = ((Number) browser.js("return document.querySelector('.lens-popup').getBoundingClientRect().top + scrollY")).doubleValue();
            assertTrue(pageTop >= 0, "popup inside the page");
        }
    }
}
