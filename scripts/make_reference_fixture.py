#!/usr/bin/env python
"""Make the numerical reference fixture for our TRM re-implementation.

Made against the reference repository SamsungSAILMontreal/TinyRecursiveModels at commit
e7b68717f0a6c4cbb4ce6fbef787b14f42083bd9 ("Update README.md", 2025-10-08).

The script imports the *reference* code from a checkout given with ``--reference`` (it is put on
``sys.path`` and ``models.recursive_reasoning.trm`` is imported from it). Nothing of the reference
is copied into this repository: the fixture holds only tensors (a randomised reference state dict and
the reference's outputs) plus the config used.

For each of two tiny Sudoku configurations,

* ``mlp``: TRM-MLP  (``mlp_t=True``,  ``pos_encodings='none'``)
* ``att``: TRM-Att  (``mlp_t=False``, ``pos_encodings='rope'``)

it builds ``TinyRecursiveReasoningModel_ACTV1`` in float32 on the CPU, overwrites EVERY persistent
parameter and buffer with seeded random values (so the zero-initialised Q-head weight, the -5 Q-head
bias, the zero puzzle embedding, H_init and L_init are all non-trivial), puts it in eval mode
(so ``CastedSparseEmbedding`` reads its stored ``weights`` buffer) and runs the reference ACT wrapper
for 3 supervision steps on 4 real puzzles (``initial_carry`` then ``forward`` 3 times), recording
logits, Q logits and the carried z_H (y) / z_L (z) after every step. A few intermediate tensors
(input embeddings, one block and one L_level call on a seeded random input, RoPE tables) are stored
too, to help debug a mismatch.

Outputs, in ``--out`` (default tests/fixtures/reference_trm/):
  {mlp,att}.safetensors          reference state dict, reference key names, fp32
  {mlp,att}_outputs.safetensors  inputs and per-step outputs (see README.md there)
  {mlp,att}_config.json          exact reference config dict, commit, seeds, blob hashes

Usage (with the reference's ``models/`` folder at REFERENCE_COMMIT checked out in /tmp/trm_ref):
  python scripts/make_reference_fixture.py --reference /tmp/trm_ref --out tests/fixtures/reference_trm/

Needs torch, safetensors, numpy, and the reference's own imports ``pydantic`` and ``einops``
(pydantic is only needed to run this script; it is not a dependency of this project).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import subprocess
import sys
from pathlib import Path

import torch

REFERENCE_REPO = "SamsungSAILMontreal/TinyRecursiveModels"
REFERENCE_COMMIT = "e7b68717f0a6c4cbb4ce6fbef787b14f42083bd9"
# git blob ids of the reference files this fixture depends on, at REFERENCE_COMMIT
# (`git ls-tree -r e7b68717 models/`). Checked so the fixture cannot silently be made from other code.
REFERENCE_BLOBS = {
    "models/recursive_reasoning/trm.py": "5c3e39dfb6e2f93f0781e9e25af9a12751201482",
    "models/layers.py": "5d5264bf4913fdc022f0f9bcc1e3136083946bfb",
    "models/common.py": "1a045051f26cd2ecf25b5d16a11cb609de7df0e4",
    "models/sparse_embedding.py": "f369205e34a05767d8d529e3ba39463689fab787",
}

DATA_CSV = Path(__file__).resolve().parents[1] / "assets" / "puzzles" / "sudoku_extreme_train_1k.csv"
PUZZLE_ROWS = [0, 1, 2, 3]   # first 4 data rows of the CSV
N_STEPS = 3                  # supervision steps recorded

BASE_CONFIG = dict(
    batch_size=4,
    seq_len=81,
    puzzle_emb_ndim=64,
    num_puzzle_identifiers=1,
    vocab_size=11,
    H_cycles=3,
    L_cycles=2,
    H_layers=0,
    L_layers=2,
    hidden_size=64,
    expansion=4,
    num_heads=4,
    rms_norm_eps=1e-5,
    rope_theta=10000.0,
    halt_max_steps=16,
    halt_exploration_prob=0.1,
    forward_dtype="float32",
    puzzle_emb_len=16,
    no_ACT_continue=True,
)
NO_PREFIX = dict(puzzle_emb_ndim=0, puzzle_emb_len=0)  # no puzzle embedding: the Q-head reads the first cell
VARIANTS = {
    "mlp": dict(BASE_CONFIG, mlp_t=True, pos_encodings="none"),
    "att": dict(BASE_CONFIG, mlp_t=False, pos_encodings="rope"),
    "mlp_noprefix": dict(BASE_CONFIG, mlp_t=True, pos_encodings="none", **NO_PREFIX),
    "att_noprefix": dict(BASE_CONFIG, mlp_t=False, pos_encodings="rope", **NO_PREFIX),
}
SEEDS = {"mlp": 1234, "att": 5678, "mlp_noprefix": 4321, "att_noprefix": 8765}
# Gain on the std of every CastedLinear weight. At gain 1 the MLP variant (token-mixing SwiGLU + RMSNorm
# over the sequence axis) is chaotic: fp32 rounding grows ~10x per supervision step (6e-3 on the step-3
# logits vs a float64 run), which would force loose test tolerances. At 0.7 it stays ~1e-5 and the
# outputs are still far from trivial. The attention variant is well-conditioned at gain 1.
LINEAR_GAIN = {"mlp": 0.7, "att": 1.0, "mlp_noprefix": 0.7, "att_noprefix": 1.0}


def git_blob_id(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def check_reference(ref: Path, allow_mismatch: bool) -> dict:
    blobs = {rel: git_blob_id(ref / rel) for rel in REFERENCE_BLOBS}
    bad = {rel: b for rel, b in blobs.items() if b != REFERENCE_BLOBS[rel]}
    if bad and not allow_mismatch:
        raise SystemExit(f"reference files differ from commit {REFERENCE_COMMIT}: {bad}")
    head = None
    try:
        head = subprocess.run(["git", "-C", str(ref), "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip() or None
    except Exception:  # a checkout without .git (an exported tree): the blob hashes above still pin it
        pass
    return {"blobs": blobs, "blobs_match_commit": not bad, "checkout_git_head": head}


def load_puzzles() -> tuple[torch.Tensor, torch.Tensor]:
    with DATA_CSV.open(newline="") as f:
        rows = list(csv.DictReader(f))
    inputs, labels = [], []
    for i in PUZZLE_ROWS:
        q, a = rows[i]["puzzle"], rows[i]["solution"]
        assert len(q) == 81 and len(a) == 81
        # tokens: 0 pad, 1 blank, 2..10 digits 1..9  (blank '0' or '.' -> 1, digit d -> d + 1)
        inputs.append([1 if c in "0." else int(c) + 1 for c in q])
        labels.append([int(c) + 1 for c in a])
    return torch.tensor(inputs, dtype=torch.int32), torch.tensor(labels, dtype=torch.int32)


@torch.no_grad()
def randomise_(model: torch.nn.Module, seed: int, hidden: int, linear_gain: float) -> dict:
    """Overwrite every persistent parameter/buffer (sorted key order) from one seeded generator.

    Scales keep activations O(1): linear weights N(0, (linear_gain**2)/fan_in), token + puzzle embeddings
    N(0, 1/hidden) (they are multiplied by sqrt(hidden) later), H_init/L_init N(0, 1), Q-head bias N(0, 1).
    Non-persistent buffers (RoPE cos/sin tables, sparse-embedding local_weights/local_ids) are not in the
    state dict and are left as the reference computes them.
    """
    gen = torch.Generator().manual_seed(seed)
    sd = model.state_dict()
    scales = {}
    for key in sorted(sd):
        t = sd[key]
        if key.endswith(("embed_tokens.embedding_weight", "puzzle_emb.weights")):
            std = 1.0 / math.sqrt(hidden)
        elif key.endswith(("H_init", "L_init", "q_head.bias")):
            std = 1.0
        elif t.ndim == 2:  # CastedLinear weight [out, in]
            std = linear_gain / math.sqrt(t.shape[1])
        else:
            raise AssertionError(f"unexpected state-dict entry {key} {tuple(t.shape)}")
        t.copy_(torch.randn(t.shape, generator=gen, dtype=torch.float32) * std)
        scales[key] = std
    return scales


def _step_outputs(model, batch: dict) -> dict:
    """The reference's carry and outputs after each of N_STEPS supervision steps."""
    tensors = {}
    carry = model.initial_carry(batch)
    for step in range(1, N_STEPS + 1):
        carry, outs = model(carry, batch)
        tensors[f"step{step}.logits"] = outs["logits"].float().contiguous()
        tensors[f"step{step}.q_halt_logits"] = outs["q_halt_logits"].float().contiguous()
        tensors[f"step{step}.q_continue_logits"] = outs["q_continue_logits"].float().contiguous()
        tensors[f"step{step}.z_H"] = carry.inner_carry.z_H.float().contiguous()
        tensors[f"step{step}.z_L"] = carry.inner_carry.z_L.float().contiguous()
        tensors[f"step{step}.steps"] = carry.steps.clone()
        tensors[f"step{step}.halted"] = carry.halted.to(torch.int32)
    return tensors


