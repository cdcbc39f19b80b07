package dev.logitlens.maven;

import dev.logitlens.core.build.GalleryBuild;
import dev.logitlens.core.build.Shard;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;
import java.io.IOException;

/**
 * Computes one shard of a gallery's runs and writes them to a directory, for a CI job matrix:
 * {@code -Dlogitlens.shard=2/3 -Dlogitlens.collectDirectory=runs-2}; then {@code logitlens:site
 * -Dlogitlens.from=runs-1,runs-2,runs-3} renders the site. The assignment depends only on the gallery file.
 *
 * <p>Only maps parameters; the work is done by {@link GalleryBuild}.
 */
@Mojo(name = "collect", requiresProject = false, threadSafe = true)
public class CollectMojo extends AbstractGalleryMojo {
    /** Which shard this job computes, {@code I/N} with 1 <= I <= N (e.g. {@code 2/3}); default {@code 1/1}. */
    @Parameter(property = PropertyNames.SHARD, defaultValue = "1/1")
    String shard;

    /** Where this shard's runs are written (replaced when it holds an earlier shard's runs). */
    @Parameter(property = PropertyNames.COLLECT_DIRECTORY)
    File collectDirectory;

    /** Print which shard computes which runs, and compute nothing. */
    @Parameter(property = PropertyNames.PLAN, defaultValue = "false")
    boolean plan;

    @Override
    String goal() {
        return "collect";
    }

    @Override
    GalleryBuild.Result run(GalleryBuild build, GalleryBuild.Request request) throws IOException, MojoFailureException {
        Shard which;
        try {
            which = Shard.parse(shard);
        } catch (IllegalArgumentException e) {
            throw new MojoFailureException(PropertyNames.SHARD + "=" + shard + ": " + e.getMessage());
        }
        if (plan) {
            build.plan(request, which);
            return null;
        }
        if (collectDirectory == null) {
            throw new MojoFailureException("logitlens:collect needs " + PropertyNames.COLLECT_DIRECTORY
                    + "=DIR, the folder this shard's runs are written to (or " + PropertyNames.PLAN
                    + " to print the plan only)");
        }
        return build.collect(request, which, forMessages(collectDirectory.toPath()));
    }
}
