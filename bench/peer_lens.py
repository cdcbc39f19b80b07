#!/usr/bin/env python3
"""Peer timing of the tutorial's collect_logit_lens in PyTorch eager, for the Java collector bench.

What it measures
    The wall time of the seed tutorial's logit-lens algorithm on a GPT-2 checkpoint directory
    (config.json + model.safetensors, e.g. the random GPT-2-small-shaped one the Java bench
    writes), per prompt of T tokens (ids 1..T), all layers:

      1. GPT-2's forward pass (learned positions, pre-LN blocks, causal attention, gelu_new),
         keeping the hidden state after every block;
      2. for each block li: logits = lm_head(ln_f(h[li])), probs = softmax(logits, -1),
         top-k ids of probs (the per-layer probs are kept);
      3. per position: the sorted unique union of its top-k ids over all layers, and the
         probability trajectory of each of those ids at every layer, gathered from the kept
         per-layer probs; results are turned into Python lists, as the tutorial does for its
         widget.

    Loading the checkpoint and converting the weights are not timed. One warm-up run, then
    --repeats timed runs; with --prompts N a run is N prompts of T tokens collected one after
    another (as the tutorial runs a gallery: one prompt at a time) and its time is the total.
    One JSON object per token count goes to stdout; diagnostics go to stderr.

How it routes through oneDNN, and why
    Every linear (attention c_attn and c_proj, MLP c_fc and c_proj, and the lm_head / lens
    projection) is a torch.nn.Linear (GPT-2's Conv1D weights [in, out] are transposed), and the
    model is passed through torch.utils.mkldnn.to_mkldnn, which swaps each nn.Linear for an
    MkldnnLinear holding its weight as a oneDNN tensor; inputs and outputs stay dense float32
    (MkldnnLinear converts them per call). Debian's torch is built against the generic
    libblas.so.3 (netlib's reference BLAS unless another provider is installed), so a plain
    nn.Linear runs several times slower than oneDNN; a fair user on that build routes the
    linears through oneDNN. What torch 1.13 requires for this:
      * the weights must be ordinary tensors when they are converted: to_mkldnn() of a tensor
        created under torch.inference_mode(), called outside it, fails with an internal assert
        (MKLDNNCommon.cpp "variable_excluded_from_dispatch"); so the model is built and
        converted outside inference mode, and only run under torch.inference_mode();
      * MkldnnLinear wants float32 throughout (a float64 input fails, and so does a module whose
        dense weights were bfloat16 before conversion), so BF16/F16 checkpoints are widened
        (exactly) to float32 when loaded;
      * torch 1.13 sends float32 matmul/bmm to BLAS (its oneDNN matmul path is bfloat16 only),
        so the attention products would run on the slow BLAS too: only ~2% of the FLOPs at 512
        tokens, but ~20% of the time there (0.24 s vs 0.025 s of CPU per layer, one thread). They
        are linears in disguise, q @ k^T = linear(q, weight=k) and att @ v = linear(att,
        weight=v^T), so per head they go through torch._C._nn.mkldnn_linear, the very op
        MkldnnLinear calls (activations converted per call, as MkldnnLinear does);
      * MkldnnLinear keeps its weight in oneDNN's plain layout and oneDNN reorders it to its
        blocked layout on every call (ONEDNN_VERBOSE shows a 50257x768 reorder per lm_head call,
        ~0.1 s each, more than the 64-token product itself); 1.13 has no public way to keep a
        linear weight pre-reordered. The tutorial lenses layer by layer, so by default the
        lm_head runs once per layer and pays this L times per prompt; --stack-layers (a variant,
        same numbers) lenses all layers in one lm_head call and pays it once.
    torch.set_num_threads(os.cpu_count()) unless --threads is given. Debian's torch uses GNU
    OpenMP, whose threads spin while they wait: on a shared, oversubscribed machine that burns
    CPU and inflates times several-fold (OMP_WAIT_POLICY=passive or --threads 1 show it); time
    on an otherwise idle machine.

Written against Debian 12's python3-torch 1.13.1 (torch.__version__ "1.13.0a0", oneDNN 2.6.3,
OpenMP) and python3-numpy 1.24; uses nothing else (the safetensors file is parsed here).

Usage
    python3 bench/peer_lens.py <checkpoint-dir> <tokens>[,<tokens>...] [--repeats 5] [--k 5]
                               [--prompts N] [--threads N] [--stack-layers] [--no-onednn]
    python3 bench/peer_lens.py --self-test
"""

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time

