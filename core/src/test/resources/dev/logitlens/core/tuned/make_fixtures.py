# Writes the PyTorch-made fixtures of TorchStateDictTest, once, with Debian's python3-torch (1.13):
#   python3 make_fixtures.py
# The tests only read the committed outputs; they never need Python.
import hashlib, json
import numpy as np
import torch as th

def lens_state(d, layers, dtype, seed):
    g = th.Generator().manual_seed(seed)
    mods = th.nn.ModuleList([th.nn.Linear(d, d, bias=True, dtype=dtype) for _ in range(layers)])
    with th.no_grad():
        for m in mods:
            m.weight.copy_(th.randn(d, d, generator=g) * 0.1)
            m.bias.copy_(th.randn(d, generator=g) * 0.1)
    return mods.state_dict()

expected = {}
for name, dtype in [("f32", th.float32), ("f16", th.float16), ("bf16", th.bfloat16)]:
    state = lens_state(4, 3, dtype, 7)
    th.save(state, f"params-{name}.pt")   # zip folder "params-<name>/", as torch names it after the file
    expected[name] = {k: v.float().flatten().tolist() for k, v in state.items()}
    expected[name + "_shapes"] = {k: list(v.shape) for k, v in state.items()}

# tuned-lens's unembed_hash: sha256 of numpy's array_str at precision 1, for a few matrices
hashes = []
for seed, rows, cols, scale in [(1, 3, 4, 1.0), (2, 40, 30, 0.05), (3, 64, 16, 3.0), (4, 5, 5, 1e-5)]:
    g = th.Generator().manual_seed(seed)
    m = (th.randn(rows, cols, generator=g) * scale).numpy().astype(np.float32)
    hashes.append({"seed": seed, "rows": rows, "cols": cols, "values": m.flatten().tolist(),
                   "array_str": np.array_str(m, precision=1),
                   "sha256": hashlib.sha256(str.encode(np.array_str(m, precision=1))).hexdigest()})
expected["hashes"] = hashes
with open("expected.json", "w") as f:
    json.dump(expected, f)
print(th.__version__)
