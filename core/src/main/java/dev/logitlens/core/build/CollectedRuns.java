package dev.logitlens.core.build;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.logitlens.core.UserInputException;
import dev.logitlens.core.checkpoint.Checkpoint;
import dev.logitlens.core.format.RunJson;
import dev.logitlens.core.gallery.Gallery;
import dev.logitlens.core.gallery.ModelEntry;
import dev.logitlens.core.gallery.Run;
import dev.logitlens.core.run.AnswerGroups;
import dev.logitlens.core.run.RunOutcome;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The directory a shard writes ({@code logitlens:collect -Dlogitlens.collectDirectory=DIR}) and a merge reads:
 * {@code collected.json} (the shard, the whole plan, each of its runs with the gallery values it was computed
 * for, its status) and {@code runs/<model>/<prompt>.json}, one run document each (see docs/data-format.md).
 */
public final class CollectedRuns {
    public static final String INDEX = "collected.json";
    static final int FORMAT = 1;
    private static final JsonFactory JSON = new JsonFactory();
    private static final ObjectMapper READER = new ObjectMapper();

    private CollectedRuns() {}

    /**
     * What decides a run's numbers on the gallery's side. A run collected with other values than the gallery
     * now has belongs to another gallery.
     *
     * @param source {@code path:<as written>} or {@code hub:<repo>@<revision as written>}
     * @param dtype  the dtype setting
     * @param k      top-k
     * @param layers the layer selection as written
     * @param prompt the prompt text
     * @param answers the answers the run measures ({@code expect}, {@code compare}, {@code match}), as the cache
     *                keys them; "" for none
     */
    record Inputs(String source, String dtype, int k, String layers, String prompt, String answers) {
        static Inputs of(Run run) {
            ModelEntry m = run.model();
            String source = m.repo() != null ? "hub:" + m.repo() + "@" + m.revision() : m.source();
            return new Inputs(source, run.settings().dtype(), run.settings().k(), run.settings().layers().toString(),
                    run.prompt().text(), AnswerGroups.cacheKey(run.prompt().answers()));
        }

        /** What differs from {@code now}, the gallery's values, e.g. {@code k is 3 there and 5 in the gallery}. */
        List<String> differences(Inputs now) {
            List<String> out = new ArrayList<>();
            diff(out, "the model source", source, now.source);
            diff(out, "dtype", dtype, now.dtype);
            diff(out, "k", Integer.toString(k), Integer.toString(now.k));
            diff(out, "layers", layers, now.layers);
            diff(out, "the prompt text", prompt, now.prompt);
            if (!answers.equals(now.answers)) {
                out.add("the answers it measures (expect, compare, match) changed since it was collected");
            }
            return out;
        }

        private static void diff(List<String> out, String what, String then, String now) {
            if (!then.equals(now)) {
                out.add(what + " was " + quote(then) + " when collected and is " + quote(now) + " in the gallery");
            }
        }
    }

    /** The tuned lens's data file of a run inside a collect directory. */
    static String tunedPath(Run run) {
        return "runs/" + run.model().id() + "/" + run.prompt().id() + ".tuned.json";
    }

    /** The data file of a run inside a collect directory. */
    static String dataPath(Run run) {
        return "runs/" + run.model().id() + "/" + run.prompt().id() + ".json";
    }

    // ---- writing ----

