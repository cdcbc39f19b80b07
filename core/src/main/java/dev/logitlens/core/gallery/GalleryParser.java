package dev.logitlens.core.gallery;

import com.fasterxml.jackson.core.JsonToken;
import dev.logitlens.core.gallery.YamlTree.Field;
import dev.logitlens.core.gallery.YamlTree.ListNode;
import dev.logitlens.core.gallery.YamlTree.MapNode;
import dev.logitlens.core.gallery.YamlTree.Node;
import dev.logitlens.core.gallery.YamlTree.Scalar;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads a gallery file (see {@code docs/gallery-reference.md}). Every problem is reported as a
 * {@link GalleryException} that names the file, line and column and says how to fix it.
 */
public final class GalleryParser {

    /** The system property that points at another gallery file. */
    public static final String CONFIG_PROPERTY = "logitlens.config";

    /** Title used when the gallery has none. */
    public static final String DEFAULT_TITLE = "Logit lens gallery";

    private static final Pattern REPO = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");

    private static final List<String> TOP_KEYS = List.of("title", "defaults", "models", "prompts", "runs");
    private static final List<String> SETTING_KEYS = List.of("k", "layers", "device", "dtype", "memory");
    private static final List<String> MODEL_KEYS =
            List.of("id", "label", "path", "repo", "revision", "tunedLens", "k", "layers", "device", "dtype", "memory",
                    "parameters", "import");
    private static final List<String> ANSWER_KEYS = List.of("expect", "compare", "match");
    private static final List<String> DEFAULTS_KEYS = List.of("k", "layers", "device", "dtype", "memory", "expect", "compare",
            "match");
    private static final List<String> PROMPT_KEYS = List.of("id", "text", "tags", "k", "layers", "expect", "compare",
            "match");
    private static final List<String> GROUP_KEYS = List.of("text", "match");
    /** Keys that mean something elsewhere but not on a prompt; they get a targeted message instead of a guess. */
    private static final List<String> MODEL_ONLY_SETTINGS = List.of("device", "dtype", "memory");
    private static final List<String> INCLUDE_FILE_KEYS = List.of("defaults", "prompts");
    private static final List<String> RUN_KEYS = List.of("model", "prompt");

    private static final String ID_RULE = Ids.RULE;

    private final Path galleryFile;
    /** Absolute paths of the files being read, outermost first, for include cycle detection. */
    private final Deque<Path> includeStack = new ArrayDeque<>();
    /** The same files as named in messages. */
    private final Deque<Path> includeNames = new ArrayDeque<>();
    /** Lower-cased prompt id to where it was first defined; ids become file names, some file systems fold case. */
    private final Map<String, Defined> promptIds = new HashMap<>();
    /** Answer defaults in force: the gallery's at the bottom, then one per include being read. */
    private final Deque<AnswerDefaults> answerDefaults = new ArrayDeque<>();

    private record Defined(String id, Location location) {
    }

    private GalleryParser(Path galleryFile) {
        this.galleryFile = galleryFile;
    }

    /** Parses a gallery with no command-line overrides. */
    public static Gallery parse(Path file) {
        return parse(file, Settings.EMPTY);
    }

    /**
     * Parses a gallery. Effective settings of each run are, highest first: {@code cliOverrides}, the prompt, the
     * model, the gallery's {@code defaults}, {@link Settings#BUILT_IN}.
     *
     * @param file the gallery file; relative paths stay relative in messages
     * @param cliOverrides settings from the command line; null or {@link Settings#EMPTY} for none
     * @throws GalleryException for any problem in the file or the files it includes
     */
    public static Gallery parse(Path file, Settings cliOverrides) {
        return new GalleryParser(file).read(cliOverrides == null ? Settings.EMPTY : cliOverrides);
    }

