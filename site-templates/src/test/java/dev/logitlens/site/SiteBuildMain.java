package dev.logitlens.site;

import dev.logitlens.core.build.GalleryBuild;
import dev.logitlens.core.BuildListener;

import java.nio.file.Path;

/**
 * The pipeline of {@code mvn logitlens:site} in a process of its own, for the kill test:
 * {@code <gallery> <outputDir> <cacheDir> <pauseMillis>}. The pause after each progress line stands in for
 * a slow model, so the test can kill the process while the cache is being filled.
 */
public final class SiteBuildMain {
    private SiteBuildMain() {}

    public static void main(String[] args) throws Exception {
        long pause = Long.parseLong(args[3]);
        BuildListener out = new BuildListener() {
            @Override
            public void info(String line) {
                System.out.println(line);
                System.out.flush();
                if (pause > 0 && line.startsWith("[") && line.endsWith(" s")) { // a collected run, not a cached one
                    sleep(pause);
                }
            }

            @Override
            public void warn(String line) {
                System.out.println("WARN " + line);
                System.out.flush();
            }
        };
        new GalleryBuild(out).site(GalleryBuild.Request.of(Path.of(args[0])).withCache(Path.of(args[2])),
                Path.of(args[1]), new SiteBuilder(null)::build);
        System.out.println("SITE BUILT");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