    /**
     * Writes {@code outcomes} (the runs of {@code shard}, in gallery order) to {@code dir}, replacing a previous
     * collect directory there. Written next to it first and moved into place, so a killed job leaves either the
     * previous directory or the new one.
     */
    static void write(Path dir, Gallery gallery, Shard shard, ShardPlan plan, List<RunOutcome> outcomes)
            throws IOException {
        Path out = dir.toAbsolutePath().normalize();
        checkReplaceable(out);
        Files.createDirectories(out.getParent());
        Path tmp = Files.createTempDirectory(out.getParent(), "." + out.getFileName() + ".tmp-");
        try {
            for (RunOutcome o : outcomes) {
                if (o.ok()) {
                    Path file = tmp.resolve(dataPath(o.run()));
                    Files.createDirectories(file.getParent());
                    Files.write(file, RunJson.write(o.result(), o.provenance()));
                    if (o.tuned() != null) {
                        Files.write(tmp.resolve(tunedPath(o.run())), RunJson.write(o.tuned().result(), o.provenance(),
                                RunJson.TUNED, o.tuned().klToLogitLens()));
                    }
                }
            }
            writeIndex(tmp.resolve(INDEX), gallery, shard, plan, outcomes);
            if (Files.exists(out)) {
                deleteTree(out);
            }
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteTree(tmp);
        }
    }