    private Gallery read(Settings cli) {
        if (!Files.exists(galleryFile)) {
            throw new GalleryException(Location.of(galleryFile), "gallery file not found (looked for "
                    + galleryFile.toAbsolutePath().normalize() + "). Create it, or point at another gallery file "
                    + "with -D" + CONFIG_PROPERTY + "=path/to/gallery.yaml.");
        }
        if (Files.isDirectory(galleryFile)) {
            throw new GalleryException(Location.of(galleryFile), "this is a directory, not a gallery file. Point at "
                    + "the YAML file itself, e.g. -D" + CONFIG_PROPERTY + "=path/to/logitlens.yaml.");
        }
        MapNode root = expectMap(YamlTree.read(galleryFile), "a gallery file",
                "Start it with title:, models: and prompts: (see the gallery reference).");
        checkKeys(root, TOP_KEYS, "at the top level");

        Field titleField = root.field("title");
        String title = titleField == null ? DEFAULT_TITLE : text(titleField, "the title");

        Field defaultsField = root.field("defaults");
        Settings defaults = Settings.EMPTY;
        AnswerDefaults answers = AnswerDefaults.NONE;
        if (defaultsField != null) {
            MapNode map = expectMap(defaultsField.value(), "defaults",
                    "Write it as a mapping, e.g. defaults: { k: 5, layers: all }.");
            checkKeys(map, DEFAULTS_KEYS, "in defaults");
            defaults = settings(map);
            answers = answerDefaults(map, "defaults");
        }
        answerDefaults.push(answers);

        List<ModelEntry> models = models(required(root, "models",
                "Add a list of models, e.g. models: [{id: gpt2, path: ../models/gpt2}]."));
        List<PromptEntry> prompts = prompts(required(root, "prompts",
                "Add a list of prompts, e.g. prompts: [{id: france, text: The capital of France is}]."));
        List<Run> runs = runs(root.field("runs"), models, prompts, defaults, cli);
        return new Gallery(galleryFile, title, models, prompts, runs);
    }

    // ---- models ----

    private List<ModelEntry> models(Field field) {
        ListNode list = expectList(field.value(), "models",
                "Write one entry per model, e.g. - {id: gpt2, path: ../models/gpt2}.");
        if (list.items().isEmpty()) {
            throw new GalleryException(list.location(), "models is empty. Add at least one model, e.g. "
                    + "- {id: gpt2, path: ../models/gpt2}.");
        }
        List<ModelEntry> models = new ArrayList<>();
        Map<String, Defined> ids = new HashMap<>();
        for (int i = 0; i < list.items().size(); i++) {
            MapNode m = expectMap(list.items().get(i), "a model entry",
                    "Write it as a mapping, e.g. - {id: gpt2, path: ../models/gpt2}.");
            String name = entryName("model", m, i);
            checkKeys(m, MODEL_KEYS, "in " + name);
            String id = id(m, name);
            checkUnique(ids, id, m.field("id").value().location(), "model");

            Field path = m.field("path");
            Field repo = m.field("repo");
            Field revision = m.field("revision");
            if (path != null && repo != null) {
                Field later = path.keyLocation().line() > repo.keyLocation().line() ? path : repo;
                throw new GalleryException(later.keyLocation(), name + " has both path and repo. Keep path for "
                        + "a local model directory or repo for a Hugging Face hub id, not both.");
            }
            Field imported = m.field("import");
            if (imported != null && (path != null || repo != null)) {
                Field other = path != null ? path : repo;
                Field later = imported.keyLocation().line() > other.keyLocation().line() ? imported : other;
                throw new GalleryException(later.keyLocation(), name + " has both import and " + other.key()
                        + ". Keep import for runs collected elsewhere (a folder of <prompt-id>.json documents) or "
                        + other.key() + " to compute them, not both.");
            }
            if (imported != null && revision != null) {
                throw new GalleryException(revision.keyLocation(), "revision only applies to repo, and " + name
                        + " uses import. Remove revision.");
            }
            if (path == null && repo == null && imported == null) {
                throw new GalleryException(m.location(), name + " has neither path nor repo. Add path: <a local "
                        + "Hugging Face model directory> or repo: <a hub id such as openai-community/gpt2>.");
            }
            if (path != null && revision != null) {
                throw new GalleryException(revision.keyLocation(), "revision only applies to repo, and " + name
                        + " uses path. Remove revision.");
            }
            String pathText = path == null ? null : text(path, "path in " + name);
            String repoText = repo == null ? null : text(repo, "repo in " + name);
            if (repoText != null && !REPO.matcher(repoText).matches()) {
                throw new GalleryException(repo.value().location(), "repo '" + repoText + "' in " + name
                        + " is not a hub repo id. Write it as owner/name, e.g. meta-llama/Llama-3.2-1B.");
            }
            String importText = imported == null ? null : text(imported, "import in " + name);
            Field label = m.field("label");
            models.add(new ModelEntry(id,
                    label == null ? null : text(label, "label in " + name),
                    pathText == null ? null : baseDir(galleryFile).resolve(pathText).normalize(),
                    pathText,
                    repoText,
                    revision == null ? null : text(revision, "revision in " + name),
                    settings(m),
                    m.location(),
                    parameters(m.field("parameters"), name),
                    tunedLens(m.field("tunedLens"), name),
                    importText == null ? null : baseDir(galleryFile).resolve(importText).normalize(),
                    importText));
        }
        return models;
    }

