package dev.logitlens.demo;

import ai.djl.Device;
import dev.logitlens.core.lens.LensSession;
import dev.logitlens.core.BuildListener;
import dev.logitlens.core.tuned.LensTrainer;
import dev.logitlens.core.tuned.TorchStateDictWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Trains the demo model's tuned lens on its training corpus and writes it with its corpus and a LENS.md of the
 * held-out numbers: {@code DemoLens <model dir> <lens dir> [steps]}. The same training as
 * {@code mvn logitlens:train-lens} with the corpus file written here.
 */
public final class DemoLens {
    static final int STEPS = 400;
    static final LensTrainer.Options OPTIONS = new LensTrainer.Options(STEPS, 16, 32, 3e-3, 1234, 50);

    private DemoLens() {}

    public static void main(String[] args) throws IOException {
        Path model = Path.of(args[0]);
        Path lensDir = Path.of(args[1]);
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : STEPS;
        LensTrainer.Options o = new LensTrainer.Options(steps, OPTIONS.batch(), OPTIONS.maxTokens(),
                OPTIONS.learningRate(), OPTIONS.seed(), OPTIONS.logEvery());
        DemoCorpus corpus = DemoCorpus.generate(DemoCorpus.DEFAULT_SEED);
        List<String> train = corpus.train().stream().map(DemoCorpus.Example::sentence).toList();
        List<String> heldOut = corpus.heldOut().stream().map(DemoCorpus.Example::sentence).toList();
        BuildListener out = new BuildListener() {
            @Override
            public void info(String line) {
                System.out.println(line);
            }

            @Override
            public void warn(String line) {
                System.out.println("WARNING " + line);
            }
        };
        long t0 = System.nanoTime();
        LensTrainer.Report r;
        try (LensSession s = LensSession.open(model, "demo-gpt2", Device.cpu(), "float32")) {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(1); // as DemoTrainer: the matrices are too small to split
            r = LensTrainer.train(s, "demo-gpt2", train, heldOut, o, out);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        TorchStateDictWriter.writeFolder(lensDir, r.lens().config(), r.lens().weights(), r.lens().biases());
        Files.write(lensDir.resolve("corpus.txt"), train);
        Files.write(lensDir.resolve("held-out.txt"), heldOut);
        StringBuilder md = new StringBuilder("# The demo model's tuned lens\n\n")
                .append("Trained by `dev.logitlens.demo.DemoLens` (the same training as `mvn logitlens:train-lens`)")
                .append(" for `prompts/models/demo-gpt2` on its training corpus (`corpus.txt`, ")
                .append(train.size()).append(" sentences): ").append(steps).append(" steps of ").append(o.batch())
                .append(" sentences, Adam, learning rate ").append(o.learningRate()).append(", seed ").append(o.seed())
                .append(", ").append(String.format(Locale.ROOT, "%.0f", seconds)).append(" s on the CPU.\n\n")
                .append("Mean KL from the model's output to each layer's lens, nats, over the ").append(heldOut.size())
                .append(" held-out sentences (`held-out.txt`, every position):\n\n| layer | logit lens | tuned lens |\n|---|---|---|\n");
        for (int i = 0; i < r.logitKl().length; i++) {
            md.append(String.format(Locale.ROOT, "| %d | %.3f | %.3f |%n", i, r.logitKl()[i], r.tunedKl()[i]));
        }
        md.append("\nThe last layer is the model's own output in both lenses. Regenerate from the repository root:\n\n```\n")
                .append("mvn -B -q install -DskipTests -pl demo-trainer -am && mvn -B -q -pl demo-trainer exec:java")
                .append(" -Dexec.mainClass=dev.logitlens.demo.DemoLens -Dexec.args=\"prompts/models/demo-gpt2")
                .append(" prompts/lenses/demo-gpt2\"\n```\n");
        Files.writeString(lensDir.resolve("LENS.md"), md);
    }
}
