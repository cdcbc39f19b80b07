package dev.logitlens.core.tuned;

import dev.logitlens.core.BuildListener;
import dev.logitlens.core.UserInputException;
import dev.logitlens.core.djl.Djl;
import dev.logitlens.core.gallery.Gallery;
import dev.logitlens.core.gallery.GalleryParser;
import dev.logitlens.core.gallery.ModelEntry;
import dev.logitlens.core.lens.LensSession;
import dev.logitlens.core.source.HubModelSource;
import dev.logitlens.core.source.HubOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * What {@code logitlens:train-lens} does: finds the model (a directory, or a gallery model by id), reads the
 * corpus (one text per line), keeps a seeded share of it out of training, trains ({@link LensTrainer}) and
 * writes the lens folder (config.json and params.pt, readable by tuned-lens's {@code TunedLens}).
 *
 * @param model           a model directory, or the id of a model in {@code gallery}
 * @param gallery         the gallery file ids are looked up in (may not exist when {@code model} is a directory)
 * @param corpus          text file, one training text per line; blank lines are skipped
 * @param heldOutFraction share of the lines measured but not trained on, in [0, 0.5]
 * @param device          {@code auto}, {@code cpu}, {@code cuda[:N]}
 * @param output          the lens folder to write
 */
public record LensTrainingJob(String model, Path gallery, Path corpus, double heldOutFraction, String device,
                              Path output, LensTrainer.Options options) {

    public LensTrainer.Report run(HubOptions hub, BuildListener out) throws IOException {
        if (!(heldOutFraction >= 0 && heldOutFraction <= 0.5)) {
            throw new UserInputException("heldOut = " + heldOutFraction + " must be between 0 and 0.5");
        }
        if (corpus == null || !Files.isRegularFile(corpus)) {
            throw new UserInputException("corpus " + corpus + " is not a file; give a text file with one training"
                    + " text per line (-Dlogitlens.corpus=path/to/corpus.txt)");
        }
        List<String> lines = new ArrayList<>();
        for (String l : Files.readAllLines(corpus, StandardCharsets.UTF_8)) {
            if (!l.isBlank()) {
                lines.add(l.strip());
            }
        }
        if (lines.size() < 2) {
            throw new UserInputException(corpus + " has " + lines.size() + " non-blank lines; a lens needs a corpus"
                    + " of many texts (one per line)");
        }
        Collections.shuffle(lines, new Random(options.seed()));
        int held = (int) Math.round(lines.size() * heldOutFraction);
        List<String> heldOut = lines.subList(0, held);
        List<String> train = lines.subList(held, lines.size());
        String name = model;
        Path dir = Path.of(model);
        if (!Files.isDirectory(dir)) {
            if (gallery == null || !Files.isRegularFile(gallery)) {
                throw new UserInputException("model " + model + " is neither a model directory nor a model id of a"
                        + " gallery (no gallery file " + gallery + ")");
            }
            Gallery g = GalleryParser.parse(gallery);
            ModelEntry m = g.models().stream().filter(e -> e.id().equals(model)).findFirst().orElseThrow(() ->
                    new UserInputException("model " + model + " is neither a model directory nor a model id of "
                            + gallery + " (its models: " + g.models().stream().map(ModelEntry::id).toList() + ")"));
            dir = m.isLocal() ? m.path() : new HubModelSource(hub).resolve(m.repo(), m.revision(), out).snapshotDir();
        } else {
            name = dir.toAbsolutePath().normalize().getFileName().toString();
        }
        LensTrainer.Report report;
        try (LensSession s = LensSession.open(dir, name, Djl.device(device, out::warn), "float32")) {
            report = LensTrainer.train(s, name, train, heldOut, options, out);
        }
        TorchStateDictWriter.writeFolder(output, report.lens().config(), report.lens().weights(),
                report.lens().biases());
        out.info("Wrote the tuned lens to " + output + " (config.json, params.pt); use it with tunedLens: {path: "
                + output + "} in a gallery, or TunedLens.from_model_and_pretrained(model, \"" + output + "\") in"
                + " tuned-lens");
        return report;
    }
}
