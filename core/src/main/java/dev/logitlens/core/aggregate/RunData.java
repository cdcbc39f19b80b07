package dev.logitlens.core.aggregate;

import dev.logitlens.core.lens.LensResult;

import java.util.List;
import java.util.Objects;

/**
 * One ok run as the aggregates see it: plain numbers and the names to group them by.
 *
 * @param modelId  the gallery id of the model
 * @param promptId the gallery id of the prompt
 * @param tags     the prompt's tags
 * @param result   the run's lens result
 */
public record RunData(String modelId, String promptId, List<String> tags, LensResult result) {
    public RunData {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(promptId, "promptId");
        tags = tags == null ? List.of() : List.copyOf(tags);
        Objects.requireNonNull(result, "result");
    }
}
