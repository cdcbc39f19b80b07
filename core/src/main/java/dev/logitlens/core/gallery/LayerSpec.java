package dev.logitlens.core.gallery;

import dev.logitlens.core.lens.LayerIndices;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which layers the lens reads: {@code all}, an explicit list of indices (negative ones count from the end, as in
 * Python), or a Python slice {@code start:stop[:step]} such as {@code "0:12"} or {@code "-4:"}.
 *
 * <p>Nothing here knows the model; {@link #resolve(int)} turns the spec into concrete indices once the number of
 * layers is known, through {@link LayerIndices} as the collector does.
 *
 * @param kind which of the three forms this is
 * @param indices the indices for {@link Kind#LIST}, in the order given; empty otherwise
 * @param start slice start for {@link Kind#SLICE}; null means "from the beginning" (Python semantics)
 * @param stop slice stop (exclusive) for {@link Kind#SLICE}; null means "to the end"
 * @param step slice step for {@link Kind#SLICE}; null means 1
 * @param location where the spec was written, so that a late range error can still point at it; null when it
 *     came from the command line or the built-in default. Not part of equality.
 */
public record LayerSpec(Kind kind, List<Integer> indices, Integer start, Integer stop, Integer step,
        Location location) {

    /** The three ways to write a layer selection. */
    public enum Kind { ALL, LIST, SLICE }

    private static final Pattern SLICE =
            Pattern.compile("\\s*(-?\\d+)?\\s*:\\s*(-?\\d+)?\\s*(?::\\s*(-?\\d+)?\\s*)?");
    private static final Pattern INDEX_LIST = Pattern.compile("\\s*\\[?\\s*(-?\\d+(\\s*,\\s*-?\\d+)*)\\s*]?\\s*");

    static final String FORMS = "Use all, a list of layer indices such as [0, 5, -1], or a Python slice such as "
            + "\"0:12\" or \"-4:\".";

    public LayerSpec {
        Objects.requireNonNull(kind, "kind");
        indices = indices == null ? List.of() : List.copyOf(indices);
        switch (kind) {
            case ALL -> {
                if (!indices.isEmpty() || start != null || stop != null || step != null) {
                    throw new IllegalArgumentException("layers: all takes no indices or slice bounds.");
                }
            }
            case LIST -> {
                if (indices.isEmpty()) {
                    throw new IllegalArgumentException("layers: the list is empty. " + FORMS);
                }
                int dup = firstDuplicate(indices);
                if (dup >= 0) {
                    throw new IllegalArgumentException(duplicateMessage(indices.get(dup)));
                }
                if (start != null || stop != null || step != null) {
                    throw new IllegalArgumentException("layers: a list takes no slice bounds.");
                }
            }
            case SLICE -> {
                if (!indices.isEmpty()) {
                    throw new IllegalArgumentException("layers: a slice takes no index list.");
                }
                if (step != null && step == 0) {
                    throw new IllegalArgumentException("layers: slice step cannot be zero. " + FORMS);
                }
            }
        }
    }

    /** Every layer. */
    public static LayerSpec all() {
        return new LayerSpec(Kind.ALL, List.of(), null, null, null, null);
    }

    /** Explicit indices, kept in the order given; duplicates are rejected. */
    public static LayerSpec of(List<Integer> indices) {
        return new LayerSpec(Kind.LIST, indices, null, null, null, null);
    }

    /** Explicit indices, kept in the order given; duplicates are rejected. */
    public static LayerSpec of(int... indices) {
        List<Integer> list = new ArrayList<>();
        for (int i : indices) {
            list.add(i);
        }
        return of(list);
    }

    /** A Python slice; any bound may be null. */
    public static LayerSpec slice(Integer start, Integer stop, Integer step) {
        return new LayerSpec(Kind.SLICE, List.of(), start, stop, step, null);
    }

    /**
     * Reads the text forms used on the command line and inside YAML strings: {@code all}, a slice such as
     * {@code 0:12}, {@code -4:} or {@code ::2}, or indices such as {@code 5}, {@code 0,5,-1} or {@code [0, 5, -1]}.
     *
     * @throws IllegalArgumentException naming the text and the accepted forms
     */
    public static LayerSpec parse(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.strip();
        if (t.equalsIgnoreCase("all")) {
            return all();
        }
        Matcher slice = SLICE.matcher(t);
        if (slice.matches()) {
            return slice(parseBound(slice.group(1)), parseBound(slice.group(2)), parseBound(slice.group(3)));
        }
        Matcher list = INDEX_LIST.matcher(t);
        if (list.matches()) {
            List<Integer> indices = new ArrayList<>();
            for (String part : list.group(1).split(",")) {
                indices.add(parseIndex(part.strip(), text));
            }
            return of(indices);
        }
        throw new IllegalArgumentException("layers: '" + text + "' is not a layer selection. " + FORMS);
    }

    private static Integer parseBound(String s) {
        return s == null ? null : parseIndex(s, s);
    }

    private static int parseIndex(String s, String whole) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("layers: '" + whole + "' has an index that is too large. " + FORMS);
        }
    }

    /** The same spec, remembering where it was written. */
    public LayerSpec at(Location where) {
        return new LayerSpec(kind, indices, start, stop, step, where);
    }

    /**
     * The concrete layer indices (0-based, each in {@code 0..numLayers-1}) for a model with {@code numLayers}
     * layers, in the order the spec gives them.
     *
     * @throws IllegalArgumentException when an index is out of range, two indices name the same layer, or a slice
     *     selects nothing; the message names the spec and the valid range but neither the location nor a fix
     *     (callers add both, see {@link Run#layerIndices(int)})
     */
    public int[] resolve(int numLayers) {
        return switch (kind) {
            case ALL -> LayerIndices.all(numLayers);
            case LIST -> LayerIndices.resolve(indices, numLayers);
            case SLICE -> resolveSlice(numLayers);
        };
    }

    /** Python's slice.indices() followed by range(): in range and distinct by construction. */
    private int[] resolveSlice(int n) {
        LayerIndices.requireLayers(n);
        int st = step == null ? 1 : step;
        int lower = st > 0 ? 0 : -1;
        int upper = st > 0 ? n : n - 1;
        int from = start == null ? (st > 0 ? lower : upper) : clamp(start, n, lower, upper);
        int to = stop == null ? (st > 0 ? upper : lower) : clamp(stop, n, lower, upper);
        List<Integer> out = new ArrayList<>();
        for (int i = from; st > 0 ? i < to : i > to; i += st) {
            out.add(i);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("layers: \"" + this + "\" selects no layers of "
                    + LayerIndices.modelSize(n) + " (valid: " + LayerIndices.validRange(n) + ")");
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int clamp(int bound, int n, int lower, int upper) {
        int b = bound < 0 ? bound + n : bound;
        return Math.max(lower, Math.min(upper, b));
    }

    /** Index of the first element equal to an earlier one, or -1. Shared with the YAML reader. */
    static int firstDuplicate(List<Integer> values) {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < values.size(); i++) {
            if (!seen.add(values.get(i))) {
                return i;
            }
        }
        return -1;
    }

    static String duplicateMessage(int index) {
        return "layers: " + index + " is listed twice. Keep one of them.";
    }

    /** The form a user would write: {@code all}, {@code [0, 5, -1]} or {@code 0:12}. */
    @Override
    public String toString() {
        return switch (kind) {
            case ALL -> "all";
            case LIST -> indices.stream().map(String::valueOf).collect(Collectors.joining(", ", "[", "]"));
            case SLICE -> (start == null ? "" : start) + ":" + (stop == null ? "" : stop)
                    + (step == null ? "" : ":" + step);
        };
    }

    // Where a spec was written does not change what it selects.
    @Override
    public boolean equals(Object o) {
        return o instanceof LayerSpec other && kind == other.kind && indices.equals(other.indices)
                && Objects.equals(start, other.start) && Objects.equals(stop, other.stop)
                && Objects.equals(step, other.step);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, indices, start, stop, step);
    }
}
