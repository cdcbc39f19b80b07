package dev.logitlens.site;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import dev.logitlens.core.ToolVersion;
import dev.logitlens.core.UserInputException;
import dev.logitlens.core.format.RunJson;
import dev.logitlens.core.gallery.Gallery;
import dev.logitlens.core.gallery.ModelEntry;
import dev.logitlens.core.gallery.PromptEntry;
import dev.logitlens.core.run.RunOutcome;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Builds the whole site (pages, {@code manifest.json}, one data file per run) in a temporary folder next to
 * the output folder and swaps it into place only when it is complete: the previous site is moved aside, the
 * new one moved in, the old one deleted. A build that fails or is killed therefore never leaves a
 * half-written site where the previous one was.
 *
 * <p>Bytes depend only on the inputs: runs in gallery order, no clock unless an output timestamp is given.
 */
public final class SiteBuilder {
    public static final String MANIFEST = "manifest.json";
    private static final String TMP = ".logitlens-tmp-";
    private static final String OLD = ".logitlens-old-";
    private static final JsonFactory JSON = new JsonFactory();

    private final String toolVersion;
    private final String outputTimestamp;
    private final SiteRenderer renderer = new SiteRenderer();

    /**
     * @param outputTimestamp Maven's {@code project.build.outputTimestamp} (ISO-8601 or seconds since the epoch),
     *                        written to the manifest; null or a single character (Maven's "not set") for none
     */
    public SiteBuilder(String outputTimestamp) {
        this(ToolVersion.get(), outputTimestamp);
    }

    SiteBuilder(String toolVersion, String outputTimestamp) {
        this.toolVersion = toolVersion;
        this.outputTimestamp = normalizeTimestamp(outputTimestamp);
    }

    /** The data file of a run, relative to the site root. */
    public static String dataPath(String modelId, String promptId) {
        return "data/" + SafeIds.check(modelId) + "/" + SafeIds.check(promptId) + ".json";
    }

    /** The tuned lens's data file of a run, relative to the site root. */
    public static String tunedDataPath(String modelId, String promptId) {
        return "data/" + SafeIds.check(modelId) + "/" + SafeIds.check(promptId) + ".tuned.json";
    }

    /**
     * Builds the site of {@code gallery} from its run outcomes into {@code outputDir}.
     *
     * @throws IOException              when the site cannot be written; the previous site is left as it was
     * @throws UserInputException when {@code outputDir} holds something that is not a logitlens site
     */
    public void build(Gallery gallery, List<RunOutcome> outcomes, Path outputDir) throws IOException {
        Path out = outputDir.toAbsolutePath().normalize();
        Path parent = out.getParent();
        if (parent == null) {
            throw new UserInputException("outputDirectory " + outputDir + " is a file system root; choose a"
                    + " folder of its own, e.g. target/logitlens-site");
        }
        checkReplaceable(out);
        Files.createDirectories(parent);
        recoverLeftovers(out);

        Path tmp = Files.createTempDirectory(parent, "." + out.getFileName() + TMP);
        try {
            write(gallery, outcomes, tmp);
            swap(tmp, out);
        } finally {
            deleteTree(tmp); // gone after a successful swap; the partial site after a failure
        }
    }

    private void write(Gallery gallery, List<RunOutcome> outcomes, Path dir) throws IOException {
        List<SiteRun> runs = new ArrayList<>();
        for (RunOutcome o : outcomes) {
            if (o.ok()) {
                String path = dataPath(o.modelId(), o.promptId());
                Path file = dir.resolve(path);
                Files.createDirectories(file.getParent());
                Files.write(file, RunJson.write(o.result(), o.provenance()));
                SiteRun run = SiteRun.ok(o.modelId(), o.promptId(), o.result(), o.provenance(), path);
                if (o.tuned() != null) {
                    String tunedPath = tunedDataPath(o.modelId(), o.promptId());
                    Files.write(dir.resolve(tunedPath), RunJson.write(o.tuned().result(), o.provenance(),
                            RunJson.TUNED, o.tuned().klToLogitLens()));
                    run = run.withTuned(new SiteRun.Tuned(o.tuned().result(), o.tuned().klToLogitLens(), tunedPath));
                }
                runs.add(run);
            } else {
                runs.add(SiteRun.failed(o.modelId(), o.promptId(), o.message()));
            }
        }
        List<SiteModelInfo> models = new ArrayList<>();
        for (ModelEntry m : gallery.models()) {
            models.add(new SiteModelInfo(m.id(), m.label(), m.source()));
        }
        List<SitePrompt> prompts = new ArrayList<>();
        for (PromptEntry p : gallery.prompts()) {
            prompts.add(new SitePrompt(p.id(), p.text(), p.tags()));
        }
        renderer.render(new SiteModel(gallery.title(), toolVersion, models, prompts, runs), dir);
        writeManifest(gallery.title(), outcomes, dir.resolve(MANIFEST));
    }

