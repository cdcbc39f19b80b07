package dev.logitlens.maven;

import dev.logitlens.core.build.GalleryBuild;
import dev.logitlens.site.SiteBuilder;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

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

    /**
     * Collect directories to render the site from instead of computing the runs ({@code DIR1,DIR2,...}, as
     * written by {@code logitlens:collect -Dlogitlens.collectDirectory}): no model is loaded, no weights are read
     * and the network is not used. Relative paths are resolved against the base directory.
     */
    @Parameter(property = PropertyNames.FROM)
    String from;

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    MavenProject project;

    @Override
    String goal() {
        return "site";
    }

    @Override
    GalleryBuild.Result run(GalleryBuild build, GalleryBuild.Request request) throws IOException {
        SiteBuilder site = new SiteBuilder(outputTimestamp);
        if (from != null && !from.isBlank()) {
            List<Path> dirs = Arrays.stream(from.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                    .map(s -> forMessages(baseDirectory().resolve(s))).toList();
            return build.merge(request, dirs, outputDirectory().toPath(), site::build);
        }
        return build.site(request, outputDirectory().toPath(), site::build);
    }

    /** The project's base directory, or the directory Maven was started in when there is no project. */
    private Path baseDirectory() {
        return project == null || project.getFile() == null ? Path.of(session.getExecutionRootDirectory())
                : project.getBasedir().toPath();
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
