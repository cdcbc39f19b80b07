package dev.logitlens.maven;

import dev.logitlens.core.tuned.LensTrainer;
import dev.logitlens.core.tuned.LensTrainingJob;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;

import java.io.File;

/**
 * Trains a tuned lens for a model on a text corpus and writes its folder (config.json, params.pt) for the gallery's
 * {@code tunedLens: {path: ...}} and for tuned-lens's {@code TunedLens}:
 * {@code mvn logitlens:train-lens -Dlogitlens.model=demo-gpt2 -Dlogitlens.corpus=corpus.txt}.
 *
 * <p>Only maps parameters; the work is done by {@link LensTrainingJob}.
 */
@Mojo(name = "train-lens", requiresProject = false, threadSafe = true)
public class TrainLensMojo extends LogitLensMojo {
    /** A model directory, or the id of a model of the gallery ({@code config}). */
    @Parameter(property = PropertyNames.MODEL, required = true)
    String model;

    /** Text file, one training text per line. */
    @Parameter(property = PropertyNames.CORPUS, required = true)
    File corpus;

    /** Share of the corpus lines kept out of training and measured (per-layer KL, both lenses). */
    @Parameter(property = PropertyNames.HELD_OUT, defaultValue = "0.1")
    double heldOut;

    /** Optimizer steps. */
    @Parameter(property = PropertyNames.STEPS, defaultValue = "300")
    int steps;

    /** Texts per step. */
    @Parameter(property = PropertyNames.BATCH, defaultValue = "8")
    int batch;

    /** Tokens per text at most (also capped by the model's positions). */
    @Parameter(property = PropertyNames.MAX_TOKENS, defaultValue = "128")
    int maxTokens;

    /** Adam's learning rate. */
    @Parameter(property = PropertyNames.LEARNING_RATE, defaultValue = "0.001")
    double learningRate;

    /** Seed of the held-out split and the batch order. */
    @Parameter(property = PropertyNames.SEED, defaultValue = "0")
    long seed;

    /** A progress line (KL per layer) every this many steps. */
    @Parameter(property = PropertyNames.LOG_EVERY, defaultValue = "25")
    int logEvery;

    /** The lens folder written. */
    @Parameter(property = PropertyNames.LENS_OUTPUT, defaultValue = "${project.build.directory}/tuned-lens")
    File lensOutput;

    /** {@code auto}, {@code cpu}, {@code cuda} or {@code cuda:N}. */
    @Parameter(property = PropertyNames.DEVICE, defaultValue = "auto")
    String device;

    @Override
    String goal() {
        return "train-lens";
    }

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        LensTrainer.Options options = options();
        translated(() -> {
            new LensTrainingJob(model, config == null ? null : config.toPath(),
                    corpus == null ? null : corpus.toPath(), heldOut, device, lensOutput.toPath(), options)
                    .run(hubOptions(false), log());
            return null;
        });
    }

    private LensTrainer.Options options() throws MojoFailureException {
        try {
            return new LensTrainer.Options(steps, batch, maxTokens, learningRate, seed, logEvery);
        } catch (IllegalArgumentException e) {
            throw new MojoFailureException("logitlens:train-lens: " + e.getMessage() + " (" + PropertyNames.STEPS
                    + ", " + PropertyNames.BATCH + ", " + PropertyNames.MAX_TOKENS + ", " + PropertyNames.LEARNING_RATE
                    + ", " + PropertyNames.LOG_EVERY + ")");
        }
    }
}