    private static void writeIndex(Path file, Gallery gallery, Shard shard, ShardPlan plan, List<RunOutcome> outcomes)
            throws IOException {
        DefaultPrettyPrinter pretty = new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n"));
        pretty.indentArraysWith(new DefaultIndenter("  ", "\n"));
        try (OutputStream os = Files.newOutputStream(file); JsonGenerator g = JSON.createGenerator(os)) {
            g.setPrettyPrinter(pretty);
            g.writeStartObject();
            g.writeNumberField("format", FORMAT);
            g.writeStringField("gallery", gallery.file().toString());
            g.writeStringField("shard", shard.toString());
            g.writeArrayFieldStart("plan");
            for (int i = 0; i < gallery.runs().size(); i++) {
                Run r = gallery.runs().get(i);
                g.writeStartObject();
                g.writeStringField("model", r.model().id());
                g.writeStringField("prompt", r.prompt().id());
                g.writeNumberField("shard", plan.shardOf().get(i));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("runs");
            for (RunOutcome o : outcomes) {
                Inputs in = Inputs.of(o.run());
                g.writeStartObject();
                g.writeStringField("model", o.modelId());
                g.writeStringField("prompt", o.promptId());
                g.writeObjectFieldStart("inputs");
                g.writeStringField("source", in.source());
                g.writeStringField("dtype", in.dtype());
                g.writeNumberField("k", in.k());
                g.writeStringField("layers", in.layers());
                g.writeStringField("prompt", in.prompt());
                g.writeStringField("answers", in.answers());
                g.writeEndObject();
                g.writeStringField("status", o.ok() ? "ok" : "failed");
                if (o.ok()) {
                    g.writeStringField("data", dataPath(o.run()));
                    if (o.tuned() != null) {
                        g.writeStringField("tuned", tunedPath(o.run()));
                        g.writeStringField("tunedLens", o.tuned().lens());
                    }
                } else {
                    g.writeStringField("cause", cause(o));
                    if (o.sameErrorAs() != null) {
                        g.writeStringField("sameErrorAs", o.sameErrorAs().prompt().id());
                    }
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.flush();
            os.write('\n');
        }
    }

    /** The failure message without its {@code model '…' × prompt '…': } prefix (the merge adds it again). */
    private static String cause(RunOutcome o) {
        String prefix = "model '" + o.modelId() + "' × prompt '" + o.promptId() + "': ";
        return o.message().startsWith(prefix) ? o.message().substring(prefix.length()) : o.message();
    }

    private static void checkReplaceable(Path out) throws IOException {
        if (!Files.exists(out) || Files.isRegularFile(out.resolve(INDEX))) {
            return;
        }
        if (!Files.isDirectory(out)) {
            throw new UserInputException("collectDirectory " + out + " is a file; choose a folder for the runs");
        }
        try (Stream<Path> s = Files.list(out)) {
            if (s.findAny().isPresent()) {
                throw new UserInputException("collectDirectory " + out + " is not empty and holds no " + INDEX
                        + ", so it was not written by logitlens:collect and will not be replaced; choose an empty or"
                        + " new folder");
            }
        }
    }

    // ---- reading (merge) ----

    /**
     * The outcomes of every gallery run from the collect directories, in gallery order: ok runs from their
     * documents, failed runs with their shard's message, runs no directory holds as failed runs naming the
     * shard that was to compute them.
     *
     * @throws UserInputException when a directory is not a collect directory, was collected for another
     *                            gallery (the message gives each difference), or two directories hold the same run
     */
    static List<RunOutcome> read(Gallery gallery, List<Path> dirs) throws IOException {
        if (dirs.isEmpty()) {
            throw new UserInputException("no collect directories to merge: give the directories the collect jobs"
                    + " wrote, separated by commas");
        }
        List<Run> runs = gallery.runs();
        Map<String, Integer> indexOf = new HashMap<>();
        for (int i = 0; i < runs.size(); i++) {
            indexOf.put(key(runs.get(i).model().id(), runs.get(i).prompt().id()), i);
        }
        RunOutcome[] outcomes = new RunOutcome[runs.size()];
        String[] from = new String[runs.size()];
        int[] plannedShard = null;
        int count = 0;
        String planFrom = null;
        List<String> refused = new ArrayList<>();
        for (Path dir : dirs) {
            Path index = dir.resolve(INDEX);
            JsonNode root;
            try {
                root = READER.readTree(Files.readAllBytes(index));
            } catch (NoSuchFileException e) {
                throw new UserInputException(dir + ": holds no " + INDEX + ", so it is not a directory written by"
                        + " logitlens:collect (was the shard's artifact downloaded into another folder?)");
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new UserInputException(index + ": not valid JSON (" + e.getOriginalMessage() + ")");
            }
            Doc doc = new Doc(index, root);
            if (doc.integer(root, "format") != FORMAT) {
                throw doc.fail("format", "this logitlens reads format " + FORMAT + "; collect again with this version");
            }
            Shard shard;
            try {
                shard = Shard.parse(doc.text(root, "shard"));
            } catch (IllegalArgumentException e) {
                throw doc.fail("shard", e.getMessage());
            }
            int[] plan = plan(doc, root, runs);
            if (plannedShard == null) {
                plannedShard = plan;
                count = shard.count();
                planFrom = index.toString();
            } else if (shard.count() != count || !java.util.Arrays.equals(plan, plannedShard)) {
                throw new UserInputException(index + ": planned for " + shard.count() + " shards with another"
                        + " assignment than " + planFrom + " (" + count + " shards): the directories come from"
                        + " different collections. Merge the directories of one collection.");
            }
            JsonNode list = doc.array(root, "runs");
            for (int j = 0; j < list.size(); j++) {
                JsonNode r = list.get(j);
                String at = "runs[" + j + "]";
                String model = doc.text(r, "model", at);
                String prompt = doc.text(r, "prompt", at);
                Integer i = indexOf.get(key(model, prompt));
                if (i == null) {
                    refused.add(index + ": model '" + model + "' × prompt '" + prompt + "' is not a run of the gallery");
                    continue;
                }
                Run run = runs.get(i);
                JsonNode in = doc.field(r, "inputs", at);
                Inputs then = new Inputs(doc.text(in, "source", at + ".inputs"), doc.text(in, "dtype", at + ".inputs"),
                        doc.integer(in, "k", at + ".inputs"), doc.text(in, "layers", at + ".inputs"),
                        doc.text(in, "prompt", at + ".inputs"), doc.text(in, "answers", at + ".inputs"));
                List<String> diffs = then.differences(Inputs.of(run));
                if (!diffs.isEmpty()) {
                    refused.add(index + ": model '" + model + "' × prompt '" + prompt + "': " + String.join("; ", diffs));
                    continue;
                }
                if (from[i] != null) {
                    throw new UserInputException(index + ": model '" + model + "' × prompt '" + prompt + "' is also in "
                            + from[i] + ". Give each collect directory once.");
                }
                from[i] = index.toString();
                String status = doc.text(r, "status", at);
                String lensThen = status.equals("ok") && r.has("tuned") ? doc.text(r, "tunedLens", at) : null;
                String lensNow = run.model().tunedLens() == null ? null : run.model().tunedLens().label();
                if (status.equals("ok") && !Objects.equals(lensThen, lensNow)) {
                    refused.add(index + ": model '" + model + "' × prompt '" + prompt + "': the tuned lens was "
                            + (lensThen == null ? "none" : quote(lensThen)) + " when collected and is "
                            + (lensNow == null ? "none" : quote(lensNow)) + " in the gallery");
                    continue;
                }
                if (status.equals("ok")) {
                    Path data = dir.resolve(doc.text(r, "data", at));
                    RunJson.Document d = RunJson.read(data);
                    if (!d.provenance().prompt().equals(run.prompt().text()) || d.provenance().k() != run.settings().k()) {
                        throw new UserInputException(data + ": holds the run of another prompt or k than " + index
                                + " says");
                    }
                    outcomes[i] = RunOutcome.read(run, d.result(), d.provenance());
                    if (r.has("tuned")) {
                        RunJson.Document t = RunJson.read(dir.resolve(doc.text(r, "tuned", at)));
                        outcomes[i] = outcomes[i].withTuned(new RunOutcome.Tuned(t.result(), t.klToLogitLens(),
                                doc.text(r, "tunedLens", at)));
                    }
                } else if (status.equals("failed")) {
                    String cause = doc.text(r, "cause", at) + " (in shard " + shard + ")";
                    Run first = r.has("sameErrorAs") ? runs.get(Objects.requireNonNullElse(
                            indexOf.get(key(model, doc.text(r, "sameErrorAs", at))), i)) : null;
                    outcomes[i] = RunOutcome.failedElsewhere(run, cause, first == run ? null : first);
                } else {
                    throw doc.fail(at + ".status", "expected ok or failed, found '" + status + "'");
                }
            }
        }
        checkWeights(gallery, outcomes, from, refused);
        if (!refused.isEmpty()) {
            throw new UserInputException("runs collected for a different gallery than " + gallery.file() + ":\n  "
                    + String.join("\n  ", refused) + "\nCollect again with this gallery, or merge with the gallery"
                    + " these runs were collected for.");
        }
        List<String> given = dirs.stream().map(Path::toString).toList();
        for (int i = 0; i < runs.size(); i++) {
            if (outcomes[i] == null) {
                outcomes[i] = RunOutcome.failed(runs.get(i), "not collected: shard " + plannedShard[i] + "/" + count
                        + " was to compute it, and none of the directories merged (" + String.join(", ", given)
                        + ") holds it. That shard failed before writing its directory, or its directory was not"
                        + " given.");
            }
        }
        return List.of(outcomes);
    }

    /**
     * The runs of one model must come from one set of weights (a branch can move on between two jobs), and where
     * the gallery's model directory is present here, from the weights it holds now (read from the headers only).
     */
    private static void checkWeights(Gallery gallery, RunOutcome[] outcomes, String[] from, List<String> refused) {
        Map<String, Integer> firstOk = new LinkedHashMap<>();
        for (int i = 0; i < outcomes.length; i++) {
            RunOutcome o = outcomes[i];
            if (o == null || !o.ok()) {
                continue;
            }
            Integer f = firstOk.putIfAbsent(o.modelId(), i);
            if (f != null && !weights(outcomes[f]).equals(weights(o))) {
                refused.add(from[i] + ": model '" + o.modelId() + "' × prompt '" + o.promptId() + "' was computed from"
                        + " other weights (" + weights(o) + ") than × prompt '" + outcomes[f].promptId() + "' in "
                        + from[f] + " (" + weights(outcomes[f]) + "); pin the revision to a commit and collect again");
            }
        }
        for (Map.Entry<String, Integer> e : firstOk.entrySet()) {
            ModelEntry m = outcomes[e.getValue()].run().model();
            if (m.isLocal() && Files.isDirectory(m.path())) {
                String now = Checkpoint.open(m.path()).weightsHash();
                String then = outcomes[e.getValue()].provenance().weightsHash();
                if (!now.equals(then)) {
                    refused.add(from[e.getValue()] + ": model '" + m.id() + "': the weights in " + m.pathAsWritten()
                            + " changed since its runs were collected (weights hash " + then + " then, " + now + " now)");
                }
            }
        }
    }

    private static String weights(RunOutcome o) {
        return (o.provenance().revision() == null ? "" : "commit " + o.provenance().revision() + ", ")
                + "weights hash " + o.provenance().weightsHash();
    }

    /** The plan a directory records, as a shard per gallery run; it must list exactly the gallery's runs. */
    private static int[] plan(Doc doc, JsonNode root, List<Run> runs) {
        JsonNode plan = doc.array(root, "plan");
        List<String> planned = new ArrayList<>();
        int[] shardOf = new int[plan.size()];
        for (int j = 0; j < plan.size(); j++) {
            JsonNode p = plan.get(j);
            planned.add(key(doc.text(p, "model", "plan[" + j + "]"), doc.text(p, "prompt", "plan[" + j + "]")));
            shardOf[j] = doc.integer(p, "shard", "plan[" + j + "]");
        }
        List<String> gallery = runs.stream().map(r -> key(r.model().id(), r.prompt().id())).toList();
        if (!planned.equals(gallery)) {
            List<String> added = gallery.stream().filter(k -> !planned.contains(k)).toList();
            List<String> removed = planned.stream().filter(k -> !gallery.contains(k)).toList();
            throw new UserInputException(doc.file() + ": collected for a different gallery: "
                    + (added.isEmpty() ? "" : "the gallery has runs it was not planned with (" + String.join(", ", added)
                    + ")" + (removed.isEmpty() ? "" : "; "))
                    + (removed.isEmpty() ? "" : "it was planned with runs the gallery no longer has ("
                    + String.join(", ", removed) + ")")
                    + (added.isEmpty() && removed.isEmpty() ? "the runs are in another order" : "")
                    + ". Collect again with this gallery.");
        }
        return shardOf;
    }

    private static String key(String model, String prompt) {
        return model + " × " + prompt;
    }

    private static String quote(String s) {
        return "'" + s + "'";
    }

    /** A collected.json with its path at hand, so every error names the file and the field. */
    private record Doc(Path file, JsonNode root) {
        JsonNode field(JsonNode parent, String name, String at) {
            JsonNode n = parent.get(name);
            if (n == null) {
                throw fail(at.isEmpty() ? name : at + "." + name, "missing");
            }
            return n;
        }

        String text(JsonNode parent, String name) {
            return text(parent, name, "");
        }

        String text(JsonNode parent, String name, String at) {
            JsonNode n = field(parent, name, at);
            if (!n.isTextual()) {
                throw fail(at.isEmpty() ? name : at + "." + name, "expected a string");
            }
            return n.textValue();
        }

        int integer(JsonNode parent, String name) {
            return integer(parent, name, "");
        }

        int integer(JsonNode parent, String name, String at) {
            JsonNode n = field(parent, name, at);
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                throw fail(at.isEmpty() ? name : at + "." + name, "expected a whole number");
            }
            return n.intValue();
        }

        JsonNode array(JsonNode parent, String name) {
            JsonNode n = field(parent, name, "");
            if (!n.isArray()) {
                throw fail(name, "expected an array");
            }
            return n;
        }

        UserInputException fail(String path, String problem) {
            return new UserInputException(file + ": " + path + ": " + problem);
        }
    }

    private static void deleteTree(Path root) throws IOException {
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
}