    /** {@code parameters: 7B} (also {@code 0.5B}, {@code 160M}, {@code 1.2e9}, {@code 124000000}); null when absent. */
    private Long parameters(Field field, String name) {
        if (field == null) {
            return null;
        }
        String written = text(field, "parameters in " + name);
        Long count = ParameterCount.parse(written);
        if (count == null) {
            throw new GalleryException(field.value().location(), "parameters '" + written + "' in " + name
                    + " is not a parameter count. Write it as e.g. 7B, 0.5B, 160M or 124000000.");
        }
        return count;
    }

    private static final List<String> LENS_KEYS = List.of("path", "repo", "type", "revision");

    /** {@code tunedLens: {path: lenses/mine}} or {@code {repo: owner/name, type: space, path: lens/gpt2}}. */
    private TunedLensSpec tunedLens(Field field, String model) {
        if (field == null) {
            return null;
        }
        String where = "tunedLens of " + model;
        MapNode m = expectMap(field.value(), where, "Write tunedLens: {path: <a lens folder>} or tunedLens:"
                + " {repo: AlignmentResearch/tuned-lens, type: space, path: lens/gpt2}.");
        checkKeys(m, LENS_KEYS, "in " + where);
        Field path = m.field("path");
        Field repo = m.field("repo");
        Field type = m.field("type");
        Field revision = m.field("revision");
        if (repo == null) {
            for (Field hubOnly : new Field[] {type, revision}) {
                if (hubOnly != null) {
                    throw new GalleryException(hubOnly.keyLocation(), hubOnly.key() + " only applies to a lens in a"
                            + " hub repo, and " + where + " has no repo. Add repo: or remove " + hubOnly.key() + ".");
                }
            }
            if (path == null) {
                throw new GalleryException(m.location(), where + " has neither path nor repo. Add path: <a folder"
                        + " with config.json and params.pt>, or repo: and path: of a lens on the hub.");
            }
            String p = text(path, "path in " + where);
            return new TunedLensSpec(baseDir(galleryFile).resolve(p).normalize(), p, null, null, null,
                    field.keyLocation());
        }
        String r = text(repo, "repo in " + where);
        if (!REPO.matcher(r).matches()) {
            throw new GalleryException(repo.value().location(), "repo '" + r + "' in " + where
                    + " is not a hub repo id. Write it as owner/name, e.g. AlignmentResearch/tuned-lens.");
        }
        String t = type == null ? "model" : text(type, "type in " + where);
        if (!t.equals("model") && !t.equals("space")) {
            throw new GalleryException(type.value().location(), "type '" + t + "' in " + where
                    + " is not a hub repo type. Write type: space (where tuned-lens publishes its lenses) or"
                    + " type: model.");
        }
        String p = path == null ? "" : text(path, "path in " + where).replaceAll("^/+|/+$", "");
        if (p.contains("..") || p.contains("\\")) {
            throw new GalleryException(path.value().location(), "path '" + p + "' in " + where
                    + " must be a folder inside the repo, e.g. lens/gpt2 (no '..').");
        }
        return new TunedLensSpec(null, p, r, t, revision == null ? "main" : text(revision, "revision in " + where),
                field.keyLocation());
    }

    // ---- prompts and includes ----

    private List<PromptEntry> prompts(Field field) {
        ListNode list = expectList(field.value(), "prompts",
                "Write one entry per prompt, e.g. - {id: france, text: The capital of France is}.");
        List<PromptEntry> prompts = new ArrayList<>();
        includeStack.push(galleryFile.toAbsolutePath().normalize());
        includeNames.push(galleryFile);
        promptList(list, galleryFile, prompts);
        if (prompts.isEmpty()) {
            throw new GalleryException(list.location(), "prompts is empty. Add at least one prompt, e.g. "
                    + "- {id: france, text: The capital of France is}.");
        }
        return prompts;
    }

