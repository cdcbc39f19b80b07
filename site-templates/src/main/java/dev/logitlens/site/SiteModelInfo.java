package dev.logitlens.site;

import java.util.Objects;

/**
 * A model as the gallery shows it.
 *
 * @param id     gallery id; becomes a file name, so it must pass {@link SafeIds#check(String)}
 * @param label  human-readable name
 * @param source where the weights came from ({@code path:...} or {@code hub:...})
 */
public record SiteModelInfo(String id, String label, String source) {
    public SiteModelInfo {
        Objects.requireNonNull(id, "model id");
        label = label == null || label.isBlank() ? id : label;
        source = source == null ? "" : source;
    }
}
