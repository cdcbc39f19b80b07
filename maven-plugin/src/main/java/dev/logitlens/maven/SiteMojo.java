package dev.logitlens.maven;

import dev.logitlens.core.build.GalleryBuild;
import dev.logitlens.site.SiteBuilder;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

import java.io.File;
import java.io.IOException;

/**
 * Builds the logit-lens gallery site: reads the gallery file, collects every model × prompt run (cached on
 * disk), and writes a static site with a {@code manifest.json} and one JSON file per run.
 *
 * <p>Only maps parameters; the work is done by {@link GalleryBuild} and {@link SiteBuilder}.
 */
@Mojo(name = "site", requiresProject = false, threadSafe = true)
public class SiteMojo extends AbstractGalleryMojo {
    /**
     * Where the site is written. Default: {@code ${project.build.directory}/logitlens-site} in a project,
     * {@code ./logitlens-site} without one.
     */
    @Parameter(property = PropertyNames.OUTPUT_DIRECTORY)
    File outputDirectory;

    /** Written to the manifest when set, so reproducible builds stay reproducible. */
    @Parameter(defaultValue = "${project.build.outputTimestamp}", readonly = true)
    String outputTimestamp;

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    MavenProject project;

    @Override
    String goal() {
        return "site";
    }

    @Override
    GalleryBuild.Result run(GalleryBuild build, GalleryBuild.Request request) throws IOException {
        return build.site(request, outputDirectory().toPath(), new SiteBuilder(outputTimestamp)::build);
    }

    /** The default depends on whether there is a project: Maven's stand-in super-pom has no pom file. */
    private File outputDirectory() {
        if (outputDirectory != null) {
            return outputDirectory;
        }
        if (project == null || project.getFile() == null) {
            return new File(session.getExecutionRootDirectory(), "logitlens-site");
        }
        return new File(project.getBuild().getDirectory(), "logitlens-site");
    }
}
