package dev.logitlens.core.source;

import dev.logitlens.core.BuildListener;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Resolves a Hugging Face hub repo id and revision to a local snapshot directory, through the cache
 * layout of Python's {@code huggingface_hub} (see {@link HubCache}), downloading only what the
 * collector needs and is not cached yet.
 *
 * <p>Network use, in order of preference:
 * <ul>
 *   <li>a full commit hash with a complete snapshot, or a cached {@code refs/<revision>} with a
 *       complete snapshot (unless {@link HubOptions#refreshRefs()}): no request at all;</li>
 *   <li>otherwise one API call ({@code /api/models/{repo}/revision/{rev}}) for the commit and file
 *       list, then per missing file a HEAD for its ETag and size and a GET of the blob unless a
 *       blob with that ETag is already cached.</li>
 * </ul>
 * Instances are thread-safe; the HTTP client is only created when a request is needed. The jobs are split
 * as jib-core splits its registry client: this class decides what to fetch, {@link HubClient} speaks HTTP,
 * {@link BlobDownloader} writes and verifies the files, {@link HubErrors} words the failures.
 */
public final class HubModelSource {
    private static final Pattern REPO = Pattern.compile("(?:[\\w.-]+/)?[\\w.-]{1,96}");

    private final HubOptions options;
    private final HubClient http;
    private final BlobDownloader blobs;

    public HubModelSource(HubOptions options) {
        this(options, System::nanoTime, 500, Duration.ofSeconds(60));
    }

    /**
     * @param retryPauseMillis pause before the second attempt of a download, growing linearly
     * @param stallTimeout     give up on a request when no headers or body bytes came for this long
     */
    HubModelSource(HubOptions options, LongSupplier clock, long retryPauseMillis, Duration stallTimeout) {
        this.options = Objects.requireNonNull(options, "options");
        HubErrors errors = new HubErrors(options);
        this.http = new HubClient(options, clock, stallTimeout, errors);
        this.blobs = new BlobDownloader(http, errors, clock, retryPauseMillis);
    }

    public HubOptions options() {
        return options;
    }

    /**
     * Returns the snapshot of {@code repo} at {@code revision} (a branch, tag or full commit hash;
     * null or blank means {@code main}), downloading missing files unless offline.
     *
     * @throws HubException naming the repo, revision and remedy when it cannot
     */
    public ResolvedModel resolve(String repo, String revision, BuildListener listener) {
        checkRepo(repo);
        repo = repo.strip();
        String rev = revision(repo, revision);
        BuildListener out = listener == null ? BuildListener.NONE : listener;
        HubCache cache = new HubCache(options.cacheDir(), repo);
        boolean isCommit = HubCache.COMMIT.matcher(rev).matches();
        String cached = isCommit ? rev : cache.readRef(rev);
        List<String> missing = cached == null ? null : ModelFiles.missing(cache.snapshot(cached), repo);
        boolean complete = missing != null && missing.isEmpty();

        if (complete && (isCommit || options.offline() || !options.refreshRefs())) {
            out.info("Model " + repo + "@" + rev + " is commit " + cached + ", in the cache " + cache.repoDir());
            return new ResolvedModel(repo, cached, cache.snapshot(cached));
        }
        if (options.offline()) {
            String what = cached == null ? "refs/" + rev + " (the revision was never resolved in this cache)"
                    : !Files.isDirectory(cache.snapshot(cached)) ? "snapshots/" + cached + " (nothing of that commit)"
                    : String.join(", ", missing);
            throw new HubException("Model " + repo + " (revision " + rev + ") is not complete in the Hugging Face"
                    + " cache " + options.cacheDir() + " and the hub is offline (Maven -o or HF_HUB_OFFLINE=1)."
                    + " Missing: " + what + ". Run once online (without -o, HF_HUB_OFFLINE unset) to download it,"
                    + " or fetch it with `huggingface-cli download " + repo + " --revision " + rev
                    + " --include '*.json' '*.safetensors' tokenizer.model`.");
        }
        try {
            return download(repo, rev, isCommit, cache, out);
        } catch (HubErrors.Unreachable e) {
            if (complete) {
                // As huggingface_hub does: an unreachable hub does not stop a model we already hold.
                out.warn("Cannot reach " + options.endpoint() + " to refresh " + repo + "@" + rev
                        + "; using the cached commit " + cached + ".");
                return new ResolvedModel(repo, cached, cache.snapshot(cached));
            }
            throw e;
        }
    }

    private static void checkRepo(String repo) {
        if (repo == null || !REPO.matcher(repo.strip()).matches() || repo.contains("--") || repo.contains("..")) {
            throw new HubException("`repo: " + repo + "` is not a Hugging Face repo id: expected org/name"
                    + " (letters, digits, '-', '_', '.'; no '--' or '..'), e.g. openai-community/gpt2.");
        }
    }

    private static String revision(String repo, String revision) {
        String rev = revision == null || revision.isBlank() ? "main" : revision.strip();
        if (!ModelFiles.safeRelative(rev)) {
            throw new HubException("`revision: " + revision + "` of " + repo
                    + " is not a branch, tag or commit name (no '..', leading '/' or '\\').");
        }
        return rev;
    }

    /**
     * Returns a snapshot of {@code repo} (of any {@link RepoType}) at {@code revision} holding {@code files}
     * (paths inside the repo), with the cache, offline and resume behaviour of {@link #resolve}: no request when
     * a cached ref's snapshot has them all, else one listing and the missing files.
     *
     * @throws HubException naming the repo, revision, the files and the remedy when it cannot
     */
    public ResolvedModel resolveFiles(RepoType type, String repo, String revision, List<String> files,
                                      BuildListener listener) {
        checkRepo(repo);
        String id = repo.strip();
        String rev = revision(id, revision);
        for (String f : files) {
            if (!ModelFiles.safeRelative(f)) {
                throw new HubException("`" + f + "` is not a file path inside " + type.word() + " " + id + ".");
            }
        }
        BuildListener out = listener == null ? BuildListener.NONE : listener;
        HubCache cache = new HubCache(options.cacheDir(), type, id);
        boolean isCommit = HubCache.COMMIT.matcher(rev).matches();
        String cached = isCommit ? rev : cache.readRef(rev);
        List<String> missing = cached == null ? List.copyOf(files)
                : files.stream().filter(f -> !Files.isRegularFile(cache.snapshot(cached).resolve(f))).toList();
        boolean complete = cached != null && missing.isEmpty();
        String what = type.noun() + " " + id + " (revision " + rev + ")";
        if (complete && (isCommit || options.offline() || !options.refreshRefs())) {
            out.info(what + " is commit " + cached + ", in the cache " + cache.repoDir());
            return new ResolvedModel(id, cached, cache.snapshot(cached));
        }
        if (options.offline()) {
            throw new HubException(what + " is not in the Hugging Face cache " + options.cacheDir() + " with "
                    + String.join(", ", missing) + ", and the hub is offline (Maven -o or HF_HUB_OFFLINE=1). Run once"
                    + " online to download it, or fetch it with `huggingface-cli download " + id + " --repo-type "
                    + type.word() + " --revision " + rev + " " + String.join(" ", files) + "`.");
        }
        try {
            HubClient.Listing listing = http.listing(type, id, rev);
            String commit = listing.commit();
            List<String> absent = files.stream().filter(f -> !listing.siblings().contains(f)).toList();
            if (!absent.isEmpty()) {
                throw new HubException(what + " has no " + String.join(", ", absent) + " at commit " + commit
                        + ". Check the path in the gallery.");
            }
            out.info(what + " is commit " + commit + " on " + options.endpoint() + "; fetching into "
                    + cache.repoDir());
            for (String f : files) {
                ensure(type, id, rev, commit, f, cache, out);
            }
            if (!isCommit) {
                cache.writeRef(rev, commit);
            }
            return new ResolvedModel(id, commit, cache.snapshot(commit));
        } catch (HubErrors.Unreachable e) {
            if (complete) {
                out.warn("Cannot reach " + options.endpoint() + " to refresh " + id + "@" + rev
                        + "; using the cached commit " + cached + ".");
                return new ResolvedModel(id, cached, cache.snapshot(cached));
            }
            throw e;
        }
    }

    private ResolvedModel download(String repo, String rev, boolean isCommit, HubCache cache, BuildListener out) {
        HubClient.Listing listing = http.listing(repo, rev);
        String commit = listing.commit();
        ModelFiles.Plan plan = ModelFiles.plan(repo, rev, listing.siblings());
        Path snapshot = cache.snapshot(commit);
        long toFetch = plan.files().stream().filter(f -> !Files.isRegularFile(snapshot.resolve(f))).count();
        out.info("Model " + repo + "@" + rev + " is commit " + commit + " on " + options.endpoint()
                + (toFetch == 0 && !plan.indexed() ? "; all files cached" : "; fetching into " + cache.repoDir()));
        for (String file : plan.files()) {
            ensure(repo, rev, commit, file, cache, out);
        }
        if (plan.indexed()) {
            for (String shard : ModelFiles.shards(snapshot.resolve(ModelFiles.INDEX), repo)) {
                if (!listing.siblings().contains(shard)) {
                    throw new HubException(ModelFiles.INDEX + " of " + repo + " (commit " + commit + ") lists shard "
                            + shard + ", which the repo does not have: the repo is broken at this revision.");
                }
                ensure(repo, rev, commit, shard, cache, out);
            }
        }
        if (!isCommit) {
            cache.writeRef(rev, commit);
        }
        List<String> missing = ModelFiles.missing(snapshot, repo);
        if (!missing.isEmpty()) {
            throw new HubException("Snapshot " + snapshot + " of " + repo + " still lacks " + missing
                    + " after downloading; remove it and run again.");
        }
        return new ResolvedModel(repo, commit, snapshot);
    }

    // ---- files --------------------------------------------------------------------------------

    private void ensure(String repo, String rev, String commit, String file, HubCache cache, BuildListener out) {
        ensure(RepoType.MODEL, repo, rev, commit, file, cache, out);
    }

    private void ensure(RepoType type, String repo, String rev, String commit, String file, HubCache cache,
                        BuildListener out) {
        Path pointer = cache.snapshot(commit).resolve(file);
        if (Files.isRegularFile(pointer)) {
            return;
        }
        HubClient.FileMeta meta = http.metadata(type, repo, rev, commit, file);
        Path blob = cache.blob(meta.etag());
        try {
            if (!Files.isRegularFile(blob)) {
                // The lock file where huggingface_hub keeps its own: .locks/models--org--name/<etag>.lock
                blobs.fetch(repo, rev, commit, file, meta, blob, options.cacheDir().resolve(".locks")
                        .resolve(HubCache.folderName(type, repo)).resolve(meta.etag() + ".lock"), out);
            }
            cache.link(blob, pointer);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file + " of " + repo + " into the cache "
                    + cache.repoDir() + ": " + e.getMessage(), e);
        }
    }
}
