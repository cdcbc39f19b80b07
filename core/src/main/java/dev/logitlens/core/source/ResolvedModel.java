package dev.logitlens.core.source;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A hub model pinned to one commit, with its files in a local snapshot directory.
 *
 * @param repo        the hub repo id, e.g. {@code openai-community/gpt2}
 * @param commit      the 40-hex commit the revision resolved to; run caches key on this, so a branch
 *                    that moves on gives a new key
 * @param snapshotDir {@code <cache>/models--org--name/snapshots/<commit>}: config, tokenizer and
 *                    safetensors files (symlinks into {@code blobs/} as huggingface_hub makes them)
 */
public record ResolvedModel(String repo, String commit, Path snapshotDir) {

    public ResolvedModel {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(snapshotDir, "snapshotDir");
    }
}
