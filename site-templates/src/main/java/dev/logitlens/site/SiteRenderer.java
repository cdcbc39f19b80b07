package dev.logitlens.site;

import dev.logitlens.core.format.V2Document;
import dev.logitlens.core.aggregate.AggregateFiles;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.Provenance;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.thymeleaf.TemplateEngine;
import org.thymeleaf.context.Context;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;

/**
 * Renders the static site from a {@link SiteModel}. Output depends only on the input (no clocks, no hash
 * ordering), so the same gallery gives byte-identical files. Every link is relative, so the site works
 * from {@code file://} and under any path on any host.
 */
public final class SiteRenderer {
    /** Thumbnail resolution on the index and model pages: bounds the index size (see site.md). */
    static final int THUMB_ROWS = 6;
    static final int THUMB_COLS = 12;
    static final String[] ASSETS = {"lens.css", "lens.js", "summary.js"};
    private static final String RES = "dev/logitlens/site/";
    /** Classes s0..s7 in lens.css: one stroke colour per model on the prompt page. */
    static final int SERIES_COLOURS = 8;

    private final TemplateEngine engine;

    public SiteRenderer() {
        ClassLoaderTemplateResolver resolver = new ClassLoaderTemplateResolver(SiteRenderer.class.getClassLoader());
        resolver.setPrefix(RES + "templates/");
        resolver.setSuffix(".html");
        resolver.setTemplateMode(TemplateMode.HTML);
        resolver.setCharacterEncoding("UTF-8");
        resolver.setCacheable(true);
        engine = new TemplateEngine();
        engine.setTemplateResolver(resolver);
    }

    /**
     * Writes index.html, models/, prompts/, runs/, assets/ and .nojekyll into {@code outDir}. The caller
     * writes manifest.json and the data files named by {@link SiteRun#dataPath()}. The model was checked
     * when it was built (see {@link SiteModel}), so nothing here validates again.
     */
    public void render(SiteModel site, Path outDir) throws IOException {
        Index ix = new Index(site);
        writeAssets(outDir);
        writeIndex(site, ix, outDir);
        for (SiteModelInfo m : site.models()) {
            writeModel(site, ix, m, outDir);
        }
        for (SitePrompt p : site.prompts()) {
            writePrompt(site, ix, p, outDir);
        }
        for (SiteModelInfo m : site.models()) {
            for (SitePrompt p : site.prompts()) {
                SiteRun run = ix.run(m.id(), p.id());
                if (run != null) {
                    writeRun(site, ix, m, p, run, outDir);
                }
            }
        }
        writeSummary(site, ix, outDir);
        writeCompare(site, ix, outDir);
    }

    /**
     * compare.html: two runs chosen on the page, stacked. It opens on the first run and the same prompt on
     * another model (else the same model on another prompt).
     */
    private void writeCompare(SiteModel site, Index ix, Path outDir) throws IOException {
        Context c = base(site, "");
        c.setVariable("pageTitle", "Compare two runs \u00b7 " + site.title());
        List<Views.CompareOption> options = new ArrayList<>();
        for (SitePrompt p : site.prompts()) {
            for (SiteModelInfo m : site.models()) {
                SiteRun run = ix.run(m.id(), p.id());
                if (run != null && run.ok()) {
                    options.add(new Views.CompareOption(m.id() + "/" + p.id(), m.label() + " \u00b7 " + shorten(p.text(), 60)));
                }
            }
        }
        String first = options.isEmpty() ? "" : options.get(0).key();
        String second = first;
        String[] f = first.split("/", 2);
        for (Views.CompareOption o : options) {
            String[] k = o.key().split("/", 2);
            if (f.length == 2 && k[1].equals(f[1]) && !k[0].equals(f[0])) {
                second = o.key();
                break;
            }
            if (second.equals(first) && f.length == 2 && k[0].equals(f[0]) && !k[1].equals(f[1])) {
                second = o.key();
            }
        }
        c.setVariable("options", options);
        c.setVariable("first", first);
        c.setVariable("second", second);
        write(outDir.resolve("compare.html"), "compare", c);
    }

    private static void writeAssets(Path outDir) throws IOException {
        Files.createDirectories(outDir.resolve("assets"));
        for (String asset : ASSETS) {
            String text = Compact.text(new String(asset(asset), StandardCharsets.UTF_8));
            Files.write(outDir.resolve("assets").resolve(asset), text.getBytes(StandardCharsets.UTF_8));
        }
        Files.write(outDir.resolve(".nojekyll"), new byte[0]); // GitHub Pages: serve files as they are
    }

