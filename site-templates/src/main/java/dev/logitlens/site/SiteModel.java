package dev.logitlens.site;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the static site shows. Order of {@code models} and {@code prompts} is the order on the pages.
 *
 * @param title       site title (untrusted: escaped)
 * @param toolVersion logitlens version shown in the footer
 * @param models      gallery models
 * @param prompts     gallery prompts
 * @param runs        one entry per model × prompt that was attempted, failed ones included
 * @throws IllegalArgumentException if an id is unsafe as a file name or appears twice, or a run names an
 *                                  unknown model or prompt, appears twice or has an unsafe data path
 */
public record SiteModel(String title, String toolVersion, List<SiteModelInfo> models, List<SitePrompt> prompts,
                        List<SiteRun> runs) {
    public SiteModel {
        title = title == null || title.isBlank() ? "logitlens" : title;
        toolVersion = toolVersion == null ? "" : toolVersion;
        models = List.copyOf(Objects.requireNonNull(models, "models"));
        prompts = List.copyOf(Objects.requireNonNull(prompts, "prompts"));
        runs = List.copyOf(Objects.requireNonNull(runs, "runs"));
        check(models, prompts, runs);
    }

    /** Checked once here, so the renderer can trust every page's ids and paths. */
    private static void check(List<SiteModelInfo> models, List<SitePrompt> prompts, List<SiteRun> runs) {
        Set<String> modelIds = new HashSet<>();
        Set<String> seen = new HashSet<>();
        for (SiteModelInfo m : models) {
            SafeIds.check(m.id());
            if (!seen.add(m.id().toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("model id '" + m.id() + "' appears twice (ids are compared"
                        + " ignoring case, as file systems may): give each model a distinct id");
            }
            modelIds.add(m.id());
        }
        Set<String> promptIds = new HashSet<>();
        seen.clear();
        for (SitePrompt p : prompts) {
            SafeIds.check(p.id());
            if (!seen.add(p.id().toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("prompt id '" + p.id() + "' appears twice (ids are compared"
                        + " ignoring case, as file systems may): give each prompt a distinct id");
            }
            promptIds.add(p.id());
        }
        Set<String> runKeys = new HashSet<>();
        for (SiteRun r : runs) {
            if (!modelIds.contains(r.modelId()) || !promptIds.contains(r.promptId())) {
                throw new IllegalArgumentException("run " + r.modelId() + "/" + r.promptId()
                        + " names a model or prompt that is not in the gallery: add it or drop the run");
            }
            if (r.ok()) {
                SafeIds.checkRelativePath(r.dataPath());
            }
            if (!runKeys.add(r.modelId() + "/" + r.promptId())) {
                throw new IllegalArgumentException("run " + r.modelId() + "/" + r.promptId()
                        + " appears twice: keep one");
            }
        }
    }
}
