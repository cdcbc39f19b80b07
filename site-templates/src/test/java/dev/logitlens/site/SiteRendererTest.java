package dev.logitlens.site;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logitlens.core.lens.LensResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Attribute;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Renders fixture galleries and checks the pages with an HTML parser. */
class SiteRendererTest {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'none'";
    private static SiteModel site;
    private static Path out;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void render() throws IOException {
        site = Fixtures.small();
        out = TestFiles.render(site, "jsoup-site");
    }

    private static List<Path> pages(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.toString().endsWith(".html")).sorted().toList();
        }
    }

    private static Document parse(Path page) throws IOException {
        return Jsoup.parse(page.toFile(), "UTF-8");
    }

    @Test
    void writesEveryPageAndAsset() throws IOException {
        List<String> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(out)) {
            s.filter(Files::isRegularFile).filter(p -> !out.relativize(p).startsWith("data"))
                    .forEach(p -> files.add(out.relativize(p).toString().replace('\\', '/')));
        }
        files.sort(null);
        assertEquals(List.of(".nojekyll", "aggregates/aggregates.csv", "aggregates/aggregates.json", "assets/lens.css",
                "assets/lens.js", "assets/summary.js", "compare.html", "index.html", "models/deep.b.html",
                "models/tiny-a.html", "prompts/france.html", "prompts/lines.html", "prompts/xss.html",
                "runs/deep.b/france.html", "runs/deep.b/france.js", "runs/deep.b/lines.html", "runs/deep.b/xss.html",
                "runs/deep.b/xss.js", "runs/tiny-a/france.html", "runs/tiny-a/france.js", "runs/tiny-a/lines.html",
                "runs/tiny-a/lines.js", "runs/tiny-a/xss.html", "runs/tiny-a/xss.js", "summary.html"), files);
        // A run's data script holds the same escaped JSON as its page (the failed run has none).
        String js = Files.readString(out.resolve("runs/tiny-a/xss.js"));
        String embedded = parse(out.resolve("runs/tiny-a/xss.html")).selectFirst("#lens-data").data();
        assertEquals("(self.logitlensRuns = self.logitlensRuns || {})[\"tiny-a/xss\"] = " + embedded + ";\n", js);
        assertFalse(js.contains("<"), "nothing in the data can open a tag");
    }

    @Test
    void everyLinkIsRelativeAndResolvesToAFile() throws IOException {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path page : pages(out)) {
            Document doc = parse(page);
            for (Element e : doc.select("a[href], link[href], script[src]")) {
                String url = e.hasAttr("href") ? e.attr("href") : e.attr("src");
                assertFalse(url.startsWith("/") || url.contains(":"), "absolute link " + url + " in " + page);
                String path = url.replaceAll("#.*", "");
                if (path.isEmpty()) {
                    continue;
                }
                checked++;
                if (!Files.isRegularFile(page.getParent().resolve(path).normalize())) {
                    broken.add(out.relativize(page) + " -> " + url);
                }
            }
        }
        assertEquals(List.of(), broken);
        assertTrue(checked > 80, "checked " + checked + " links");
    }

    @Test
    void everyRunAppearsOnTheIndexFailedOnesWithTheirMessage() throws IOException {
        Document index = parse(out.resolve("index.html"));
        for (SiteRun run : site.runs()) {
            String href = "runs/" + run.modelId() + "/" + run.promptId() + ".html";
            Element link = index.selectFirst("td.run a[href=" + href + "]");
            assertNotNull(link, href);
            if (run.ok()) {
                assertEquals("run ok", link.parent().className());
                assertNotNull(link.selectFirst("svg.thumb path"), "thumbnail for " + href);
                LensResult r = run.result();
                String token = Tokens.display(r.vocab().get(r.finalTop1()[r.numPositions() - 1]));
                assertEquals(token, link.selectFirst(".tok").text());
            } else {
                assertEquals("run failed", link.parent().className());
                assertEquals(run.failureMessage(), link.selectFirst(".msg").text());
            }
        }
        assertEquals(site.runs().size(), index.select("td.run.ok, td.run.failed").size());
        // The failed run's own page says so, with the message.
        Document failed = parse(out.resolve("runs/deep.b/lines.html"));
        assertEquals("<b>CUDA</b> out of memory & more </script>", failed.selectFirst(".failed-box pre").text());
        assertTrue(failed.select("#lens-data").isEmpty());
    }

    @Test
    void hostileTextIsEscapedEverywhere() throws IOException {
        for (Path page : pages(out)) {
            String html = Files.readString(page, StandardCharsets.UTF_8);
            Document doc = Jsoup.parse(html);
            assertTrue(doc.select("img, b, iframe, object, embed").isEmpty(), "injected element in " + page);
            assertFalse(html.contains("<img"), page.toString());
            assertFalse(html.contains("<b>"), page.toString());
            for (Element e : doc.getAllElements()) {
                for (Attribute a : e.attributes()) {
                    assertFalse(a.getKey().startsWith("on"), a + " in " + page);
                    assertFalse(a.getKey().equals("style"), "style attribute (blocked by the CSP) in " + page);
                }
            }
            for (Element s : doc.select("script")) {
                assertTrue(s.hasAttr("src") || s.attr("type").equals("application/json"),
                        "inline script (blocked by the CSP) in " + page);
            }
            Element csp = doc.selectFirst("head > meta[http-equiv=Content-Security-Policy]");
            assertNotNull(csp, page.toString());
            assertEquals(CSP, csp.attr("content"));
        }
        Document prompt = parse(out.resolve("prompts/xss.html"));
        assertEquals(Fixtures.XSS, prompt.selectFirst("blockquote.prompt").wholeText());
        Document run = parse(out.resolve("runs/tiny-a/xss.html"));
        assertEquals(Fixtures.XSS, run.selectFirst("blockquote.prompt").wholeText());
        assertEquals("Deep <b>B</b>", run.selectFirst(".related a[href$=deep.b/xss.html]").text());
        Element data = run.selectFirst("script#lens-data");
        String text = data.data();
        for (String bad : List.of("</", "<!--", "\u2028", "\u2029", "<", ">", "&")) {
            assertFalse(text.contains(bad), bad);
        }
        JsonNode node = JSON.readTree(text);
        assertEquals("</script><img", node.get("input").get(0).asText());
        assertTrue(text.contains("\\u003c/script\\u003e"));
    }

    @Test
    void widgetDataMatchesTheResult() throws IOException {
        SiteRun run = site.runs().get(0);
        LensResult r = run.result();
        JsonNode d = JSON.readTree(parse(out.resolve("runs/tiny-a/france.html")).selectFirst("#lens-data").data());
        assertEquals(r.numLayers(), d.get("layers").size());
        assertEquals(r.k(), d.get("k").asInt());
        for (int li = 0; li < r.numLayers(); li++) {
            for (int p = 0; p < r.numPositions(); p++) {
                for (int j = 0; j < r.k(); j++) {
                    assertEquals(r.topk()[li][p][j], d.get("topk").get(li).get(p).get(j).asInt());
                }
                assertEquals(r.finalTop1Rank()[li][p], d.get("metrics").get("finalTop1Rank").get(li).get(p).asInt());
                assertEquals(r.entropy()[li][p], d.get("metrics").get("entropy").get(li).get(p).asDouble(), 0.0005 + 1e-6);
                assertEquals(r.klToFinal()[li][p], d.get("metrics").get("klToFinal").get(li).get(p).asDouble(), 0.0005 + 1e-6);
            }
        }
        int scale = d.get("probScale").asInt();
        for (int p = 0; p < r.numPositions(); p++) {
            assertEquals(r.settleLayerIndex(p), d.get("settle").get(p).asInt());
            assertEquals(r.finalTop1()[p], d.get("finalTop1").get(p).asInt());
            for (int j = 0; j < r.tracked()[p].length; j++) {
                assertEquals(r.tracked()[p][j], d.get("tracked").get(p).get(j).asInt());
                for (int li = 0; li < r.numLayers(); li++) {
                    assertEquals(r.probs()[p][li][j], d.get("probs").get(p).get(li).get(j).asDouble() / scale, 0.5 / scale + 1e-7);
                }
            }
        }
        for (Map.Entry<Integer, String> e : r.vocab().entrySet()) {
            assertEquals(e.getValue(), d.get("vocab").get(e.getKey().toString()).asText());
        }
    }

    @Test
    void widgetDataIsNoLargerThanV2() throws IOException {
        for (SiteModel s : List.of(site, Fixtures.gallery10x20())) {
            for (SiteRun run : s.runs()) {
                if (run.ok()) {
                    String ours = ScriptJson.escape(LensData.json(run.result(), run.modelId(), run.promptId()));
                    String v2 = V2.json(run.result(), run.modelId());
                    assertTrue(ours.getBytes(StandardCharsets.UTF_8).length <= v2.getBytes(StandardCharsets.UTF_8).length,
                            run.modelId() + "/" + run.promptId() + ": " + ours.length() + " > V2 " + v2.length());
                }
            }
        }
    }

    @Test
    void promptPageAlignsModelsByRelativeDepth() throws IOException {
        Document doc = parse(out.resolve("prompts/france.html"));
        List<Element> maps = doc.select(".model-col svg.map");
        assertEquals(2, maps.size());
        for (Element m : maps) {
            assertTrue(m.attr("viewBox").startsWith("0 0 1000 "), m.attr("viewBox"));
        }
        // Both models' curves end at relative depth 1.
        for (Element line : doc.select(".rel-chart polyline")) {
            String[] pts = line.attr("points").split(" ");
            assertTrue(pts[pts.length - 1].startsWith("1000.0,"), line.attr("points"));
        }
        // one curve per model, plus tiny-a's tuned lens (dashed)
        assertEquals(3, doc.select(".rel-chart polyline").size());
        assertEquals(1, doc.select(".rel-chart polyline.tuned").size());
        for (Element col : doc.select(".model-col")) {
            assertNotNull(col.selectFirst(".answer .tok"));
            assertTrue(col.selectFirst(".answer .settle").text().matches("layer \\d+ \\(depth [01]\\.\\d\\d\\)|never"));
        }
        // The prompt whose run failed on one model still lists that model, as failed.
        Document lines = parse(out.resolve("prompts/lines.html"));
        assertEquals(1, lines.select(".model-col .failed-box").size());
    }

    /** The summary draws the tuned lens dashed beside its model's logit lens, and its files hold those series. */
    @Test
    void summaryPlotsTheTunedLens() throws IOException {
        Document doc = parse(out.resolve("summary.html"));
        // e.g. entropy, KL and top-1 agreement of tag "all": one dashed line each for tiny-a's tuned lens
        for (String chart : List.of("entropy", "kl_to_final", "top1_is_final")) {
            assertEquals(1, doc.select("#chart-all-" + chart + " polyline.tuned").size(), chart);
            assertEquals(2, doc.select("#chart-all-" + chart + " polyline:not(.tuned)").size(), chart);
        }
        // The mean tuned-lens entropy per layer at the last position, computed here from the runs
        Map<Integer, List<Double>> byLayer = new TreeMap<>();
        for (SiteRun r : site.runs()) {
            if (r.ok() && r.tuned() != null && r.modelId().equals("tiny-a")) {
                LensResult t = r.tuned().result();
                for (int li = 0; li < t.numLayers(); li++) {
                    byLayer.computeIfAbsent(t.layers()[li], x -> new ArrayList<>())
                            .add((double) t.entropy()[li][t.numPositions() - 1]);
                }
            }
        }
        assertFalse(byLayer.isEmpty());
        Map<Integer, Double> written = new TreeMap<>();
        for (String line : Files.readAllLines(out.resolve("aggregates/aggregates.csv"))) {
            String[] f = line.split(",");
            if (f[0].equals("tiny-a") && f[1].equals("(all)") && f[2].equals("tuned:entropy")) {
                written.put(Integer.parseInt(f[3]), Double.parseDouble(f[5]));
            }
        }
        assertEquals(byLayer.keySet(), written.keySet());
        for (Map.Entry<Integer, List<Double>> e : byLayer.entrySet()) {
            double mean = e.getValue().stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            assertEquals(mean, written.get(e.getKey()), 1e-5, "layer " + e.getKey());
        }
        // no tuned series for the model without a tuned lens
        assertFalse(Files.readString(out.resolve("aggregates/aggregates.csv")).contains("tiny-b,(all),tuned:"));
    }

    @Test
    void runPageShowsProvenanceAndLinks() throws IOException {
        Document doc = parse(out.resolve("runs/deep.b/france.html"));
        Map<String, String> facts = new TreeMap<>();
        List<Element> dts = doc.select(".prov dt");
        for (Element dt : dts) {
            facts.put(dt.text(), dt.nextElementSibling().text());
        }
        assertEquals("hub:org/deep-b", facts.get("source"));
        assertEquals("0123456789abcdef0123456789abcdef01234567", facts.get("revision"));
        assertEquals("ab".repeat(32), facts.get("weights sha256"));
        assertEquals("float32", facts.get("dtype"));
        assertEquals("cpu", facts.get("device"));
        assertEquals("5", facts.get("top-k"));
        assertEquals("0\u201323", facts.get("layers"));
        assertEquals("0.1.0-test", facts.get("tool version"));
        assertEquals("../../data/deep.b/france.json", doc.selectFirst("a#lens-json").attr("href"));
        assertEquals(List.of("../../runs/tiny-a/france.html"),
                doc.select(".related div:first-child a").eachAttr("href"));
        assertEquals(List.of("../../runs/deep.b/xss.html", "../../runs/deep.b/lines.html"),
                doc.select(".related div:nth-child(2) a").eachAttr("href"));
        assertEquals(" (failed)", doc.select(".related div:nth-child(2) li").get(1).selectFirst(".fail").wholeText());
    }

    @Test
    void modelPageListsEveryPrompt() throws IOException {
        Document doc = parse(out.resolve("models/deep.b.html"));
        assertEquals(3, doc.select("table.runs tbody tr").size());
        assertEquals(1, doc.select("table.runs tbody tr.failed").size());
        assertEquals(2, doc.select("table.runs tbody tr.ok svg.thumb").size());
    }

    @Test
    void outputIsDeterministic() throws IOException {
        Path again = TestFiles.freshDir("jsoup-site-again");
        new SiteRenderer().render(Fixtures.small(), again);
        Fixtures.writeDataFiles(Fixtures.small(), again);
        List<Path> a;
        try (Stream<Path> s = Files.walk(out)) {
            a = s.filter(Files::isRegularFile).map(out::relativize).sorted().toList();
        }
        for (Path rel : a) {
            assertArrayEquals(Files.readAllBytes(out.resolve(rel)), Files.readAllBytes(again.resolve(rel)), rel.toString());
        }
        try (Stream<Path> s = Files.walk(again)) {
            assertEquals(a.size(), s.filter(Files::isRegularFile).count());
        }
    }

    @Test
    void rejectsUnsafeOrInconsistentInputWhenTheModelIsBuilt() {
        SiteModel ok = Fixtures.small();
        SiteRun first = ok.runs().get(0);
        String unsafe = " cannot be used as a file name: use 1 to 128 letters, digits, '.', '_' or '-', starting"
                + " with a letter or digit, without '..' or path separators";
        Map<String, Executable> bad = new LinkedHashMap<>();
        bad.put("id '../evil'" + unsafe,
                () -> new SiteModel("t", "v", List.of(new SiteModelInfo("../evil", "x", "")), ok.prompts(), List.of()));
        bad.put("id 'a/b'" + unsafe,
                () -> new SiteModel("t", "v", ok.models(), List.of(new SitePrompt("a/b", "x", List.of())), List.of()));
        bad.put("model id 'm' appears twice (ids are compared ignoring case, as file systems may): give each model"
                + " a distinct id", () -> new SiteModel("t", "v", List.of(new SiteModelInfo("M", "x", ""),
                new SiteModelInfo("m", "y", "")), ok.prompts(), List.of()));
        bad.put("run " + first.modelId() + "/" + first.promptId() + " appears twice: keep one",
                () -> new SiteModel("t", "v", ok.models(), ok.prompts(), List.of(first, first)));
        bad.put("run nope/france names a model or prompt that is not in the gallery: add it or drop the run",
                () -> new SiteModel("t", "v", ok.models(), ok.prompts(), List.of(SiteRun.failed("nope", "france", "x"))));
        bad.put("data path '../../outside.json' has an unsafe segment '..': use letters, digits, '.', '_' or '-'"
                + " separated by '/', without '..'", () -> new SiteModel("t", "v", ok.models(), ok.prompts(),
                List.of(SiteRun.ok(first.modelId(), first.promptId(), first.result(), first.provenance(),
                        "../../outside.json"))));
        bad.forEach((message, build) ->
                assertEquals(message, assertThrows(IllegalArgumentException.class, build).getMessage()));
        assertThrows(IllegalArgumentException.class, () -> new SiteRun("m", "p", true, null, null, null, null));
    }

    @Test
    void budgets() throws IOException {
        long js = Files.size(out.resolve("assets/lens.js"));
        long css = Files.size(out.resolve("assets/lens.css"));
        assertTrue(js + css < 60 * 1024, "widget JS + CSS " + (js + css) + " bytes");

        SiteModel big = Fixtures.gallery10x20();
        Path dir = TestFiles.freshDir("budget-site");
        long t0 = System.nanoTime();
        new SiteRenderer().render(big, dir);
        long renderMs = (System.nanoTime() - t0) / 1_000_000;
        t0 = System.nanoTime();
        new SiteRenderer().render(big, TestFiles.freshDir("budget-site-warm"));
        long warmMs = (System.nanoTime() - t0) / 1_000_000;
        long index = Files.size(dir.resolve("index.html"));
        assertTrue(index < 300 * 1024, "index " + index + " bytes for 10 x 20");

        long ours = 0;
        long v2 = 0;
        long maxRatioNum = 0;
        double maxRatio = 0;
        for (SiteRun run : big.runs()) {
            long o = ScriptJson.escape(LensData.json(run.result(), run.modelId(), run.promptId())).getBytes(StandardCharsets.UTF_8).length;
            long v = V2.json(run.result(), run.modelId()).getBytes(StandardCharsets.UTF_8).length;
            ours += o;
            v2 += v;
            if ((double) o / v > maxRatio) {
                maxRatio = (double) o / v;
                maxRatioNum = o;
            }
        }
        long runPage = Files.size(dir.resolve("runs/model-9/prompt-0.html"));
        long summary = Files.size(dir.resolve("summary.html"));
        assertTrue(summary < 1024 * 1024, "summary " + summary + " bytes for 10 x 20");
        String report = String.format(java.util.Locale.ROOT,
                "widget lens.js %d bytes, lens.css %d bytes, total %d bytes (budget 61440)%n"
                        + "index.html for 10 models x 20 prompts: %d bytes (budget 307200)%n"
                        + "embedded run data, 200 runs (12..48 layers, k=5): %d bytes vs compact V2 %d bytes (%.1f%%); worst run %.1f%% (%d bytes)%n"
                        + "run page model-9 (48 layers) x prompt-0: %d bytes%n"
                        + "summary.html for 10 models x 20 prompts: %d bytes (budget 1048576)%n"
                        + "render time for the 10 x 20 site (210 pages): first %d ms, second %d ms%n",
                js, css, js + css, index, ours, v2, 100.0 * ours / v2, 100 * maxRatio, maxRatioNum, runPage, summary, renderMs, warmMs);
        Files.writeString(Path.of("target", "site-budgets.txt"), report);
        System.out.print(report);
    }
}
