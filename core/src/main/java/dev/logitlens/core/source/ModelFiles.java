package dev.logitlens.core.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.logitlens.core.checkpoint.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which files of a model repo the collector needs, and whether a snapshot directory has them.
 * Only the repo's root is considered; sub-folders hold other formats (onnx/, gguf variants...).
 */
final class ModelFiles {

    static final String CONFIG = "config.json";
    static final String TOKENIZER = "tokenizer.json";
    static final String WEIGHTS = Checkpoint.SINGLE;
    static final String INDEX = Checkpoint.INDEX;

    /** Small metadata files fetched when the repo has them; the first two are required. */
    static final List<String> METADATA = List.of(CONFIG, TOKENIZER, "generation_config.json",
            "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model");

    /** Weight formats we never download: the collector reads safetensors only. */
    private static final List<String> OTHER_WEIGHTS = List.of(".bin", ".h5", ".msgpack", ".onnx", ".gguf",
            ".pt", ".pth", ".ckpt");

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What to fetch first: metadata plus either {@code model.safetensors} or the shard index (the
     * shards it lists come after it, see {@link #shards}). transformers' order: a single file wins
     * over an index.
     */
    record Plan(List<String> files, boolean indexed) {
    }

    private ModelFiles() {
    }

    static Plan plan(String repo, String revision, List<String> siblings) {
        Set<String> root = new TreeSet<>();
        for (String s : siblings) {
            if (!s.contains("/")) {
                root.add(s);
            }
        }
        String at = repo + " (revision " + revision + ")";
        if (!root.contains(CONFIG)) {
            throw new HubException(at + " has no " + CONFIG + " at its root: it is not a transformers model."
                    + " Check `repo:` and `revision:` in the gallery.");
        }
        if (!root.contains(TOKENIZER)) {
            throw new HubException(at + " has no " + TOKENIZER + " (the fast-tokenizer file logitlens reads)."
                    + " Pick a revision or a copy of the model that has one, or save it with"
                    + " `AutoTokenizer.from_pretrained(...).save_pretrained(dir)` and use a local `path:`.");
        }
        List<String> files = new ArrayList<>();
        for (String m : METADATA) {
            if (root.contains(m)) {
                files.add(m);
            }
        }
        String weights = Checkpoint.weightsFile(root::contains);
        if (weights != null) {
            files.add(weights);
            return new Plan(files, weights.equals(INDEX));
        }
        List<String> safetensors = root.stream().filter(f -> f.endsWith(".safetensors")).toList();
        if (!safetensors.isEmpty()) {
            throw new HubException(at + " has safetensors files " + safetensors + " but neither " + WEIGHTS
                    + " nor " + INDEX + ": logitlens cannot tell which one is the model. Use a local `path:`"
                    + " holding one of them renamed to " + WEIGHTS + ".");
        }
        List<String> other = root.stream()
                .filter(f -> OTHER_WEIGHTS.stream().anyMatch(ext -> f.toLowerCase(Locale.ROOT).endsWith(ext)))
                .toList();
        if (!other.isEmpty()) {
            boolean bin = other.stream().anyMatch(f -> f.endsWith(".bin"));
            throw new HubException(at + " has only " + (bin ? ".bin" : "non-safetensors") + " weights " + other
                    + "; logitlens reads safetensors only and never downloads those. Convert to safetensors"
                    + " (e.g. `model.save_pretrained(dir, safe_serialization=True)` and a local `path:`),"
                    + " or use a revision that has them: the hub's conversion bot opens a pull request"
                    + " 'Adding `safetensors` variant', usable as `revision: refs/pr/<number>`.");
        }
        throw new HubException(at + " has no weights at its root (no " + WEIGHTS + " or " + INDEX + ").");
    }

    /** The distinct shard files an index's {@code weight_map} names, in first-seen order, validated. */
    static List<String> shards(Path indexFile, String repo) {
        JsonNode map;
        try {
            map = JSON.readTree(indexFile.toFile()).path("weight_map");
        } catch (IOException e) {
            throw new HubException(INDEX + " of " + repo + " (" + indexFile + ") is not valid JSON: " + e.getMessage()
                    + ". Delete it from the cache and run again.", e);
        }
        if (!map.isObject() || map.isEmpty()) {
            throw new HubException(INDEX + " of " + repo + " (" + indexFile + ") has no `weight_map` object.");
        }
        Set<String> seen = new java.util.LinkedHashSet<>();
        for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
            String shard = it.next().asText();
            if (!safeRelative(shard) || !shard.endsWith(".safetensors")) {
                throw new HubException(INDEX + " of " + repo + " names shard '" + shard
                        + "', which is not a relative .safetensors path.");
            }
            seen.add(shard);
        }
        return List.copyOf(seen);
    }

    /**
     * The required files a snapshot lacks; empty when it is complete: config.json, tokenizer.json and
     * either model.safetensors or the index with all its shards.
     */
    static List<String> missing(Path snapshot, String repo) {
        List<String> missing = new ArrayList<>();
        for (String f : List.of(CONFIG, TOKENIZER)) {
            if (!Files.isRegularFile(snapshot.resolve(f))) {
                missing.add(f);
            }
        }
        String weights = Checkpoint.weightsFile(name -> Files.isRegularFile(snapshot.resolve(name)));
        if (WEIGHTS.equals(weights)) {
            return missing;
        }
        if (weights == null) {
            missing.add(WEIGHTS + " (or " + INDEX + " and its shards)");
            return missing;
        }
        Path index = snapshot.resolve(INDEX);
        for (String shard : shards(index, repo)) {
            if (!Files.isRegularFile(snapshot.resolve(shard))) {
                missing.add(shard);
            }
        }
        return missing;
    }

    /** A repo-relative file path that cannot escape the snapshot directory. */
    static boolean safeRelative(String path) {
        if (path.isEmpty() || path.startsWith("/") || path.contains("\\") || path.indexOf('\0') >= 0) {
            return false;
        }
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
