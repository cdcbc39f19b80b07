package dev.logitlens.core.gallery;

import java.util.List;
import java.util.Objects;

/**
 * One prompt of a gallery.
 *
 * @param id unique id across the gallery and all included files, used in URLs and file names
 * @param text the prompt exactly as written (leading and trailing spaces are kept; they change the tokens)
 * @param tags free-form labels for grouping on the site; empty when not given
 * @param settings what this prompt sets; only {@code k} and {@code layers} can be set per prompt
 * @param location where the prompt's entry starts (possibly in an included file)
 * @param answers its {@code expect} and {@code compare} groups, defaults merged in; {@link Answers#NONE} for none
 */
public record PromptEntry(String id, String text, List<String> tags, Settings settings, Location location,
                          Answers answers) {
    /** The name the summary gives the series over all of a model's runs: no tag may take it. */
    public static final String ALL_TAG = "(all)";

    public PromptEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(text, "text");
        tags = tags == null ? List.of() : List.copyOf(tags);
        Objects.requireNonNull(settings, "settings");
        answers = answers == null ? Answers.NONE : answers;
    }

    /** A prompt without answers. */
    public PromptEntry(String id, String text, List<String> tags, Settings settings, Location location) {
        this(id, text, tags, settings, location, Answers.NONE);
    }
}