def _debug_intermediates(model, name: str, cfg: dict, batch: dict) -> dict:
    """Embeddings, RoPE tables, one block and the L-level on random inputs (same randomised weights)."""
    inner = model.inner
    tensors = {"debug.input_embeddings": inner._input_embeddings(
        batch["inputs"], batch["puzzle_identifiers"]).float().contiguous()}
    cos_sin = inner.rotary_emb() if hasattr(inner, "rotary_emb") else None
    if cos_sin is not None:
        tensors["debug.rope_cos"] = cos_sin[0].contiguous()
        tensors["debug.rope_sin"] = cos_sin[1].contiguous()
    g = torch.Generator().manual_seed(SEEDS[name] + 1)
    L = cfg["seq_len"] + cfg["puzzle_emb_len"]
    nb = 2  # debug batch: 2 samples are enough to exercise the batch dim and keep the file small
    x = torch.randn(nb, L, cfg["hidden_size"], generator=g)
    inj = torch.randn(nb, L, cfg["hidden_size"], generator=g)
    tensors["debug.block_in"] = x
    tensors["debug.block0_out"] = inner.L_level.layers[0](cos_sin=cos_sin, hidden_states=x).contiguous()
    tensors["debug.injection"] = inj
    tensors["debug.L_level_out"] = inner.L_level(x, inj, cos_sin=cos_sin).contiguous()
    return tensors