    private void writeManifest(String title, List<RunOutcome> outcomes, Path file) throws IOException {
        DefaultPrettyPrinter pretty = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("  ", "\n")); // "\n" on every OS: same bytes everywhere
        pretty.indentArraysWith(new DefaultIndenter("  ", "\n"));
        try (OutputStream os = Files.newOutputStream(file); JsonGenerator g = JSON.createGenerator(os)) {
            g.setPrettyPrinter(pretty);
            g.writeStartObject();
            g.writeStringField("title", title);
            g.writeStringField("toolVersion", toolVersion);
            if (outputTimestamp != null) {
                g.writeStringField("outputTimestamp", outputTimestamp);
            }
            g.writeArrayFieldStart("runs");
            for (RunOutcome o : outcomes) {
                g.writeStartObject();
                g.writeStringField("model", o.modelId());
                g.writeStringField("prompt", o.promptId());
                g.writeStringField("status", o.ok() ? "ok" : "failed");
                if (o.ok()) {
                    g.writeStringField("data", dataPath(o.modelId(), o.promptId()));
                    if (o.tuned() != null) {
                        g.writeStringField("tuned", tunedDataPath(o.modelId(), o.promptId()));
                    }
                } else {
                    g.writeStringField("message", o.message());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("aggregates"); // the summary page's series (SiteRenderer writes them)
            g.writeStringField("page", Summary.PAGE);
            g.writeStringField("csv", Summary.CSV);
            g.writeStringField("json", Summary.JSON);
            g.writeEndObject();
            g.writeEndObject();
            g.flush();
            os.write('\n');
        }
    }

    /** Refuses to replace a folder that is not ours, so a wrong outputDirectory can never delete user files. */
    private static void checkReplaceable(Path out) throws IOException {
        if (!Files.exists(out)) {
            return;
        }
        if (!Files.isDirectory(out)) {
            throw new UserInputException("outputDirectory " + out + " is a file; choose a folder for the site");
        }
        if (Files.isRegularFile(out.resolve(MANIFEST))) {
            return;
        }
        try (Stream<Path> s = Files.list(out)) {
            if (s.findAny().isPresent()) {
                throw new UserInputException("outputDirectory " + out + " is not empty and holds no "
                        + MANIFEST + ", so it is not a logitlens site and will not be replaced; choose an empty or"
                        + " new folder (the default is target/logitlens-site)");
            }
        }
    }

    /**
     * Cleans up after a build killed mid-way: partial new sites are deleted; a previous site that was moved
     * aside but not yet replaced is moved back.
     */
    private static void recoverLeftovers(Path out) throws IOException {
        String name = "." + out.getFileName();
        List<Path> temps = new ArrayList<>();
        List<Path> olds = new ArrayList<>();
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(out.getParent(), name + ".logitlens-*")) {
            for (Path p : siblings) {
                String n = p.getFileName().toString();
                if (n.startsWith(name + TMP)) {
                    temps.add(p);
                } else if (n.startsWith(name + OLD)) {
                    olds.add(p);
                }
            }
        }
        for (Path t : temps) {
            deleteTree(t);
        }
        olds.sort(Comparator.naturalOrder());
        for (Path o : olds) {
            if (!Files.exists(out)) {
                Files.move(o, out, StandardCopyOption.ATOMIC_MOVE);
            } else {
                deleteTree(o);
            }
        }
    }

    /** Two renames; between them a reader sees no site for an instant, never a partial one. */
    private static void swap(Path fresh, Path out) throws IOException {
        Path old = null;
        if (Files.exists(out)) {
            old = Files.createTempDirectory(out.getParent(), "." + out.getFileName() + OLD);
            Files.delete(old); // only the unique name is wanted
            Files.move(out, old, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(fresh, out, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (old != null) {
                Files.move(old, out, StandardCopyOption.ATOMIC_MOVE);
            }
            throw e;
        }
        if (old != null) {
            deleteTree(old);
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Maven's outputTimestamp as an ISO instant; null when unset (Maven treats one character as unset). */
    static String normalizeTimestamp(String value) {
        if (value == null || value.strip().length() < 2) {
            return null;
        }
        String v = value.strip();
        try {
            if (v.chars().allMatch(Character::isDigit)) {
                return Instant.ofEpochSecond(Long.parseLong(v)).toString();
            }
            return OffsetDateTime.parse(v).toInstant().toString();
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new UserInputException("project.build.outputTimestamp '" + value + "' is neither an ISO-8601"
                    + " date-time with offset (2024-01-01T00:00:00Z) nor seconds since the epoch");
        }
    }
}
