package dev.logitlens.site;

import java.util.List;
import java.util.Objects;

/**
 * A prompt as the gallery shows it.
 *
 * @param id   gallery id; becomes a file name, so it must pass {@link SafeIds#check(String)}
 * @param text the prompt text (untrusted: always escaped)
 * @param tags tags for the index filter, in the order given
 */
public record SitePrompt(String id, String text, List<String> tags) {
    public SitePrompt {
        Objects.requireNonNull(id, "prompt id");
        Objects.requireNonNull(text, "prompt text");
        tags = tags == null ? List.of() : List.copyOf(tags);
    }
}
