package dev.logitlens.site;

import dev.logitlens.core.BuildListener;
import dev.logitlens.core.build.GalleryBuild;
import dev.logitlens.core.run.RunOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A build killed while it fills the cache leaves the previous site as it was and a cache the next build uses. */
class KillDuringBuildTest {
    @TempDir
    Path tmp;

    @Test
    void theCacheAndThePreviousSiteSurviveAKill() throws Exception {
        Path gallery = TinyGallery.write(tmp, "The capital of France is");
        Path site = tmp.resolve("site");
        Path cache = tmp.resolve("cache");
        Process first = child(gallery, site, cache, 0);
        List<String> firstOut = readAll(first);
        assertEquals(0, first.waitFor(), String.join("\n", firstOut));
        Map<String, byte[]> before = SiteBuilderTest.snapshot(site);

        // New prompts: the next build has runs to collect, and each one pauses after it is cached.
        TinyGallery.gallery(tmp, "The capital of France is", "a cat sat", "The capital of Germany is", "a cat");
        Process killed = child(gallery, site, cache, 60_000);
        List<String> seen = new ArrayList<>();
        try (BufferedReader r = reader(killed)) {
            for (String line; (line = r.readLine()) != null; ) {
                seen.add(line);
                if (line.matches("\\[\\d+/8] alpha × p1: .* s")) {
                    break; // p1 was collected and written to the cache; the process now sleeps
                }
            }
        }
        assertTrue(killed.isAlive(), "the child finished before it could be killed:\n" + String.join("\n", seen));
        killed.destroyForcibly();
        killed.waitFor(30, TimeUnit.SECONDS);

        SiteBuilderTest.assertSameFiles(before, SiteBuilderTest.snapshot(site));
        try (Stream<Path> s = Files.walk(cache)) {
            assertEquals(3, s.filter(p -> p.toString().endsWith(".json")).count(),
                    "two runs from the first build, one from the killed one");
        }

        List<String> log = new ArrayList<>();
        List<RunOutcome> outcomes = new GalleryBuild(new BuildListener() {
                    @Override
                    public void info(String line) {
                        log.add(line);
                    }

                    @Override
                    public void warn(String line) {
                        log.add("WARN " + line);
                    }
                }).site(GalleryBuild.Request.of(gallery).withCache(cache), site, new SiteBuilder(null)::build).outcomes();
        assertTrue(outcomes.stream().allMatch(RunOutcome::ok), String.join("\n", log));
        assertEquals(List.of(true, true, false, false, true, false, false, false),
                outcomes.stream().map(RunOutcome::cached).toList(), String.join("\n", log));
        assertTrue(log.stream().noneMatch(l -> l.startsWith("WARN")), String.join("\n", log));
        assertEquals(8, new com.fasterxml.jackson.databind.ObjectMapper().readTree(site.resolve("manifest.json")
                .toFile()).get("runs").size());
    }

    private static Process child(Path gallery, Path site, Path cache, long pauseMillis) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                SiteBuildMain.class.getName(), gallery.toString(), site.toString(), cache.toString(),
                Long.toString(pauseMillis))
                .redirectErrorStream(true)
                .start();
    }

    private static BufferedReader reader(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    private static List<String> readAll(Process p) throws IOException {
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = reader(p)) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
            }
        }
        return lines;
    }
}