    /** index.html: every model × prompt. */
    private void writeIndex(SiteModel site, Index ix, Path outDir) throws IOException {
        Context c = base(site, "");
        c.setVariable("pageTitle", site.title());
        c.setVariable("models", ix.modelLinks);
        c.setVariable("tags", ix.tags());
        List<Views.PromptRow> rows = new ArrayList<>();
        for (SitePrompt p : site.prompts()) {
            List<Views.RunCell> cells = new ArrayList<>();
            for (SiteModelInfo m : site.models()) {
                cells.add(ix.cell(m, p));
            }
            rows.add(new Views.PromptRow(ix.promptLinks.get(p.id()), cells));
        }
        c.setVariable("rows", rows);
        c.setVariable("runCount", site.runs().size());
        c.setVariable("failedCount", site.runs().stream().filter(r -> !r.ok()).count());
        c.setVariable("summaryHref", Summary.PAGE);
        write(outDir.resolve("index.html"), "index", c);
    }

    /** summary.html and the aggregate downloads it plots. */
    private void writeSummary(SiteModel site, Index ix, Path outDir) throws IOException {
        Summary summary = new Summary(site, ix.promptLinks);
        Files.createDirectories(outDir.resolve(Summary.CSV).getParent());
        Files.write(outDir.resolve(Summary.CSV), AggregateFiles.csv(summary.series));
        Files.write(outDir.resolve(Summary.JSON), AggregateFiles.json(summary.series));
        Context c = base(site, "");
        c.setVariable("pageTitle", "Summary · " + site.title());
        c.setVariable("models", ix.modelLinks);
        List<Views.Series> legend = new ArrayList<>();
        for (int i = 0; i < site.models().size(); i++) {
            legend.add(new Views.Series("s" + (i % SERIES_COLOURS), site.models().get(i).label(), ""));
        }
        c.setVariable("legend", legend);
        c.setVariable("csvHref", Summary.CSV);
        c.setVariable("jsonHref", Summary.JSON);
        c.setVariable("anyExpect", summary.anyExpect);
        c.setVariable("depthRows", summary.depthRows);
        c.setVariable("tagCharts", summary.tags);
        write(outDir.resolve(Summary.PAGE), "summary", c);
    }

    /** models/&lt;id&gt;.html: one model on every prompt. */
    private void writeModel(SiteModel site, Index ix, SiteModelInfo m, Path outDir) throws IOException {
        Context mc = base(site, "../");
        mc.setVariable("pageTitle", m.label() + " · " + site.title());
        mc.setVariable("model", ix.modelLinks.get(site.models().indexOf(m)));
        List<Views.PromptRow> prow = new ArrayList<>();
        for (SitePrompt p : site.prompts()) {
            prow.add(new Views.PromptRow(ix.promptLinks.get(p.id()), List.of(ix.cell(m, p))));
        }
        mc.setVariable("rows", prow);
        write(outDir.resolve("models").resolve(m.id() + ".html"), "model", mc);
    }

    /** prompts/&lt;id&gt;.html: every model on one prompt, lined up by relative depth. */
    private void writePrompt(SiteModel site, Index ix, SitePrompt p, Path outDir) throws IOException {
        Context pc = base(site, "../");
        pc.setVariable("pageTitle", shorten(p.text(), 60) + " · " + site.title());
        pc.setVariable("prompt", ix.promptLinks.get(p.id()));
        List<Views.DepthColumn> columns = new ArrayList<>();
        List<Views.Series> series = new ArrayList<>();
        for (int i = 0; i < site.models().size(); i++) {
            SiteModelInfo m = site.models().get(i);
            Views.RunCell cell = ix.cell(m, p);
            SiteRun run = ix.run(m.id(), p.id());
            String cls = "s" + (i % SERIES_COLOURS);
            if (cell.ok()) {
                LensResult r = run.result();
                List<String> toks = new ArrayList<>();
                for (String t : r.input()) {
                    toks.add(Tokens.display(t));
                }
                columns.add(new Views.DepthColumn(ix.modelLinks.get(i), cell, toks, Heatmap.byDepth(r),
                        18 * r.numPositions(), cls));
                series.add(new Views.Series(cls, m.label(), depthPoints(r)));
                if (run.tuned() != null) { // the tuned lens of the same run, dashed in the model's colour
                    series.add(new Views.Series(cls + " tuned", m.label() + " (tuned lens)",
                            depthPoints(run.tuned().result())));
                }
            } else {
                columns.add(new Views.DepthColumn(ix.modelLinks.get(i), cell, List.of(), null, 0, cls));
            }
        }
        pc.setVariable("columns", columns);
        pc.setVariable("series", series);
        write(outDir.resolve("prompts").resolve(p.id() + ".html"), "prompt", pc);
    }

