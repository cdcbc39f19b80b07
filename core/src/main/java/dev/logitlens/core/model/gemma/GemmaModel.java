package dev.logitlens.core.model.gemma;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.logitlens.core.model.BaseLensModel;
import dev.logitlens.core.model.Batch;
import dev.logitlens.core.model.BlockStore;
import dev.logitlens.core.model.Ops;
import dev.logitlens.core.model.Rope;
import dev.logitlens.core.model.Unembedding;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Gemma 1/2/3 text ({@code GemmaForCausalLM}, {@code Gemma2ForCausalLM}, {@code Gemma3ForCausalLM}): embeddings
 * scaled by sqrt(D), RMSNorm with {@code (1 + w)}, rotary attention with grouped key/value heads, GeGLU MLP
 * ({@code down(act(gate(x)) · up(x))}); Gemma 2/3 add norms after attention and around the MLP, alternating
 * local (sliding-window) and global layers and a final logit soft-cap; Gemma 3 adds q/k norms and a separate
 * rotary base for local layers.
 */
public final class GemmaModel extends BaseLensModel<GemmaConfig, GemmaWeights, GemmaWeights.Block> {
    private final List<Rope> ropes; // per layer (local and global layers may differ)

    public GemmaModel(GemmaConfig config, GemmaWeights weights, BlockStore<GemmaWeights.Block> blocks,
                      NDManager manager) {
        super(config, weights, blocks, manager, config.modelType(), config.numLayers(), config.hiddenSize(), config.vocabSize(),
                config.maxPositions(), weights.embed());
        Map<GemmaConfig.Layer, Rope> byKind = new HashMap<>();
        List<Rope> perLayer = new ArrayList<>();
        for (GemmaConfig.Layer l : config.layers()) {
            GemmaConfig.Layer key = new GemmaConfig.Layer(0, l.ropeTheta(), l.ropeScaling());
            perLayer.add(byKind.computeIfAbsent(key, k ->
                    Rope.fromConfig(config.headDim(), k.ropeTheta(), k.ropeScaling(), config.maxPositions())));
        }
        this.ropes = List.copyOf(perLayer);
    }

    /** h = embed[ids] · sqrt(D), the normalizer rounded to the activations' dtype as Hugging Face does   [N, D] */
    @Override
    public NDArray embed(Batch batch) {
        NDArray embedded = Ops.embed(w.embed(), batch.ids());
        NDArray normalizer = batch.manager().create((float) Math.sqrt(config.hiddenSize()))
                .toType(embedded.getDataType(), false);
        return embedded.mul(normalizer);
    }

    /** One block: h + [post-norm] attn(input_norm(h)), then + [post-norm] mlp(pre-norm(h)). */
    @Override
    protected NDArray block(int layer, GemmaWeights.Block b, NDArray h, Batch batch) {
        Rope rope = ropes.get(layer);
        float eps = config.rmsNormEps();
        // Attention: project, split heads                              q [H, T, Dh], k/v [Hkv, T, Dh]
        NDArray x = Ops.rmsNorm(h, b.inputNorm(), eps, true);
        NDArray q = Ops.splitHeads(Ops.linear(x, b.qW(), b.qB()), config.numHeads());
        NDArray k = Ops.splitHeads(Ops.linear(x, b.kW(), b.kB()), config.numKvHeads());
        NDArray v = Ops.splitHeads(Ops.linear(x, b.vW(), b.vB()), config.numKvHeads());
        if (config.qkNorm()) { // Gemma 3: RMSNorm over each head's Dh, before the rotation
            q = Ops.rmsNorm(q, b.qNorm(), eps, true);
            k = Ops.rmsNorm(k, b.kNorm(), eps, true);
        }
        q = rope.apply(q, false, batch);
        k = rope.apply(k, false, batch);
        NDArray attn = Ops.attention(batch, q, k, v, config.layers().get(layer).window(), (float) config.attentionScale(), config.attnSoftcap()); // [T, Q]
        attn = Ops.linear(attn, b.oW(), b.oB());                                                            // [T, D]
        if (config.sandwichNorms()) {
            attn = Ops.rmsNorm(attn, b.postAttnNorm(), eps, true);
        }
        h = h.add(attn);
        // MLP: GeGLU                                                   [T, I] → [T, D]
        x = Ops.rmsNorm(h, config.sandwichNorms() ? b.preFfNorm() : b.postAttnNorm(), eps, true);
        NDArray gate = Ops.activation(config.activation(), Ops.linear(x, b.gateW(), null));
        NDArray mlp = Ops.linear(gate.mul(Ops.linear(x, b.upW(), null)), b.downW(), null);
        if (config.sandwichNorms()) {
            mlp = Ops.rmsNorm(mlp, b.postFfNorm(), eps, true);
        }
        return h.add(mlp);
    }

    @Override
    public NDArray finalNorm(NDArray hidden) {
        return Ops.rmsNorm(hidden, w.norm(), config.rmsNormEps(), true);
    }

    @Override
    public Unembedding unembedding() {
        // Tied to embed_tokens (unscaled: the sqrt(D) normalizer applies to the input side only).
        return new Unembedding(w.lmHead() != null ? w.lmHead() : w.embed(), null, config.finalSoftcap());
    }
}
