package dev.logitlens.maven;

import dev.logitlens.core.UserInputException;
import dev.logitlens.core.tuned.TunedLensException;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every goal maps exceptions the same way: the user's mistakes fail the build, anything else is an error. */
class LogitLensMojoTest {
    private static final LogitLensMojo GOAL = new LogitLensMojo() {
        @Override
        String goal() {
            return "demo";
        }

        @Override
        public void execute() {}
    };

    @Test
    void userInputFailsTheBuildWithItsMessage() {
        assertEquals("bad gallery", assertThrows(MojoFailureException.class, () -> GOAL.translated(() -> {
            throw new UserInputException("bad gallery");
        })).getMessage());
        assertEquals("bad lens", assertThrows(MojoFailureException.class, () -> GOAL.translated(() -> {
            throw new TunedLensException("bad lens");
        })).getMessage());
    }

    @Test
    void anythingElseIsAnExecutionErrorNamingTheGoal() throws Exception {
        assertEquals("logitlens:demo failed: disk", assertThrows(MojoExecutionException.class,
                () -> GOAL.translated(() -> {
                    throw new IOException("disk");
                })).getMessage());
        assertEquals("logitlens:demo failed: bug", assertThrows(MojoExecutionException.class,
                () -> GOAL.translated(() -> {
                    throw new IllegalStateException("bug");
                })).getMessage());
        assertEquals("done", GOAL.translated(() -> "done"));
    }
}
