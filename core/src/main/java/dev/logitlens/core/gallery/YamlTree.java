package dev.logitlens.core.gallery;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * A YAML document as a small tree whose every node and key knows its line and column. Jackson's own tree drops
 * locations, so this is built from its streaming parser. YAML syntax errors become {@link GalleryException}s.
 */
final class YamlTree {

    private static final YAMLFactory FACTORY = YAMLFactory.builder().build();

    private YamlTree() {
    }

    sealed interface Node permits MapNode, ListNode, Scalar {
        Location location();
    }

    record Field(String key, Location keyLocation, Node value) {
    }

    record MapNode(Location location, Map<String, Field> fields) implements Node {
        Field field(String key) {
            return fields.get(key);
        }
    }

    record ListNode(Location location, List<Node> items) implements Node {
    }

    /**
     * A scalar with its raw text (so {@code yes} stays "yes" and {@code 007} stays "007") and, for numbers, the
     * parsed value.
     */
    record Scalar(Location location, JsonToken token, String text, Number number) implements Node {
        boolean isNull() {
            return token == JsonToken.VALUE_NULL;
        }

        boolean isInteger() {
            return token == JsonToken.VALUE_NUMBER_INT;
        }
    }

    /**
     * Reads one YAML document. The file must exist; read errors, syntax errors, duplicate keys, aliases and extra
     * documents are reported with their location.
     */
    static Node read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new GalleryException(Location.of(file), "the file is not valid UTF-8. Save it as UTF-8.");
        } catch (IOException e) {
            throw new GalleryException(Location.of(file), "cannot read the file (" + e + "). Check its permissions.");
        }
        try (YAMLParser p = FACTORY.createParser(text)) {
            if (p.nextToken() == null) {
                throw new GalleryException(Location.of(file), "the file is empty. See the gallery reference for "
                        + "an example.");
            }
            Node root = readValue(p, file);
            if (p.nextToken() != null) {
                throw new GalleryException(location(p, file), "a second YAML document starts here. Keep one "
                        + "document per file (remove the '---' line).");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw syntaxError(e, file);
        } catch (IOException e) {
            throw new GalleryException(Location.of(file), "cannot read the file (" + e + ").");
        }
    }

    private static Node readValue(YAMLParser p, Path file) throws IOException {
        Location where = location(p, file);
        if (p.isCurrentAlias()) {
            throw new GalleryException(where, "YAML aliases (*" + p.getText() + ") are not supported. Write the "
                    + "value out in full.");
        }
        JsonToken token = p.currentToken();
        switch (token) {
            case START_OBJECT -> {
                Map<String, Field> fields = new LinkedHashMap<>();
                while (p.nextToken() != JsonToken.END_OBJECT) {
                    String key = p.currentName();
                    Location keyLocation = location(p, file);
                    Field earlier = fields.get(key);
                    if (earlier != null) {
                        throw new GalleryException(keyLocation, "duplicate key '" + key + "' (first at "
                                + earlier.keyLocation() + "). Keep one of them.");
                    }
                    p.nextToken();
                    fields.put(key, new Field(key, keyLocation, readValue(p, file)));
                }
                return new MapNode(where, Collections.unmodifiableMap(fields));
            }
            case START_ARRAY -> {
                List<Node> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    items.add(readValue(p, file));
                }
                return new ListNode(where, List.copyOf(items));
            }
            default -> {
                Number number = token.isNumeric() ? p.getNumberValue() : null;
                String text = token == JsonToken.VALUE_NULL ? "" : p.getText();
                return new Scalar(where, token, text, number);
            }
        }
    }

    private static Location location(YAMLParser p, Path file) {
        JsonLocation l = p.currentTokenLocation();
        return new Location(file, Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr()));
    }

    /** SnakeYAML's own mark and wording are more precise than Jackson's wrapper; use them when present. */
    private static GalleryException syntaxError(JsonProcessingException e, Path file) {
        String fix = "Fix the YAML syntax: indent with spaces, close brackets and quotes, and quote text that "
                + "contains ': ' or starts with a special character.";
        Throwable cause = e.getCause();
        if (cause instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
            Mark mark = marked.getProblemMark();
            StringBuilder problem = new StringBuilder("invalid YAML: ").append(clean(marked.getProblem()));
            Mark contextMark = marked.getContextMark();
            if (marked.getContext() != null) {
                problem.append(" (").append(clean(marked.getContext()));
                if (contextMark != null && contextMark.getLine() != mark.getLine()) {
                    problem.append(" at line ").append(contextMark.getLine() + 1)
                            .append(", column ").append(contextMark.getColumn() + 1);
                }
                problem.append(')');
            }
            return new GalleryException(new Location(file, mark.getLine() + 1, mark.getColumn() + 1),
                    problem + ". " + fix);
        }
        JsonLocation l = e.getLocation();
        Location where = l == null ? Location.of(file)
                : new Location(file, Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr()));
        return new GalleryException(where, "invalid YAML: " + clean(e.getOriginalMessage()) + ". " + fix);
    }

    private static String clean(String s) {
        String t = s == null ? "unreadable input" : s.strip().replaceAll("\\s+", " ");
        while (t.endsWith(".")) {
            t = t.substring(0, t.length() - 1);
        }
        return t;
    }
}
