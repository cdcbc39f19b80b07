package dev.logitlens.core.lens;

import java.util.List;

/**
 * Where a run's numbers came from: enough to reproduce them and to tell two runs apart.
 *
 * @param modelId     the gallery id of the model
 * @param source      {@code path:<dir as written in the gallery>} or {@code hub:<org/name>}
 * @param revision    resolved hub commit, or null for a local directory
 * @param weightsHash sha256 (hex) over the safetensors headers, file sizes and data (whole files up to 256 MiB,
 *                    evenly spaced samples of larger ones, see SafetensorsFile#digest): identifies the weights
 *                    without reading gigabytes
 * @param dtype       dtype the weights were computed in (e.g. {@code float32})
 * @param device      device the run used (e.g. {@code cpu}, {@code gpu(0)})
 * @param k           top-k
 * @param layers      lensed block indices
 * @param prompt      the prompt text
 * @param toolVersion logitlens version that computed it
 */
public record Provenance(
        String modelId,
        String source,
        String revision,
        String weightsHash,
        String dtype,
        String device,
        int k,
        List<Integer> layers,
        String prompt,
        String toolVersion) {
    public Provenance {
        layers = List.copyOf(layers);
    }
}