import numpy as np

try:
    import torch
    import torch.nn.functional as F
    from torch.utils import mkldnn as torch_mkldnn
except ImportError as e:  # pragma: no cover
    sys.stderr.write("peer_lens: needs torch (Debian: python3-torch): %s\n" % e)
    sys.exit(2)


def log(msg):
    sys.stderr.write("peer_lens: %s\n" % msg)
    sys.stderr.flush()


# ---------------------------------------------------------------------------------------------
# safetensors (read and, for the self-test, write)

_NP_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "BF16": np.uint16}


def _read_safetensors(path):
    """Returns {name: float32 numpy array}; F32, F16 and BF16 (widened exactly) are supported."""
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    n = int(np.frombuffer(raw[:8].tobytes(), dtype="<u8")[0])
    header = json.loads(raw[8:8 + n].tobytes().decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = info["dtype"]
        if dtype not in _NP_DTYPES:
            raise ValueError("%s: tensor %s has dtype %s; only F32, F16, BF16 (and F64) are supported"
                             % (path, name, dtype))
        start, end = info["data_offsets"]
        shape = tuple(info["shape"])
        buf = raw[base + start:base + end]
        a = np.frombuffer(buf, dtype=np.dtype(_NP_DTYPES[dtype]).newbyteorder("<"))
        if dtype == "BF16":
            a = (a.astype(np.uint32) << 16).view(np.float32)
        else:
            a = a.astype(np.float32)
        out[name] = a.reshape(shape)
    return out


def _to_bf16_bits(a):
    """float32 -> bfloat16 bits, round to nearest even."""
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return u.astype(np.uint16)


def _from_bf16_bits(b):
    return (b.astype(np.uint32) << 16).view(np.float32)


def _write_safetensors(path, tensors, dtype):
    """Writes {name: float32 array} in dtype (F32, F16 or BF16)."""
    header, blobs, off = {}, [], 0
    for name, a in tensors.items():
        if dtype == "F32":
            b = np.ascontiguousarray(a, dtype="<f4").tobytes()
        elif dtype == "F16":
            b = np.ascontiguousarray(a, dtype="<f2").tobytes()
        elif dtype == "BF16":
            b = _to_bf16_bits(a).astype("<u2").tobytes()
        else:
            raise ValueError(dtype)
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little"))
        f.write(h)
        for b in blobs:
            f.write(b)


def _load_weights(ckpt_dir):
    single = os.path.join(ckpt_dir, "model.safetensors")
    index = os.path.join(ckpt_dir, "model.safetensors.index.json")
    if os.path.exists(single):
        w = _read_safetensors(single)
    elif os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
        w = {}
        for name in files:
            w.update(_read_safetensors(os.path.join(ckpt_dir, name)))
    else:
        raise FileNotFoundError("no model.safetensors (or index) in %s" % ckpt_dir)
    # Names are "wte.weight" (hub gpt2) or "transformer.wte.weight" (GPT2LMHeadModel); lm_head.* as is.
    return {(k[len("transformer."):] if k.startswith("transformer.") else k): v for k, v in w.items()}


def _read_config(ckpt_dir):
    with open(os.path.join(ckpt_dir, "config.json")) as f:
        c = json.load(f)
    act = c.get("activation_function", "gelu_new")
    if act != "gelu_new":
        raise ValueError("activation_function %r: only gelu_new is implemented" % act)
    return {
        "n_layer": int(c["n_layer"]), "n_embd": int(c["n_embd"]), "n_head": int(c["n_head"]),
        "vocab_size": int(c["vocab_size"]), "n_positions": int(c["n_positions"]),
        "eps": float(c.get("layer_norm_epsilon", 1e-5)),
        "n_inner": int(c.get("n_inner") or 4 * int(c["n_embd"])),
    }


# ---------------------------------------------------------------------------------------------
# GPT-2 in torch eager

def _linear_from(weight_out_in, bias):
    """An nn.Linear holding weight [out, in] (contiguous) and bias, without a random init."""
    out_f, in_f = weight_out_in.shape
    lin = torch.nn.utils.skip_init(torch.nn.Linear, in_f, out_f, bias=bias is not None)
    lin.weight = torch.nn.Parameter(weight_out_in.contiguous(), requires_grad=False)
    if bias is not None:
        lin.bias = torch.nn.Parameter(bias.contiguous(), requires_grad=False)
    return lin


def _layer_norm(d, eps, w, b):
    ln = torch.nn.LayerNorm(d, eps=eps)
    ln.weight = torch.nn.Parameter(w, requires_grad=False)
    ln.bias = torch.nn.Parameter(b, requires_grad=False)
    return ln


def _dnn_linear(x, weight):
    """x @ weight^T for dense float32 2-D tensors, through oneDNN's inner product."""
    return torch._C._nn.mkldnn_linear(x.to_mkldnn(), weight.contiguous().to_mkldnn(), None).to_dense()


class Block(torch.nn.Module):
    def __init__(self, cfg, w, i):
        super().__init__()
        self.onednn_attention = False  # set by build_model
        p = "h.%d." % i
        t = lambda name: torch.from_numpy(np.array(w[p + name], dtype=np.float32))
        d, eps = cfg["n_embd"], cfg["eps"]
        self.n_head = cfg["n_head"]
        self.ln_1 = _layer_norm(d, eps, t("ln_1.weight"), t("ln_1.bias"))
        # Conv1D stores [in, out]; nn.Linear wants [out, in].
        self.c_attn = _linear_from(t("attn.c_attn.weight").t(), t("attn.c_attn.bias"))
        self.attn_proj = _linear_from(t("attn.c_proj.weight").t(), t("attn.c_proj.bias"))
        self.ln_2 = _layer_norm(d, eps, t("ln_2.weight"), t("ln_2.bias"))
        self.c_fc = _linear_from(t("mlp.c_fc.weight").t(), t("mlp.c_fc.bias"))
        self.mlp_proj = _linear_from(t("mlp.c_proj.weight").t(), t("mlp.c_proj.bias"))

    def forward(self, x, mask):
        T, d = x.shape
        H = self.n_head
        hd = d // H
        q, k, v = self.c_attn(self.ln_1(x)).split(d, dim=-1)
        q = q.reshape(T, H, hd).transpose(0, 1)  # [H, T, hd]
        k = k.reshape(T, H, hd).transpose(0, 1)
        v = v.reshape(T, H, hd).transpose(0, 1)
        if self.onednn_attention:
            # q @ k^T = linear(q, weight=k) and att @ v = linear(att, weight=v^T): the op MkldnnLinear calls.
            ys = []
            for hh in range(H):
                s = _dnn_linear(q[hh], k[hh]) * (1.0 / math.sqrt(hd))
                att = torch.softmax(s.masked_fill(mask, float("-inf")), dim=-1)
                ys.append(_dnn_linear(att, v[hh].t()))
            y = torch.stack(ys, dim=1).reshape(T, d)
        else:
            att = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(hd))
            att = torch.softmax(att.masked_fill(mask, float("-inf")), dim=-1)
            y = torch.matmul(att, v).transpose(0, 1).reshape(T, d)
        x = x + self.attn_proj(y)
        # gelu_new is exactly the tanh approximation of GELU.
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT2(torch.nn.Module):
    def __init__(self, cfg, w):
        super().__init__()
        self.cfg = cfg
        t = lambda name: torch.from_numpy(np.array(w[name], dtype=np.float32))
        self.wte = t("wte.weight")  # [V, d], dense: embedding lookup
        self.wpe = t("wpe.weight")  # [n_positions, d]
        self.h = torch.nn.ModuleList([Block(cfg, w, i) for i in range(cfg["n_layer"])])
        self.ln_f = _layer_norm(cfg["n_embd"], cfg["eps"], t("ln_f.weight"), t("ln_f.bias"))
        head = t("lm_head.weight") if "lm_head.weight" in w else self.wte  # tied unless present
        self.lm_head = _linear_from(head, None)

    def hidden_states(self, ids):
        """The residual stream after each block, [T, d] each."""
        T = ids.shape[0]
        if T > self.cfg["n_positions"]:
            raise ValueError("%d tokens > n_positions %d" % (T, self.cfg["n_positions"]))
        x = self.wte[ids] + self.wpe[:T]
        mask = torch.ones(T, T, dtype=torch.bool).triu_(1)
        out = []
        for block in self.h:
            x = block(x, mask)
            out.append(x)
        return out