    private void promptList(ListNode list, Path file, List<PromptEntry> out) {
        for (int i = 0; i < list.items().size(); i++) {
            MapNode m = expectMap(list.items().get(i), "a prompt entry",
                    "Write it as a mapping, e.g. - {id: france, text: The capital of France is}, or "
                            + "- include: other-prompts.yaml.");
            Field include = m.field("include");
            if (include != null) {
                include(m, include, file, out);
            } else {
                out.add(prompt(m, i));
            }
        }
    }

    private PromptEntry prompt(MapNode m, int index) {
        String name = entryName("prompt", m, index);
        for (String key : MODEL_ONLY_SETTINGS) {
            Field f = m.field(key);
            if (f != null) {
                throw new GalleryException(f.keyLocation(), key + " cannot be set on " + name + ": it applies "
                        + "to loading a whole model. Set it on the model or in defaults.");
            }
        }
        checkKeys(m, PROMPT_KEYS, "in " + name);
        String id = id(m, name);
        checkUnique(promptIds, id, m.field("id").value().location(), "prompt");

        Field textField = m.field("text");
        if (textField == null) {
            throw new GalleryException(m.location(), name + " has no text. Add text: <the prompt>.");
        }
        String text = text(textField, "text of " + name);
        if (text.isBlank()) {
            throw new GalleryException(textField.value().location(), "text of " + name + " is only whitespace:"
                    + " the model would see no words. Write the prompt, or remove the entry.");
        }

        List<String> tags = new ArrayList<>();
        Field tagsField = m.field("tags");
        if (tagsField != null) {
            ListNode tagList = expectList(tagsField.value(), "tags of " + name,
                    "Write a list of strings, e.g. tags: [facts, geography].");
            for (Node tag : tagList.items()) {
                if (!(tag instanceof Scalar s) || s.isNull() || s.text().isBlank()) {
                    throw new GalleryException(tag.location(), "tags of " + name + " must be a list of strings, "
                            + "and this item is " + describe(tag) + ". Write a list such as tags: [facts].");
                }
                if (s.text().trim().equals(PromptEntry.ALL_TAG)) {
                    throw new GalleryException(tag.location(), "tags of " + name + ": '" + PromptEntry.ALL_TAG
                            + "' names the summary's series over every run of a model, so no tag may be called"
                            + " that. Rename the tag, e.g. tags: [all-prompts].");
                }
                tags.add(s.text());
            }
        }
        return new PromptEntry(id, text, tags, settings(m), m.location(), answers(m, name));
    }

    // ---- answers: expect, compare, match ----

    /** A group as written: continuations and match are null when left to the prompt or to the defaults. */
    private record Declared(List<String> continuations, Answers.Match match, Location location) {
        Declared over(Declared outer) {
            return outer == null ? this : new Declared(continuations != null ? continuations : outer.continuations,
                    match != null ? match : outer.match, continuations != null ? location : outer.location);
        }
    }

    /** The answer keys of one defaults mapping. */
    private record AnswerDefaults(Declared expect, Map<String, Declared> compare, Answers.Match match) {
        static final AnswerDefaults NONE = new AnswerDefaults(null, Map.of(), null);
    }

    private static AnswerDefaults answerDefaults(MapNode m, String where) {
        return new AnswerDefaults(m.field("expect") == null ? null : group(m.field("expect"), "expect in " + where),
                compare(m.field("compare"), where), match(m.field("match"), "match in " + where));
    }

    /** The prompt's answers with the defaults in force merged in: the prompt's own values win. */
    private Answers answers(MapNode m, String name) {
        List<AnswerDefaults> outerFirst = new ArrayList<>(answerDefaults);
        Collections.reverse(outerFirst);
        Answers.Match match = match(m.field("match"), "match of " + name);
        Declared expect = m.field("expect") == null ? null : group(m.field("expect"), "expect of " + name);
        Map<String, Declared> compare = new LinkedHashMap<>();
        Declared inheritedExpect = null;
        for (AnswerDefaults d : outerFirst) {
            if (d.expect() != null) {
                inheritedExpect = d.expect().over(inheritedExpect);
            }
            d.compare().forEach((g, decl) -> compare.merge(g, decl, (outer, inner) -> inner.over(outer)));
        }
        if (match == null) {
            for (AnswerDefaults d : answerDefaults) { // innermost first
                if (d.match() != null) {
                    match = d.match();
                    break;
                }
            }
        }
        Answers.Match fallback = match == null ? Answers.Match.FIRST_TOKEN : match;
        compare(m.field("compare"), name).forEach((g, decl) ->
                compare.merge(g, decl, (outer, inner) -> inner.over(outer)));
        expect = expect != null ? expect.over(inheritedExpect) : inheritedExpect;
        Answers.Group expectGroup = expect == null ? null : complete(expect, "expect", name, m, fallback);
        Map<String, Answers.Group> groups = new LinkedHashMap<>();
        compare.forEach((g, decl) -> groups.put(g, complete(decl, "compare group '" + g + "'", name, m, fallback)));
        return expectGroup == null && groups.isEmpty() ? Answers.NONE : new Answers(expectGroup, groups);
    }

