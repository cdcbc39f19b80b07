package dev.logitlens.site;

import java.util.List;
import java.util.Objects;

/**
 * Everything the static site shows. Order of {@code models} and {@code prompts} is the order on the pages.
 *
 * @param title       site title (untrusted: escaped)
 * @param toolVersion logitlens version shown in the footer
 * @param models      gallery models
 * @param prompts     gallery prompts
 * @param runs        one entry per model × prompt that was attempted, failed ones included
 */
public record SiteModel(String title, String toolVersion, List<SiteModelInfo> models, List<SitePrompt> prompts,
                        List<SiteRun> runs) {
    public SiteModel {
        title = title == null || title.isBlank() ? "logitlens" : title;
        toolVersion = toolVersion == null ? "" : toolVersion;
        models = List.copyOf(Objects.requireNonNull(models, "models"));
        prompts = List.copyOf(Objects.requireNonNull(prompts, "prompts"));
        runs = List.copyOf(Objects.requireNonNull(runs, "runs"));
    }
}