def build_model(ckpt_dir, onednn=True):
    """Loads and (outside inference mode, see the header) converts the model."""
    cfg = _read_config(ckpt_dir)
    w = _load_weights(ckpt_dir)
    with torch.no_grad():
        model = GPT2(cfg, w).eval()
        if onednn:
            model = torch_mkldnn.to_mkldnn(model)
            for block in model.h:
                block.onednn_attention = True
    del w
    return model


# ---------------------------------------------------------------------------------------------
# The tutorial's collect_logit_lens, all layers

def collect_logit_lens(model, ids, k, stacked=False):
    """Returns (topk ids [L][T][k], tracked ids [T][n_p], trajectories [T][L][n_p]) as lists.

    stacked: lens all layers in one lm_head call on [L*T, d] instead of one call per layer (same
    numbers; MkldnnLinear then reorders the lm_head weight once per prompt instead of L times).
    """
    hs = model.hidden_states(ids)
    L, T = len(hs), ids.shape[0]
    probs, tops = [], []
    if stacked:
        p_all = torch.softmax(model.lm_head(model.ln_f(torch.cat(hs))), dim=-1)  # [L*T, V]
        top_all = torch.topk(p_all, k, dim=-1).indices
        probs, tops = list(p_all.split(T)), list(top_all.split(T))
    else:
        for h in hs:
            logits = model.lm_head(model.ln_f(h))  # [T, V]
            p = torch.softmax(logits, dim=-1)
            probs.append(p)
            tops.append(torch.topk(p, k, dim=-1).indices)  # [T, k], descending probability
    top = torch.stack(tops)  # [L, T, k]
    # Per position: sorted union of its top-k over layers (duplicates marked, not yet dropped) ...
    cand = top.permute(1, 0, 2).reshape(T, L * k).sort(dim=-1).values  # [T, L*k]
    keep = torch.ones_like(cand, dtype=torch.bool)
    keep[:, 1:] = cand[:, 1:] != cand[:, :-1]
    # ... and every candidate's probability at every layer, gathered from the kept probs.
    traj = torch.stack([p.gather(1, cand) for p in probs])  # [L, T, L*k]
    tracked, trajectories = [], []
    for pos in range(T):
        sel = keep[pos]
        tracked.append(cand[pos][sel].tolist())
        trajectories.append(traj[:, pos][:, sel].tolist())
    return top.tolist(), tracked, trajectories