    private static Answers.Group complete(Declared d, String what, String name, MapNode prompt, Answers.Match fallback) {
        if (d.continuations() == null) {
            throw new GalleryException(prompt.location(), name + " gives no text for " + what + ", which the "
                    + "defaults at " + d.location() + " ask every prompt for. Add it to the prompt, e.g. "
                    + (what.equals("expect") ? "expect: \" Paris\"" : "compare: {" + what.replaceAll(".*'(.*)'", "$1")
                    + ": \" Paris\"}") + ".");
        }
        return new Answers.Group(d.continuations(), d.match() != null ? d.match() : fallback, d.location());
    }

    private static Map<String, Declared> compare(Field f, String where) {
        if (f == null) {
            return Map.of();
        }
        MapNode map = expectMap(f.value(), "compare in " + where, "Write named groups, e.g. compare: {english: "
                + "\" flower\", french: [\" fleur\", \" fleurs\"]}.");
        if (map.fields().isEmpty()) {
            throw new GalleryException(map.location(), "compare in " + where + " is empty. Name at least one group, "
                    + "e.g. compare: {english: \" flower\"}, or remove the key.");
        }
        Map<String, Declared> out = new LinkedHashMap<>();
        for (Field g : map.fields().values()) {
            String group = g.key();
            if (!Ids.isValid(group)) {
                throw new GalleryException(g.keyLocation(), "compare group name '" + group + "' is not allowed: "
                        + "group names become column values and keys. " + ID_RULE);
            }
            if (group.equals(dev.logitlens.core.lens.Answer.EXPECT)) {
                throw new GalleryException(g.keyLocation(), "a compare group cannot be called '" + dev.logitlens.core.lens.Answer.EXPECT
                        + "': that name is the expected answer's. Use the expect key, or another name.");
            }
            out.put(group, group(g, "compare group '" + group + "' in " + where));
        }
        return out;
    }

    /** A group's value: a string, a list of strings, or {text: ..., match: ...} (text may be left to prompts). */
    private static Declared group(Field f, String what) {
        Node v = f.value();
        if (v instanceof MapNode m) {
            checkKeys(m, GROUP_KEYS, "in " + what);
            Field text = m.field("text");
            return new Declared(text == null ? null : continuations(text.value(), what),
                    match(m.field("match"), "match in " + what), text == null ? m.location() : text.value().location());
        }
        return new Declared(continuations(v, what), null, v.location());
    }

    private static List<String> continuations(Node v, String what) {
        String fix = "Write the continuation in quotes, with its leading space, e.g. \" Paris\", or a list such as "
                + "[\" Paris\", \" paris\"].";
        List<Node> items;
        if (v instanceof ListNode list) {
            if (list.items().isEmpty()) {
                throw new GalleryException(list.location(), what + " is an empty list. " + fix);
            }
            items = list.items();
        } else {
            items = List.of(v);
        }
        List<String> out = new ArrayList<>();
        for (Node item : items) {
            if (!(item instanceof Scalar s) || s.isNull()) {
                throw new GalleryException(item.location(), what + " must be text or a list of texts, and this is "
                        + describe(item) + ". " + fix);
            }
            if (s.text().isEmpty()) {
                throw new GalleryException(item.location(), what + " holds an empty continuation. " + fix);
            }
            if (out.contains(s.text())) {
                throw new GalleryException(item.location(), what + " lists '" + s.text() + "' twice. Remove one.");
            }
            out.add(s.text());
        }
        return out;
    }

    private static Answers.Match match(Field f, String what) {
        if (f == null) {
            return null;
        }
        String value = text(f, what);
        for (Answers.Match m : Answers.Match.values()) {
            if (m.yaml().equals(value)) {
                return m;
            }
        }
        throw new GalleryException(f.value().location(), what + ": '" + value + "' is not a match mode. "
                + DidYouMean.hint(value, Answers.Match.names(), "Allowed values"));
    }

