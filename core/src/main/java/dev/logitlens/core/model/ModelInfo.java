package dev.logitlens.core.model;

/**
 * What the collector and the pages need to know about a loaded model.
 *
 * @param modelType  config.json's model_type
 * @param numLayers  number of blocks (L)
 * @param hiddenSize D
 * @param vocabSize  rows of the unembedding (V)
 * @param maxPositions longest prompt the model accepts, or {@code Integer.MAX_VALUE} when unbounded
 * @param dtype      compute dtype, e.g. {@code float32}
 * @param device     device name, e.g. {@code cpu}
 */
public record ModelInfo(String modelType, int numLayers, int hiddenSize, int vocabSize, int maxPositions,
                        String dtype, String device) {}