def prompt_ids(j, T, vocab):
    """Prompt j of a gallery: T ids in 1..vocab-1 (prompt 0 is 1..T)."""
    return 1 + (torch.arange(T, dtype=torch.long) + j * T) % (vocab - 1)


def time_tokens(model, T, k, prompts, repeats, stacked=False):
    """Wall seconds of each timed run (after one warm-up); CPU seconds go to stderr."""
    vocab = model.cfg["vocab_size"]
    gallery = [prompt_ids(j, T, vocab) for j in range(prompts)]

    def one_run():
        t0, c0 = time.perf_counter(), time.process_time()
        for ids in gallery:
            collect_logit_lens(model, ids, k, stacked)
        return time.perf_counter() - t0, time.process_time() - c0

    with torch.inference_mode():
        warm, cpu = one_run()
        log("%d tokens x %d prompt(s): warm-up %.3f s (cpu %.3f s)" % (T, prompts, warm, cpu))
        runs = []
        for r in range(repeats):
            wall, cpu = one_run()
            runs.append(wall)
            log("%d tokens x %d prompt(s): run %d %.3f s (cpu %.3f s)" % (T, prompts, r + 1, wall, cpu))
    return runs


# ---------------------------------------------------------------------------------------------
# Self-test: a tiny random checkpoint, checked against a plain numpy GPT-2

def _random_gpt2(rng, n_layer, d, vocab, positions):
    std = 0.2
    w = {"wte.weight": rng.normal(0, std, (vocab, d)), "wpe.weight": rng.normal(0, std, (positions, d))}
    for i in range(n_layer):
        b = "h.%d." % i
        w[b + "ln_1.weight"] = rng.normal(1, 0.1, d)
        w[b + "ln_1.bias"] = rng.normal(0, 0.1, d)
        w[b + "attn.c_attn.weight"] = rng.normal(0, std, (d, 3 * d))
        w[b + "attn.c_attn.bias"] = rng.normal(0, 0.1, 3 * d)
        w[b + "attn.c_proj.weight"] = rng.normal(0, std, (d, d))
        w[b + "attn.c_proj.bias"] = rng.normal(0, 0.1, d)
        w[b + "ln_2.weight"] = rng.normal(1, 0.1, d)
        w[b + "ln_2.bias"] = rng.normal(0, 0.1, d)
        w[b + "mlp.c_fc.weight"] = rng.normal(0, std, (d, 4 * d))
        w[b + "mlp.c_fc.bias"] = rng.normal(0, 0.1, 4 * d)
        w[b + "mlp.c_proj.weight"] = rng.normal(0, std, (4 * d, d))
        w[b + "mlp.c_proj.bias"] = rng.normal(0, 0.1, d)
    w["ln_f.weight"] = rng.normal(1, 0.1, d)
    w["ln_f.bias"] = rng.normal(0, 0.1, d)
    return {name: a.astype(np.float32) for name, a in w.items()}