    private void include(MapNode entry, Field include, Path including, List<PromptEntry> out) {
        for (Field other : entry.fields().values()) {
            if (other != include) {
                throw new GalleryException(other.keyLocation(), "an include entry takes only the include key, "
                        + "not '" + other.key() + "'. Put the prompt in an entry of its own.");
            }
        }
        String written = text(include, "include");
        Location where = include.value().location();
        Path resolved = baseDir(including).resolve(written).normalize();
        Path key = resolved.toAbsolutePath().normalize();
        if (includeStack.contains(key)) {
            List<Path> chain = new ArrayList<>(includeNames);
            Collections.reverse(chain);
            chain.add(resolved);
            throw new GalleryException(where, "include cycle: " + chain.stream().map(Path::toString)
                    .collect(Collectors.joining(" -> ")) + ". Remove one of these includes.");
        }
        if (!Files.exists(resolved)) {
            throw new GalleryException(where, "include file not found: " + resolved + ". Includes are resolved "
                    + "against the directory of the file that contains them (" + including + "); check the path.");
        }
        if (Files.isDirectory(resolved)) {
            throw new GalleryException(where, "include " + resolved + " is a directory. Name a YAML file of "
                    + "prompts.");
        }
        includeStack.push(key);
        includeNames.push(resolved);
        try {
            Node root = YamlTree.read(resolved);
            ListNode list;
            AnswerDefaults setDefaults = AnswerDefaults.NONE;
            if (root instanceof MapNode map) {
                checkKeys(map, INCLUDE_FILE_KEYS, "in an included prompts file");
                list = expectList(required(map, "prompts", "Write the file as a list of prompts, or as "
                        + "prompts: [...].").value(), "prompts", "Write one entry per prompt.");
                Field setField = map.field("defaults");
                if (setField != null) {
                    MapNode d = expectMap(setField.value(), "defaults of a prompts file",
                            "Write it as a mapping, e.g. defaults: { match: prefix }.");
                    checkKeys(d, ANSWER_KEYS, "in the defaults of a prompts file (only answer keys apply here)");
                    setDefaults = answerDefaults(d, "defaults of " + resolved);
                }
            } else {
                list = expectList(root, "an included prompts file", "Write the file as a list of prompts, or "
                        + "as a mapping with prompts: [...].");
            }
            answerDefaults.push(setDefaults);
            try {
                promptList(list, resolved, out);
            } finally {
                answerDefaults.pop();
            }
        } finally {
            includeStack.pop();
            includeNames.pop();
        }
    }

    // ---- runs ----

    private List<Run> runs(Field field, List<ModelEntry> models, List<PromptEntry> prompts, Settings defaults,
            Settings cli) {
        List<Run> runs = new ArrayList<>();
        if (field == null || (field.value() instanceof Scalar s && s.text().equals("all") && !s.isNull())) {
            for (ModelEntry m : models) {
                for (PromptEntry p : prompts) {
                    runs.add(run(m, p, defaults, cli));
                }
            }
            return runs;
        }
        if (field.value() instanceof Scalar s) {
            String fix = DidYouMean.closest(s.text(), List.of("all")).map(x -> "Did you mean 'all'?")
                    .orElse("Use all, or a list of {model: <id>, prompt: <id>} pairs.");
            throw new GalleryException(s.location(), "runs: " + describe(s) + " is not valid. " + fix);
        }
        ListNode list = expectList(field.value(), "runs", "Use all, or a list of {model: <id>, prompt: <id>} "
                + "pairs.");
        if (list.items().isEmpty()) {
            throw new GalleryException(list.location(), "runs is an empty list. Use runs: all, or list "
                    + "{model: <id>, prompt: <id>} pairs.");
        }
        Map<String, ModelEntry> modelsById = new LinkedHashMap<>();
        models.forEach(m -> modelsById.put(m.id(), m));
        Map<String, PromptEntry> promptsById = new LinkedHashMap<>();
        prompts.forEach(p -> promptsById.put(p.id(), p));
        Map<List<String>, Location> seen = new HashMap<>();
        for (int i = 0; i < list.items().size(); i++) {
            String name = "runs entry #" + (i + 1);
            MapNode m = expectMap(list.items().get(i), name, "Write it as {model: <id>, prompt: <id>}.");
            checkKeys(m, RUN_KEYS, "in " + name);
            ModelEntry model = reference(m, "model", name, modelsById, "Known models");
            PromptEntry prompt = reference(m, "prompt", name, promptsById, "Known prompts");
            Location first = seen.putIfAbsent(List.of(model.id(), prompt.id()), m.location());
            if (first != null) {
                throw new GalleryException(m.location(), "duplicate run: model '" + model.id() + "' with prompt '"
                        + prompt.id() + "' is already listed at " + first + ". Remove one of them.");
            }
            runs.add(run(model, prompt, defaults, cli));
        }
        return runs;
    }