    /** runs/&lt;model&gt;/&lt;prompt&gt;.html: the lens widget of one run. */
    private void writeRun(SiteModel site, Index ix, SiteModelInfo m, SitePrompt p, SiteRun run, Path outDir)
            throws IOException {
        Context c = base(site, "../../");
        c.setVariable("pageTitle", m.label() + " · " + shorten(p.text(), 50) + " · " + site.title());
        c.setVariable("model", ix.modelLinks.get(site.models().indexOf(m)));
        c.setVariable("prompt", ix.promptLinks.get(p.id()));
        c.setVariable("run", run);
        c.setVariable("cell", ix.cell(m, p));
        if (run.ok()) {
            // Pre-escaped for a script element (ScriptJson), so it is written unescaped by th:utext.
            String json = ScriptJson.escape(LensData.json(run.result(), m.id(), p.id()));
            c.setVariable("dataJson", json);
            // The same data as a script beside the page, for the prompt page and the compare view, which
            // cannot read files from file:// but may load scripts.
            Path js = outDir.resolve("runs").resolve(m.id()).resolve(p.id() + ".js");
            Files.createDirectories(js.getParent());
            Files.writeString(js, "(self.logitlensRuns = self.logitlensRuns || {})[\"" + m.id() + "/" + p.id() + "\"] = "
                    + json + ";\n", StandardCharsets.UTF_8);
            c.setVariable("dataHref", run.dataPath());
            c.setVariable("tunedJson", run.tuned() == null ? null : ScriptJson.escape(LensData.json(
                    run.tuned().result(), m.id(), p.id(), "tuned", run.tuned().klToLogitLens())));
            c.setVariable("tunedHref", run.tuned() == null ? null : run.tuned().dataPath());
            c.setVariable("facts", facts(run.provenance(), m));
            c.setVariable("answerLines", RunAnswers.lines(run.result()));
            c.setVariable("answerCharts", RunAnswers.charts(run.result()));
            // A V2 document has strings only: no entropy, KL or real ranks to colour by (docs/shards.md).
            c.setVariable("stringsOnly", V2Document.lacksMetrics(run.result()));
        }
        List<Views.Link> sameModel = new ArrayList<>();
        for (SitePrompt other : site.prompts()) {
            if (!other.id().equals(p.id()) && ix.run(m.id(), other.id()) != null) {
                sameModel.add(new Views.Link(runHref(m.id(), other.id()), other.text(),
                        ix.run(m.id(), other.id()).ok()));
            }
        }
        List<Views.Link> samePrompt = new ArrayList<>();
        for (SiteModelInfo other : site.models()) {
            if (!other.id().equals(m.id()) && ix.run(other.id(), p.id()) != null) {
                samePrompt.add(new Views.Link(runHref(other.id(), p.id()), other.label(),
                        ix.run(other.id(), p.id()).ok()));
            }
        }
        c.setVariable("sameModel", sameModel);
        c.setVariable("samePrompt", samePrompt);
        write(outDir.resolve("runs").resolve(m.id()).resolve(p.id() + ".html"), "run", c);
    }

    private static List<Views.Fact> facts(Provenance pv, SiteModelInfo m) {
        List<Views.Fact> f = new ArrayList<>();
        f.add(new Views.Fact("model id", pv.modelId()));
        f.add(new Views.Fact("source", pv.source() != null ? pv.source() : m.source()));
        f.add(new Views.Fact("revision", pv.revision() != null ? pv.revision() : "(local directory)"));
        f.add(new Views.Fact("weights sha256", pv.weightsHash() != null ? pv.weightsHash() : "(unknown)"));
        f.add(new Views.Fact("dtype", pv.dtype()));
        f.add(new Views.Fact("device", pv.device()));
        f.add(new Views.Fact("top-k", Integer.toString(pv.k())));
        f.add(new Views.Fact("layers", ranges(pv.layers())));
        f.add(new Views.Fact("tool version", pv.toolVersion()));
        return f;
    }

    /** "0–11" or "0–3, 8, 10–11": short and exact. */
    static String ranges(List<Integer> xs) {
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (i < xs.size()) {
            int j = i;
            while (j + 1 < xs.size() && xs.get(j + 1) == xs.get(j) + 1) {
                j++;
            }
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(xs.get(i));
            if (j > i) {
                b.append('\u2013').append(xs.get(j));
            }
            i = j + 1;
        }
        return b.toString();
    }