def _check_not_degenerate(name: str, tensors: dict) -> None:
    """Every output finite, varying over the batch and changing from step to step (else the test proves little)."""
    for k, v in tensors.items():
        if v.is_floating_point():
            assert torch.isfinite(v).all(), k
    for step in range(1, N_STEPS + 1):
        lg, q = tensors[f"step{step}.logits"], tensors[f"step{step}.q_halt_logits"]
        assert lg.std() > 1e-3 and lg.std(dim=0).mean() > 1e-3, f"{name} step{step} logits near-constant"
        assert q.std() > 1e-3, f"{name} step{step} q_halt does not vary over the batch: {q}"
        assert not torch.equal(tensors[f"step{step}.z_H"][0], tensors[f"step{step}.z_H"][1])
        if step > 1:
            assert not torch.allclose(lg, tensors[f"step{step - 1}.logits"]), "carry has no effect"


def _float64_differences(trm, model, cfg: dict, batch: dict, tensors: dict) -> dict:
    """Sensitivity estimate: the same reference code in float64 (rms_norm still computes in fp32 inside)."""
    m64 = trm.TinyRecursiveReasoningModel_ACTV1(dict(cfg, forward_dtype="float64"))
    m64.load_state_dict({k: v.double() for k, v in model.state_dict().items()})
    m64 = m64.double().eval()
    fp64_diff = {}
    with torch.no_grad():
        c = m64.initial_carry(batch)
        for step in range(1, N_STEPS + 1):
            c, o = m64(c, batch)
            fp64_diff[f"step{step}"] = {
                "logits": float((o["logits"] - tensors[f"step{step}.logits"].double()).abs().max()),
                "q_halt_logits": float((o["q_halt_logits"]
                                        - tensors[f"step{step}.q_halt_logits"].double()).abs().max()),
                "z_H": float((c.inner_carry.z_H - tensors[f"step{step}.z_H"].double()).abs().max()),
                "z_L": float((c.inner_carry.z_L - tensors[f"step{step}.z_L"].double()).abs().max()),
            }
    return fp64_diff