    private <T> T reference(MapNode m, String key, String name, Map<String, T> known, String listIntro) {
        String id = text(required(m, key, "Add " + key + ": <id>."), key + " in " + name);
        T found = known.get(id);
        if (found == null) {
            throw new GalleryException(m.field(key).value().location(), "unknown " + key + " '" + id + "' in "
                    + name + ". " + DidYouMean.hint(id, known.keySet(), listIntro));
        }
        return found;
    }

    private static Run run(ModelEntry model, PromptEntry prompt, Settings defaults, Settings cli) {
        return new Run(model, prompt,
                Settings.merge(cli, prompt.settings(), model.settings(), defaults, Settings.BUILT_IN));
    }

    // ---- settings ----

    /** Reads whichever of k, layers, device and dtype the map has; the caller has already checked the keys. */
    private static Settings settings(MapNode m) {
        Field kField = m.field("k");
        Field layersField = m.field("layers");
        Field deviceField = m.field("device");
        Field dtypeField = m.field("dtype");
        Field memoryField = m.field("memory");
        Integer k = kField == null ? null : k(kField.value());
        LayerSpec layers = layersField == null ? null : layers(layersField.value());
        String device = deviceField == null ? null : text(deviceField, "device");
        String dtype = dtypeField == null ? null : text(dtypeField, "dtype");
        String memory = memoryField == null ? null : text(memoryField, "memory");
        if (device != null) {
            located(deviceField.value().location(), () -> {
                Settings.checkDevice(device);
                return null;
            });
        }
        if (dtype != null) {
            located(dtypeField.value().location(), () -> {
                Settings.checkDtype(dtype);
                return null;
            });
        }
        if (memory != null) {
            located(memoryField.value().location(), () -> {
                Settings.checkMemory(memory);
                return null;
            });
        }
        return new Settings(k, layers, device, dtype, memory);
    }

    private static Integer k(Node node) {
        if (node instanceof Scalar s && s.token() == JsonToken.VALUE_STRING
                && s.text().strip().matches("-?\\d+")) {
            throw new GalleryException(node.location(), "k: '" + s.text() + "' is quoted, so it is text, not a "
                    + "number. Remove the quotes.");
        }
        if (!(node instanceof Scalar s) || !s.isInteger()) {
            throw new GalleryException(node.location(), Settings.notWholeNumber(describeValue(node)));
        }
        if (s.number() instanceof BigInteger) {
            throw new GalleryException(node.location(), Settings.outOfRange(s.text()));
        }
        long value = s.number().longValue();
        located(node.location(), () -> {
            Settings.checkK(value);
            return null;
        });
        return (int) value;
    }

    private static LayerSpec layers(Node node) {
        LayerSpec spec;
        if (node instanceof ListNode list) {
            if (list.items().isEmpty()) {
                throw new GalleryException(list.location(), "layers: the list is empty. " + LayerSpec.FORMS);
            }
            List<Integer> indices = new ArrayList<>();
            for (Node item : list.items()) {
                indices.add(layerIndex(item));
                int dup = LayerSpec.firstDuplicate(indices);
                if (dup >= 0) {
                    throw new GalleryException(item.location(), LayerSpec.duplicateMessage(indices.get(dup)));
                }
            }
            spec = LayerSpec.of(indices);
        } else if (node instanceof Scalar s && s.isInteger()) {
            spec = LayerSpec.of(layerIndex(s));
        } else if (node instanceof Scalar s && !s.isNull()) {
            spec = located(s.location(), () -> LayerSpec.parse(s.text()));
        } else {
            throw new GalleryException(node.location(), "layers: " + describe(node) + " is not a layer "
                    + "selection. " + LayerSpec.FORMS);
        }
        return spec.at(node.location());
    }

    private static int layerIndex(Node item) {
        if (item instanceof Scalar s && s.isInteger() && !(s.number() instanceof BigInteger)
                && s.number().longValue() == s.number().intValue()) {
            return s.number().intValue();
        }
        throw new GalleryException(item.location(), "layers: " + describe(item) + " is not a layer index. "
                + "Use whole numbers such as [0, 5, -1].");
    }

