package dev.logitlens.core.gallery;

import java.nio.file.Path;

/**
 * A model's {@code tunedLens}: a local lens folder, or a folder inside a hub repo.
 *
 * @param dir          the local folder, resolved against the gallery file's directory; null for a hub lens
 * @param pathAsWritten {@code path} as written (the local folder, or the folder inside the repo; "" for its root)
 * @param repo         hub repo id, or null for a local folder
 * @param repoType     {@code model} or {@code space} with repo (default {@code model}, as huggingface_hub); null without
 * @param revision     branch, tag or commit with repo ({@code main} when not given); null without
 * @param location     where the key is in the gallery
 */
public record TunedLensSpec(Path dir, String pathAsWritten, String repo, String repoType, String revision,
                            Location location) {
    public boolean isLocal() {
        return repo == null;
    }

    /** How messages and pages name the lens: the folder, or {@code space owner/name:lens/gpt2@main}. */
    public String label() {
        return isLocal() ? pathAsWritten
                : repoType + " " + repo + (pathAsWritten.isEmpty() ? "" : ":" + pathAsWritten) + "@" + revision;
    }
}
