package dev.logitlens.maven;

import dev.logitlens.core.gallery.GalleryParser;

/**
 * The user properties of the goals ({@code -Dlogitlens.k=3}). Used by the {@code @Parameter} annotations and
 * by every message that tells the user which property to change, so the two cannot disagree.
 */
final class PropertyNames {
    static final String CONFIG = GalleryParser.CONFIG_PROPERTY;
    static final String OUTPUT_DIRECTORY = "logitlens.outputDirectory";
    static final String CACHE_DIRECTORY = "logitlens.cacheDirectory";
    static final String DEVICE = "logitlens.device";
    static final String K = "logitlens.k";
    static final String LAYERS = "logitlens.layers";
    static final String MEMORY = "logitlens.memory";
    static final String MEMORY_BUDGET = "logitlens.memoryBudget";
    static final String REFRESH_REFS = "logitlens.refreshRefs";
    static final String SKIP = "logitlens.skip";
    static final String FAIL_FAST = "logitlens.failFast";
    static final String SHARD = "logitlens.shard";
    static final String COLLECT_DIRECTORY = "logitlens.collectDirectory";
    static final String PLAN = "logitlens.plan";
    static final String FROM = "logitlens.from";
    static final String MODEL = "logitlens.model";
    static final String CORPUS = "logitlens.corpus";
    static final String HELD_OUT = "logitlens.heldOut";
    static final String STEPS = "logitlens.steps";
    static final String BATCH = "logitlens.batch";
    static final String MAX_TOKENS = "logitlens.maxTokens";
    static final String LEARNING_RATE = "logitlens.learningRate";
    static final String SEED = "logitlens.seed";
    static final String LOG_EVERY = "logitlens.logEvery";
    static final String LENS_OUTPUT = "logitlens.lensOutput";

    private PropertyNames() {}
}