def _fixture_info(name: str, cfg: dict, meta: dict, scales: dict, state: dict, tensors: dict,
                  fp64_diff: dict) -> dict:
    return {
        "reference_repo": REFERENCE_REPO,
        "reference_commit": REFERENCE_COMMIT,
        "reference_check": meta,
        "model_class": "models.recursive_reasoning.trm.TinyRecursiveReasoningModel_ACTV1",
        "config": cfg,
        "torch_version": torch.__version__,
        "mode": "eval",
        "n_supervision_steps": N_STEPS,
        "randomise_seed": SEEDS[name],
        "randomise_linear_gain": LINEAR_GAIN[name],
        "randomise_std": scales,
        "data": {"csv": str(DATA_CSV.relative_to(DATA_CSV.parents[2])), "rows": PUZZLE_ROWS,
                 "token_map": "0 pad, 1 blank, 2..10 digits 1..9"},
        "state_dict_shapes": {k: list(v.shape) for k, v in state.items()},
        "output_shapes": {k: list(v.shape) for k, v in tensors.items()},
        "max_abs_diff_vs_float64_reference": fp64_diff,
        "q_halt_logits": {f"step{s}": tensors[f"step{s}.q_halt_logits"].tolist() for s in range(1, N_STEPS + 1)},
    }


def run_variant(trm, name: str, cfg: dict, inputs, labels, out: Path, meta: dict) -> dict:
    from safetensors.torch import save_file

    torch.manual_seed(0)  # construction draws from the global RNG; all of it is overwritten below
    model = trm.TinyRecursiveReasoningModel_ACTV1(dict(cfg))
    model.eval()  # eval: CastedSparseEmbedding returns weights[ids]; ACT halts only at halt_max_steps
    scales = randomise_(model, SEEDS[name], cfg["hidden_size"], LINEAR_GAIN[name])
    batch = {"inputs": inputs, "labels": labels, "puzzle_identifiers": torch.zeros(inputs.shape[0], dtype=torch.int32)}
    tensors = {"inputs": inputs.clone(), "labels": labels.clone(),
               "puzzle_identifiers": batch["puzzle_identifiers"].clone()}
    with torch.no_grad():
        tensors.update(_step_outputs(model, batch))
        tensors.update(_debug_intermediates(model, name, cfg, batch))
    _check_not_degenerate(name, tensors)
    fp64_diff = _float64_differences(trm, model, cfg, batch, tensors)
    state = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()}
    # One metadata key: safetensors writes metadata in hash-map order, so several keys would make the
    # file bytes differ between runs even though every tensor is identical.
    file_meta = {"reference": json.dumps({"reference_repo": REFERENCE_REPO, "reference_commit": REFERENCE_COMMIT,
                                          "variant": name}, sort_keys=True)}
    save_file(state, str(out / f"{name}.safetensors"), metadata=file_meta)
    save_file(tensors, str(out / f"{name}_outputs.safetensors"), metadata=file_meta)
    info = _fixture_info(name, cfg, meta, scales, state, tensors, fp64_diff)
    (out / f"{name}_config.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reference", required=True, type=Path,
                    help="checkout of SamsungSAILMontreal/TinyRecursiveModels (contains models/)")
    ap.add_argument("--out", default=Path("tests/fixtures/reference_trm"), type=Path)
    ap.add_argument("--allow-mismatch", action="store_true",
                    help="do not stop if the reference files differ from the pinned commit")
    args = ap.parse_args()

    ref = args.reference.resolve()
    meta = check_reference(ref, args.allow_mismatch)
    sys.path.insert(0, str(ref))
    torch.set_num_threads(1)
    from models.recursive_reasoning import trm  # the reference module (needs pydantic, einops)

    args.out.mkdir(parents=True, exist_ok=True)
    inputs, labels = load_puzzles()
    for name, cfg in VARIANTS.items():
        info = run_variant(trm, name, cfg, inputs, labels, args.out, meta)
        print(f"{name}: q_halt per step {info['q_halt_logits']}")
        print(f"{name}: max |fp32 - fp64| per step {info['max_abs_diff_vs_float64_reference']}")
    for p in sorted(args.out.iterdir()):
        print(f"{p}  {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