    // ---- shared helpers ----

    /** Turns a value check's IllegalArgumentException into an error at {@code where}. */
    private static <T> T located(Location where, Supplier<T> check) {
        try {
            return check.get();
        } catch (IllegalArgumentException e) {
            throw new GalleryException(where, e.getMessage());
        }
    }

    private static void checkKeys(MapNode m, List<String> allowed, String where) {
        for (Field f : m.fields().values()) {
            if (!allowed.contains(f.key())) {
                throw new GalleryException(f.keyLocation(), "unknown key '" + f.key() + "' " + where + ". "
                        + DidYouMean.hint(f.key(), allowed, "Allowed keys"));
            }
        }
    }

    private static Field required(MapNode m, String key, String fix) {
        Field f = m.field(key);
        if (f == null) {
            throw new GalleryException(m.location(), "missing '" + key + "'. " + fix);
        }
        return f;
    }

    /** The id of an entry, checked against the id rules. */
    private static String id(MapNode m, String name) {
        Field f = m.field("id");
        if (f == null) {
            throw new GalleryException(m.location(), name + " has no id. Add id: <name>. " + ID_RULE);
        }
        String id = text(f, "id of " + name);
        if (!Ids.isValid(id)) {
            String kind = name.substring(0, name.indexOf(' '));
            throw new GalleryException(f.value().location(), kind + " id '" + id + "' is not allowed: ids are "
                    + "used in file names and URLs. " + ID_RULE);
        }
        return id;
    }

    private static void checkUnique(Map<String, Defined> seen, String id, Location where, String kind) {
        Defined earlier = seen.putIfAbsent(id.toLowerCase(Locale.ROOT), new Defined(id, where));
        if (earlier == null) {
            return;
        }
        if (earlier.id().equals(id)) {
            throw new GalleryException(where, "duplicate " + kind + " id '" + id + "'; it is already used at "
                    + earlier.location() + ". Rename one of them.");
        }
        throw new GalleryException(where, kind + " id '" + id + "' differs only in case from '" + earlier.id()
                + "' at " + earlier.location() + ", and ids become file names on file systems that may ignore "
                + "case. Rename one of them.");
    }

    /** "model 'llama'" when the entry has a usable id, else "model #2", for messages about the entry. */
    private static String entryName(String kind, MapNode m, int index) {
        Field id = m.field("id");
        if (id != null && id.value() instanceof Scalar s && !s.isNull() && Ids.isValid(s.text())) {
            return kind + " '" + s.text() + "'";
        }
        return kind + " #" + (index + 1);
    }

    /** A scalar's text exactly as written; lists, mappings and empty values are errors. */
    private static String text(Field f, String what) {
        Node v = f.value();
        if (v instanceof Scalar s && !s.isNull()) {
            if (s.text().isEmpty()) {
                throw new GalleryException(v.location(), what + " is empty. Write a value or remove the key.");
            }
            return s.text();
        }
        if (v instanceof Scalar) {
            throw new GalleryException(f.keyLocation(), what + " has no value. Write a value or remove the key.");
        }
        throw new GalleryException(v.location(), what + " must be a single value, not " + describe(v)
                + ". Write it on one line, e.g. " + f.key() + ": value.");
    }

    private static MapNode expectMap(Node node, String what, String fix) {
        if (node instanceof MapNode m) {
            return m;
        }
        throw new GalleryException(node.location(), what + " must be a mapping of keys to values, not "
                + describe(node) + ". " + fix);
    }

    private static ListNode expectList(Node node, String what, String fix) {
        if (node instanceof ListNode l) {
            return l;
        }
        throw new GalleryException(node.location(), what + " must be a list, not " + describe(node) + ". " + fix);
    }

    private static String describe(Node node) {
        if (node instanceof MapNode) {
            return "a mapping";
        }
        if (node instanceof ListNode) {
            return "a list";
        }
        Scalar s = (Scalar) node;
        return s.isNull() ? "empty" : "'" + s.text() + "'";
    }

    private static String describeValue(Node node) {
        return node instanceof Scalar s && !s.isNull() ? s.text() : describe(node);
    }

    /** Directory against which relative paths in {@code file} resolve; "" for a bare file name. */
    private static Path baseDir(Path file) {
        Path parent = file.getParent();
        return parent == null ? Path.of("") : parent;
    }
}
