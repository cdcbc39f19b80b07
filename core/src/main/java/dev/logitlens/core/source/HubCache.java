package dev.logitlens.core.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Pattern;

/**
 * The on-disk layout of huggingface_hub's cache for one repo:
 * <pre>
 * models--org--name/             (spaces--org--name/ for a space)
 *   refs/main                    the commit a branch or tag pointed to when last resolved
 *   blobs/&lt;etag&gt;              file contents, named by the hub's ETag (sha256 for LFS files)
 *   blobs/&lt;etag&gt;.incomplete   a download in progress, resumed from its length
 *   snapshots/&lt;commit&gt;/&lt;file&gt;  relative symlink ../../blobs/&lt;etag&gt;
 * </pre>
 */
final class HubCache {

    static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private final Path repoDir;

    HubCache(Path cacheDir, String repo) {
        this(cacheDir, RepoType.MODEL, repo);
    }

    HubCache(Path cacheDir, RepoType type, String repo) {
        this.repoDir = cacheDir.resolve(folderName(type, repo));
    }

    /** {@code models--org--name}, exactly as huggingface_hub's repo_folder_name makes it. */
    static String folderName(String repo) {
        return folderName(RepoType.MODEL, repo);
    }

    /** {@code models--org--name} or {@code spaces--org--name}. */
    static String folderName(RepoType type, String repo) {
        return type.cachePrefix() + repo.replace("/", "--");
    }

    Path repoDir() {
        return repoDir;
    }

    Path snapshot(String commit) {
        return repoDir.resolve("snapshots").resolve(commit);
    }

    Path blob(String etag) {
        return repoDir.resolve("blobs").resolve(etag);
    }

    Path ref(String revision) {
        return repoDir.resolve("refs").resolve(revision);
    }

    /** The commit {@code refs/<revision>} holds, or null when there is no such ref (or it is garbage). */
    String readRef(String revision) {
        Path ref = ref(revision);
        if (!Files.isRegularFile(ref)) {
            return null;
        }
        try {
            String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
            return COMMIT.matcher(commit).matches() ? commit : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Python writes the bare hash, no newline; so do we, atomically. */
    void writeRef(String revision, String commit) {
        Path ref = ref(revision);
        try {
            Files.createDirectories(ref.getParent());
            Path tmp = Files.createTempFile(ref.getParent(), ".ref-", ".tmp");
            Files.writeString(tmp, commit, StandardCharsets.UTF_8);
            moveAtomically(tmp, ref);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + ref, e);
        }
    }

    /**
     * Points {@code snapshots/<commit>/<file>} at a blob with a relative symlink, as huggingface_hub
     * does; copies the blob where the file system refuses symlinks.
     */
    void link(Path blob, Path pointer) throws IOException {
        Path dir = pointer.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + pointer.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Thread.currentThread().getId() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createSymbolicLink(tmp, dir.relativize(blob));
        } catch (UnsupportedOperationException | IOException | SecurityException e) {
            Files.deleteIfExists(tmp);
            Files.copy(blob, tmp);
        }
        moveAtomically(tmp, pointer);
    }

    static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