    /** Polyline points (x 0..1000 by relative depth, y 0..200 by probability) of P(final answer) at the last position. */
    private static String depthPoints(LensResult r) {
        int last = r.numPositions() - 1;
        StringBuilder b = new StringBuilder();
        for (int li = 0; li < r.numLayers(); li++) {
            double x = 1000 * Heatmap.relativeDepth(r, li);
            double y = 200 * (1 - LensData.scaledProb(r.finalTop1Prob()[li][last]) / (double) LensData.PROB_SCALE);
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
        }
        return b.toString();
    }

    static String runHref(String modelId, String promptId) {
        return "runs/" + modelId + "/" + promptId + ".html";
    }

    private Context base(SiteModel site, String root) {
        Context c = new Context(Locale.ROOT);
        c.setVariable("root", root);
        c.setVariable("site", site);
        return c;
    }

    private void write(Path file, String template, Context c) throws IOException {
        Files.createDirectories(file.getParent());
        // getBytes replaces unpaired surrogates instead of failing: tokens may hold broken byte sequences.
        Files.write(file, engine.process(template, c).getBytes(StandardCharsets.UTF_8));
    }

    static byte[] asset(String name) throws IOException {
        try (InputStream in = SiteRenderer.class.getClassLoader().getResourceAsStream(RES + "assets/" + name)) {
            if (in == null) {
                throw new IOException("asset " + name + " is missing from the classpath (" + RES + "assets/)");
            }
            return in.readAllBytes();
        }
    }

    private static String shorten(String s, int max) {
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() <= max ? one : one.substring(0, max - 1) + "\u2026";
    }

    static String percent(float p) {
        double v = LensData.scaledProb(p) / (double) LensData.PROB_SCALE * 100;
        return String.format(Locale.ROOT, v < 0.1 && v > 0 ? "%.3f%%" : "%.1f%%", v);
    }

    /** Lookups shared by all pages. */
    private static final class Index {
        final SiteModel site;
        final Map<String, SiteRun> runs = new HashMap<>();
        final List<Views.ModelLink> modelLinks = new ArrayList<>();
        final Map<String, Views.PromptLink> promptLinks = new LinkedHashMap<>();

        Index(SiteModel site) {
            this.site = site;
            for (SiteModelInfo m : site.models()) {
                modelLinks.add(new Views.ModelLink(m.id(), m.label(), m.source(), "models/" + m.id() + ".html"));
            }
            for (SitePrompt p : site.prompts()) {
                promptLinks.put(p.id(), new Views.PromptLink(p.id(), p.text(), p.tags(), "prompts/" + p.id() + ".html"));
            }
            for (SiteRun r : site.runs()) {
                runs.put(r.modelId() + "/" + r.promptId(), r);
            }
        }

        SiteRun run(String modelId, String promptId) {
            return runs.get(modelId + "/" + promptId);
        }

        List<String> tags() {
            Set<String> t = new TreeSet<>();
            site.prompts().forEach(p -> t.addAll(p.tags()));
            return List.copyOf(t);
        }

        Views.RunCell cell(SiteModelInfo m, SitePrompt p) {
            SiteRun run = run(m.id(), p.id());
            String href = runHref(m.id(), p.id());
            if (run == null) {
                return new Views.RunCell(m.id(), p.id(), "missing", null, null, null, null, null, null,
                        m.label() + ": not run on this prompt");
            }
            if (!run.ok()) {
                return new Views.RunCell(m.id(), p.id(), "failed", href, run.failureMessage(), null, null, null,
                        null, m.label() + " failed: " + run.failureMessage());
            }
            LensResult r = run.result();
            int last = r.numPositions() - 1;
            int lastLayer = r.numLayers() - 1;
            String token = Tokens.display(r.vocab().getOrDefault(r.finalTop1()[last], "#" + r.finalTop1()[last]));
            String prob = percent(r.finalTop1Prob()[lastLayer][last]);
            int s = r.settleLayerIndex(last);
            String settle = s < 0 ? "never" : String.format(Locale.ROOT, "layer %d (depth %.2f)",
                    r.layers()[s], Heatmap.relativeDepth(r, s));
            return new Views.RunCell(m.id(), p.id(), "ok", href, null, token, prob, settle,
                    Heatmap.thumbnail(r, THUMB_ROWS, THUMB_COLS),
                    m.label() + ": next token " + token + " " + prob + ", settles at " + settle);
        }
    }
}