def write_checkpoint(ckpt_dir, n_layer, d, n_head, vocab, positions, dtype, prefix="", tied=True, seed=0):
    """Writes config.json and model.safetensors; returns the weights as stored (rounded), no prefix."""
    rng = np.random.default_rng(seed)
    w = _random_gpt2(rng, n_layer, d, vocab, positions)
    if not tied:
        w["lm_head.weight"] = rng.normal(0, 0.2, (vocab, d)).astype(np.float32)
    os.makedirs(ckpt_dir, exist_ok=True)
    named = {("" if n.startswith("lm_head.") else prefix) + n: a for n, a in w.items()}
    _write_safetensors(os.path.join(ckpt_dir, "model.safetensors"), named, dtype)
    config = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": vocab,
              "n_positions": positions, "n_embd": d, "n_layer": n_layer, "n_head": n_head,
              "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5, "tie_word_embeddings": tied}
    with open(os.path.join(ckpt_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    if dtype == "BF16":
        return {n: _from_bf16_bits(_to_bf16_bits(a)) for n, a in w.items()}
    if dtype == "F16":
        return {n: a.astype(np.float16).astype(np.float32) for n, a in w.items()}
    return w


def numpy_gpt2_lens(w, n_layer, n_head, ids, eps=1e-5):
    """Straightforward float64 GPT-2: per-layer lens probs [L, T, V] and the final logits [T, V]."""
    g = {n: a.astype(np.float64) for n, a in w.items()}
    head = g.get("lm_head.weight", g["wte.weight"])

    def ln(x, wt, b):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + eps) * wt + b

    def gelu_new(x):
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))

    def softmax(x):
        e = np.exp(x - x.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    T = len(ids)
    x = g["wte.weight"][ids] + g["wpe.weight"][:T]
    d = x.shape[1]
    hd = d // n_head
    lens, logits = [], None
    for i in range(n_layer):
        b = "h.%d." % i
        a = ln(x, g[b + "ln_1.weight"], g[b + "ln_1.bias"]) @ g[b + "attn.c_attn.weight"] + g[b + "attn.c_attn.bias"]
        q, k, v = a[:, :d], a[:, d:2 * d], a[:, 2 * d:]
        y = np.zeros((T, d))
        for hh in range(n_head):
            s = slice(hh * hd, (hh + 1) * hd)
            sc = q[:, s] @ k[:, s].T / math.sqrt(hd)
            for r in range(T):
                sc[r, r + 1:] = -np.inf
            y[:, s] = softmax(sc) @ v[:, s]
        x = x + y @ g[b + "attn.c_proj.weight"] + g[b + "attn.c_proj.bias"]
        m = gelu_new(ln(x, g[b + "ln_2.weight"], g[b + "ln_2.bias"]) @ g[b + "mlp.c_fc.weight"] + g[b + "mlp.c_fc.bias"])
        x = x + m @ g[b + "mlp.c_proj.weight"] + g[b + "mlp.c_proj.bias"]
        logits = ln(x, g["ln_f.weight"], g["ln_f.bias"]) @ head.T
        lens.append(softmax(logits))
    return np.stack(lens), logits


def self_test():
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    n_layer, d, n_head, vocab, positions, T, k = 2, 64, 4, 500, 32, 12, 5
    cases = [("F32", "", True), ("BF16", "transformer.", False), ("F16", "", True)]
    ok = True
    with tempfile.TemporaryDirectory(prefix="peer_lens_selftest_") as tmp:
        for n, (dtype, prefix, tied) in enumerate(cases):
            ckpt = os.path.join(tmp, "ck%d" % n)
            w = write_checkpoint(ckpt, n_layer, d, n_head, vocab, positions, dtype, prefix, tied, seed=n)
            ids = prompt_ids(0, T, vocab)
            ref_probs, ref_logits = numpy_gpt2_lens(w, n_layer, n_head, ids.numpy())
            for onednn in (True, False):
                model = build_model(ckpt, onednn=onednn)
                linear_types = {type(m).__name__ for m in model.modules()
                                if type(m).__name__ in ("Linear", "MkldnnLinear")}
                want = {"MkldnnLinear"} if onednn else {"Linear"}
                if any(b.onednn_attention != onednn for b in model.h):
                    linear_types.add("attention not on the %s path" % ("oneDNN" if onednn else "BLAS"))
                with torch.inference_mode():
                    hs = model.hidden_states(ids)
                    logits = model.lm_head(model.ln_f(hs[-1])).numpy()
                    top, tracked, traj = collect_logit_lens(model, ids, k)
                    stacked_same = collect_logit_lens(model, ids, k, stacked=True)[:2] == (top, tracked)
                err = float(np.abs(logits - ref_logits).max())
                # Lens structure: top-k against numpy, each tracked id's trajectory against numpy.
                ref_top = np.argsort(-ref_probs, axis=-1, kind="stable")[:, :, :k]
                top_ok = np.array_equal(np.array(top), ref_top)
                union_ok = all(tracked[p] == sorted(set(ref_top[:, p, :].ravel().tolist())) for p in range(T))
                traj_err = max(float(np.abs(np.array(traj[p]) - ref_probs[:, p, tracked[p]]).max())
                               for p in range(T))
                good = (err < 1e-4 and traj_err < 1e-5 and top_ok and union_ok and stacked_same
                        and linear_types == want
                        and len(traj) == T and all(len(t) == n_layer for t in traj))
                ok &= good
                log("self-test %-4s prefix=%-13r tied=%-5s %-9s linears=%s max|logit err|=%.2e "
                    "max|traj err|=%.2e topk=%s union=%s stacked=%s -> %s"
                    % (dtype, prefix, tied, "oneDNN" if onednn else "nn.Linear", sorted(linear_types),
                       err, traj_err, top_ok, union_ok, stacked_same, "ok" if good else "FAIL"))
    log("self-test %s" % ("passed" if ok else "FAILED"))
    return 0 if ok else 1


# ---------------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description="Peer timing of the tutorial's collect_logit_lens (PyTorch eager).")
    ap.add_argument("checkpoint", nargs="?", help="directory with config.json and model.safetensors")
    ap.add_argument("tokens", nargs="?", help="prompt lengths, comma-separated, e.g. 8,64,512")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--prompts", type=int, default=1, help="prompts per run, collected one after another")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: os.cpu_count())")
    ap.add_argument("--no-onednn", action="store_true",
                    help="diagnostic: plain nn.Linear and torch.matmul attention (BLAS)")
    ap.add_argument("--stack-layers", action="store_true",
                    help="variant: one lm_head call over all layers per prompt (one weight reorder)")
    ap.add_argument("--self-test", action="store_true", help="check against numpy on a tiny checkpoint")
    a = ap.parse_args(argv)
    if a.self_test:
        return self_test()
    if not a.checkpoint or not a.tokens:
        ap.error("give <checkpoint-dir> <tokens>[,<tokens>...] (or --self-test)")
    tokens = [int(t) for t in a.tokens.split(",") if t.strip()]
    if a.repeats < 1 or a.k < 1 or a.prompts < 1 or any(t < 1 for t in tokens):
        ap.error("--repeats, --k, --prompts and token counts must be at least 1")
    threads = a.threads if a.threads else (os.cpu_count() or 1)
    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    model = build_model(a.checkpoint, onednn=not a.no_onednn)
    c = model.cfg
    log("loaded %s in %.2f s: %d layers, d %d, %d heads, vocab %d; torch %s, %d threads, linears via %s"
        % (a.checkpoint, time.perf_counter() - t0, c["n_layer"], c["n_embd"], c["n_head"], c["vocab_size"],
           torch.__version__, torch.get_num_threads(), "nn.Linear" if a.no_onednn else "oneDNN (MkldnnLinear)"))
    if a.k > c["vocab_size"]:
        ap.error("--k %d > vocab %d" % (a.k, c["vocab_size"]))
    if max(tokens) > c["n_positions"]:
        ap.error("%d tokens > n_positions %d" % (max(tokens), c["n_positions"]))
    for T in tokens:
        runs = time_tokens(model, T, a.k, a.prompts, a.repeats, a.stack_layers)
        print(json.dumps({"tokens": T, "prompts": a.prompts, "median_s": statistics.median(runs),
                          "min_s": min(runs), "runs": runs, "torch": torch.__version__,
                          "threads": torch.get_num_threads(), "onednn": not a.no_onednn,
                          "stacked_lens": a.stack_layers}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
