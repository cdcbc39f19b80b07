package dev.logitlens.core.build;

import com.fasterxml.jackson.databind.JsonNode;
import dev.logitlens.core.UserInputException;
import dev.logitlens.core.format.RunJson;
import dev.logitlens.core.format.V2Document;
import dev.logitlens.core.gallery.ModelEntry;
import dev.logitlens.core.gallery.Run;
import dev.logitlens.core.lens.LensResult;
import dev.logitlens.core.lens.Provenance;
import dev.logitlens.core.run.RunOutcome;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The runs of an {@code import:} model: {@code <dir>/<prompt-id>.json}, each the seed's V2 document
 * ({@code to_js_format} output, see {@link V2Document}) or one of our run documents. Nothing is computed; a
 * missing or malformed document fails its run with the file and the field.
 */
final class ImportedRuns {
    /** The {@code toolVersion} of a run read from a V2 document, which does not say what computed it. */
    static final String V2_TOOL = "unknown (V2 document)";

    private ImportedRuns() {}

    static RunOutcome read(Run run) {
        ModelEntry m = run.model();
        String name = m.importAsWritten() + "/" + run.prompt().id() + ".json";
        Path file = m.importDir().resolve(run.prompt().id() + ".json");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return RunOutcome.failed(run, "import: " + name + " not found (resolved to " + file.toAbsolutePath()
                    + "). Save one document per prompt there, named <prompt-id>.json: the tutorial's to_js_format"
                    + " output or a logitlens run document");
        } catch (IOException e) {
            return RunOutcome.failed(run, "import: " + name + " cannot be read (" + e.getMessage() + ")");
        }
        try {
            JsonNode root = V2Document.tree(bytes, name);
            String source = m.source();
            if (V2Document.isV2Only(root)) {
                LensResult r = V2Document.read(root, name);
                return RunOutcome.read(run, r, new Provenance(m.id(), source, null, "unknown", "unknown", "unknown",
                        r.k(), Arrays.stream(r.layers()).boxed().toList(), run.prompt().text(), V2_TOOL));
            }
            RunJson.Document doc = RunJson.read(bytes, name);
            Provenance p = doc.provenance();
            if (!p.prompt().equals(run.prompt().text())) {
                throw new UserInputException(name + ": provenance.prompt is '" + p.prompt() + "', but prompt '"
                        + run.prompt().id() + "' of the gallery is '" + run.prompt().text() + "'. Import the document"
                        + " of this prompt, or rename it to the prompt it holds");
            }
            return RunOutcome.read(run, doc.result(), new Provenance(m.id(), source, p.revision(), p.weightsHash(),
                    p.dtype(), p.device(), p.k(), p.layers(), p.prompt(), p.toolVersion()));
        } catch (UserInputException e) {
            return RunOutcome.failed(run, e.getMessage());
        }
    }
}
