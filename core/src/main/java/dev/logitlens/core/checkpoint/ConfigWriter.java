package dev.logitlens.core.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes a model directory's {@code config.json}, pretty-printed as transformers' save_pretrained does. */
public final class ConfigWriter {
    private ConfigWriter() {}

    /** Writes {@code dir/config.json} from its keys, in the map's order. */
    public static void write(Path dir, Map<String, Object> config) throws IOException {
        Files.createDirectories(dir);
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
    }
}
