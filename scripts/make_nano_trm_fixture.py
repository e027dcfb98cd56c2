"""Make the nano-trm fixture: outputs of olivkoch/nano-trm's own TRM code, for ``trm.convert --from nano-trm``.

Imports nano-trm's ``TRMModule`` (a LightningModule) from a checkout given on the command line. Nothing of it is
vendored, and this script never runs in CI. For each variant below it builds a small Sudoku model in float32,
overwrites every state-dict entry from a seeded generator, and runs 3 supervision steps in eval on 4 fixed puzzles.
The inputs come from nano-trm's own Sudoku-Extreme data builder, so they use its token ids. It then trains a tiny
model for 2 steps with a real Lightning ``Trainer``, nano-trm's ``EMACallback`` and its ``ModelCheckpoint`` settings,
and keeps the ``.ckpt`` file that run writes. See tests/fixtures/nano_trm/README.md for the maths and the key table.

Outputs, in ``--out`` (default tests/fixtures/nano_trm/):
  {mlp,att,att_prefix}.safetensors          state dict as ckpt['state_dict'] holds it, fp32
  {mlp,att,att_prefix}_outputs.safetensors  inputs and per-step outputs
  {mlp,att,att_prefix}_config.json          init kwargs, hparams, commit, blob ids, seeds and stds
  lightning_tiny.ckpt                       a real Lightning checkpoint: raw weights plus the EMA shadow
  lightning_tiny_outputs.safetensors        3 eval steps of its raw and its EMA weights, fp32
  lightning_tiny.json                       its layout, and what torch.load(weights_only=True) needs

Usage (nano-trm at NANO_COMMIT checked out in /tmp/nano_trm):
  pip install lightning hydra-core omegaconf rich click huggingface_hub   # nano-trm's imports; not ours
  python scripts/make_nano_trm_fixture.py --nano-trm /tmp/nano_trm --out tests/fixtures/nano_trm/
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import pathlib
import pickle
import shutil
import sys
from pathlib import Path
from unittest import mock

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_reference_fixture import git_blob_id  # noqa: E402  (same blob hashing as the reference fixture)

NANO_REPO = "olivkoch/nano-trm"
NANO_COMMIT = "fc4436c10decebbaa6e3fe0d16b736630b2b5d3c"
# git blob ids at NANO_COMMIT (`git ls-tree -r fc4436c1`) of the files whose code the fixture depends on
NANO_BLOBS = {
    "src/nn/models/trm.py": "7c2789bf2cbf76130168259486d959292d834b27",
    "src/nn/modules/trm_block.py": "0ece60f5315fd6b524a8d6eb73155f0a9b1a39b9",
    "src/nn/modules/sparse_embeddings.py": "fdaf6e25587438f0441ae4353f5bcf96444ab5f7",
    "src/nn/modules/utils.py": "99367e78ee73d0e7135a1d5f09a84c9d85c6af69",
    "src/nn/callbacks/ema.py": "2940556b18515a4d1d6acf40799126e803cc5984",
    "src/nn/data/sudoku_datamodule.py": "f63c49902311953b70464ecdcac9302f573202bf",
    "scripts/data/build_sudoku_extreme_dataset.py": "a11ac6d44f8ee180d70149a68987a67198246d1d",
}
DATA_CSV = Path(__file__).resolve().parents[1] / "assets" / "puzzles" / "sudoku_extreme_train_1k.csv"
PUZZLE_ROWS = [0, 1, 2, 3]  # the reference fixture's rows (this CSV is byte-identical to ../shared/data's)
N_STEPS = 3
RUN_DIR = Path("/tmp/nano_trm_fixture_run")  # fixed, so the paths Lightning stores in the .ckpt do not vary
DATA_DIR = "data/sudoku_extreme_1k_aug_1k"  # relative to RUN_DIR, as data/sudoku_extreme_1k_aug1k.yaml names it

# TRMModule kwargs as train.py passes them: model/trm.yaml's keys plus those it copies from the datamodule
# (vocab_size 12, seq_len 81, max_grid_size 9, num_puzzles 1 for Sudoku-Extreme). Cycles are kept small.
BASE_KWARGS = dict(
    hidden_size=64, num_layers=2, num_heads=4, max_grid_size=9, H_cycles=3, L_cycles=2, N_supervision=16,
    N_supervision_val=16, ffn_expansion=4, learning_rate=1e-4, learning_rate_emb=1e-4, weight_decay=1.0,
    warmup_steps=2000, halt_exploration_prob=0.1, rope_theta=10000, lr_min_ratio=0.01, use_conv_swiglu=False,
    use_board_swiglu=False, use_muon=False, vocab_size=12, num_puzzles=1, batch_size=4, pad_value=0, seq_len=81,
    forward_dtype=torch.float32,
)
VARIANTS = {  # mlp is the Sudoku-Extreme experiment's model (pos_emb_type is the string "null" in its yaml)
    "mlp": dict(BASE_KWARGS, use_mlp_t=True, pos_emb_type="null", puzzle_emb_dim=0, puzzle_emb_len=0),
    "att": dict(BASE_KWARGS, use_mlp_t=False, pos_emb_type="1d", puzzle_emb_dim=0, puzzle_emb_len=0),
    "att_prefix": dict(BASE_KWARGS, use_mlp_t=False, pos_emb_type="1d", puzzle_emb_dim=64, puzzle_emb_len=16),
}
SEEDS = {"mlp": 1234, "att": 5678, "att_prefix": 9012}
# At gain 1 the token-MLP variant is chaotic (fp32 rounding grows ~10x per step; see the reference fixture).
LINEAR_GAIN = {"mlp": 0.7, "att": 1.0, "att_prefix": 1.0}

# The Lightning run: the experiment's config (trm_sudoku_extreme_1k_aug_1k.yaml), shrunk to CPU seconds
TINY_TUNING = dict(learning_rate=1e-2, learning_rate_emb=1e-2, warmup_steps=0, weight_decay=1.0, lr_min_ratio=0.01,
                   num_heads=2, halt_exploration_prob=0.1, N_supervision=4, N_supervision_val=4, H_cycles=2,
                   L_cycles=2, num_layers=1, puzzle_emb_dim=16, puzzle_emb_len=16, hidden_size=16,
                   ffn_expansion=4, rope_theta=10000, pos_emb_type="1d", use_mlp_t=False, use_conv_swiglu=False,
                   use_board_swiglu=False, use_muon=False)
TINY_SEED = 12345  # train.yaml's seed
EMA_DECAY = 0.999  # the experiment's


def check_nano(root: Path, allow_mismatch: bool) -> dict:
    blobs = {rel: git_blob_id(root / rel) for rel in NANO_BLOBS}
    bad = {rel: b for rel, b in blobs.items() if b != NANO_BLOBS[rel]}
    if bad and not allow_mismatch:
        raise SystemExit(f"nano-trm files differ from commit {NANO_COMMIT}: {bad}")
    return {"blobs": blobs, "blobs_match_commit": not bad}


def build_nano_data(root: Path, data_dir: Path) -> None:
    """The 4 puzzles as nano-trm's Sudoku-Extreme builder writes them (train, val and test alike)."""
    sys.path.insert(0, str(root / "scripts" / "data"))
    import build_sudoku_extreme_dataset as builder  # nano-trm's own encoding: blank 2, digit d -> d + 2

    with DATA_CSV.open(newline="") as f:
        rows = [row for i, row in enumerate(csv.DictReader(f)) if i in PUZZLE_ROWS]
    puzzles, solutions = ([np.array([int(c) for c in row[key].replace(".", "0")]).reshape(9, 9) for row in rows]
                          for key in ("puzzle", "solution"))
    for split in ("train", "val", "test"):  # convert_subset(set_name, source_repo, output_dir, subsample, ...)
        builder.convert_subset(split, "", str(data_dir), None, None, 0, preloaded_data=(puzzles, solutions))
    n = len(PUZZLE_ROWS)
    meta = {"mode": "extreme", "max_grid_size": 9, "vocab_size": 12, "seq_len": 81, "num_train": n, "num_val": n,
            "num_test": n, "num_train_groups": n, "num_val_groups": n, "num_test_groups": n}  # as preprocess_data
    (data_dir / "metadata.json").write_text(json.dumps(meta, indent=2))


def load_batch(data_dir: Path) -> dict:
    inputs = torch.from_numpy(np.load(data_dir / "train" / "all__inputs.npy")).long()  # (4, 81)
    labels = torch.from_numpy(np.load(data_dir / "train" / "all__labels.npy")).long()
    return {"input": inputs, "output": labels, "puzzle_identifiers": torch.zeros(len(inputs), dtype=torch.long)}


@torch.no_grad()
def randomise_(model: torch.nn.Module, seed: int, hidden: int, gain: float) -> dict:
    """Overwrite every state-dict entry (sorted keys) from one generator; returns the std of each."""
    gen = torch.Generator().manual_seed(seed)
    scales = {}
    for key, t in sorted(model.state_dict().items()):
        if key.endswith(("input_embedding.embedding_weight", "puzzle_emb.weights")):
            std = 1.0 / math.sqrt(hidden)  # multiplied by sqrt(hidden) in the input embedding
        elif key in ("z_H_init", "z_L_init", "q_head.bias"):
            std = 1.0
        elif t.ndim == 2:  # CastedLinear weight (out, in)
            std = gain / math.sqrt(t.shape[1])
        else:
            raise AssertionError(f"unexpected state-dict entry {key} {tuple(t.shape)}")
        t.copy_(torch.randn(t.shape, generator=gen, dtype=torch.float32) * std)
        scales[key] = std
    return scales


@torch.no_grad()
def run_steps(model, batch: dict, prefix: str = "", states: bool = True) -> dict:
    """What nano-trm's forward returns over N_STEPS eval steps; z_H/z_L after the last step only (file size)."""
    tensors, carry = {}, model.initial_carry(batch)
    for step in range(1, N_STEPS + 1):
        carry, outs = model(carry, batch)
        tensors[f"{prefix}step{step}.logits"] = outs["logits"].float().contiguous()
        tensors[f"{prefix}step{step}.q_halt_logits"] = outs["q_halt_logits"].float().contiguous()
        tensors[f"{prefix}step{step}.steps"] = carry.steps.to(torch.int32)
        tensors[f"{prefix}step{step}.halted"] = carry.halted.to(torch.int32)
    if states:
        tensors[f"{prefix}step{N_STEPS}.z_H"] = carry.inner_carry.z_H.float().contiguous()
        tensors[f"{prefix}step{N_STEPS}.z_L"] = carry.inner_carry.z_L.float().contiguous()
    return tensors


def check_not_degenerate(name: str, tensors: dict) -> None:
    for step in range(1, N_STEPS + 1):
        logits, q = tensors[f"step{step}.logits"], tensors[f"step{step}.q_halt_logits"]
        assert torch.isfinite(logits).all() and torch.isfinite(q).all(), f"{name} step{step} not finite"
        assert logits.std() > 1e-3 and logits.std(dim=0).mean() > 1e-3, f"{name} step{step} logits near-constant"
        assert q.std() > 1e-3, f"{name} step{step} q_halt does not vary over the batch: {q}"
        if step > 1:
            assert not torch.allclose(logits, tensors[f"step{step - 1}.logits"]), f"{name}: carry has no effect"


def float64_drift(TRMModule, kwargs: dict, state: dict, batch: dict, tensors: dict) -> dict:
    """The same nano-trm code in float64 (its rms_norm still computes in fp32), as a rounding estimate."""
    m64 = TRMModule(**dict(kwargs, forward_dtype=torch.float64)).double().eval()
    m64.load_state_dict({k: v.double() for k, v in state.items()})
    ref = run_steps(m64, batch)
    return {k: float((ref[k].double() - tensors[k].double()).abs().max()) for k in ref
            if k.endswith(("logits", "z_H", "z_L"))}


def jsonable(hparams: dict) -> dict:
    """hparams as JSON: a dtype as its name, a Path as its repr (the .ckpt pickles a pathlib.PosixPath)."""
    return {k: str(v) if isinstance(v, torch.dtype) else repr(v) if isinstance(v, Path) else v
            for k, v in hparams.items()}


def save_safetensors(tensors: dict, path: Path, variant: str) -> None:
    from safetensors.torch import save_file

    meta = {"nano_trm": json.dumps({"repo": NANO_REPO, "commit": NANO_COMMIT, "variant": variant}, sort_keys=True)}
    save_file(tensors, str(path), metadata=meta)  # one metadata key: several would be written in hash order


def run_variant(TRMModule, name: str, batch: dict, out: Path, check: dict) -> dict:
    kwargs = VARIANTS[name]
    torch.manual_seed(0)  # construction draws from the global RNG; all of it is overwritten below
    model = TRMModule(**kwargs).eval()  # eval: puzzle_emb returns weights[ids]; halting only at N_supervision_val
    scales = randomise_(model, SEEDS[name], kwargs["hidden_size"], LINEAR_GAIN[name])
    tensors = {"inputs": batch["input"].to(torch.int32), "labels": batch["output"].to(torch.int32),
               "puzzle_identifiers": batch["puzzle_identifiers"].to(torch.int32)}
    tensors.update(run_steps(model, batch))
    check_not_degenerate(name, tensors)
    state = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()}
    save_safetensors(state, out / f"{name}.safetensors", name)
    save_safetensors(tensors, out / f"{name}_outputs.safetensors", name)
    info = {"nano_trm_repo": NANO_REPO, "nano_trm_commit": NANO_COMMIT, "nano_trm_check": check,
            "model_class": "src.nn.models.trm.TRMModule", "init_kwargs": jsonable(kwargs),
            "hparams": jsonable(dict(model.hparams)), "torch_version": torch.__version__, "mode": "eval",
            "n_supervision_steps": N_STEPS, "randomise_seed": SEEDS[name], "randomise_linear_gain": LINEAR_GAIN[name],
            "randomise_std": scales, "data": {"csv": "assets/puzzles/sudoku_extreme_train_1k.csv", "rows": PUZZLE_ROWS,
                                              "token_map": "0 pad, 1 EOS, 2 blank, 3..11 digits 1..9"},
            "state_dict_shapes": {k: list(v.shape) for k, v in state.items()},
            "output_shapes": {k: list(v.shape) for k, v in tensors.items()},
            "max_abs_diff_vs_float64": float64_drift(TRMModule, kwargs, state, batch, tensors),
            "q_halt_logits": {f"step{s}": tensors[f"step{s}.q_halt_logits"].tolist() for s in range(1, N_STEPS + 1)}}
    (out / f"{name}_config.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def train_tiny_checkpoint(root: Path) -> Path:
    """2 training steps and one validation of a tiny TRM, as train.py wires them; returns the .ckpt it wrote.

    nano-trm's training_step steps the raw optimizers (``opt._optimizer.step()``), so Lightning's global_step stays
    0 and ModelCheckpoint skips every epoch_*.ckpt; only save_last's ``last.ckpt`` is written, at the end of fit.
    """
    import hydra
    import lightning
    from omegaconf import OmegaConf

    configs = root / "src" / "nn" / "configs"
    cfg = OmegaConf.create({
        "timekeeping": {"max_epochs": 1, "batch_size": 2, "num_workers": 0}, "model_tuning": TINY_TUNING,
        "data": OmegaConf.load(configs / "data" / "sudoku_extreme_1k_aug1k.yaml"),
        "model": OmegaConf.load(configs / "model" / "trm.yaml"),
        "callbacks": OmegaConf.merge(OmegaConf.load(configs / "callbacks" / "model_checkpoint.yaml"),
                                     OmegaConf.load(configs / "callbacks" / "default.yaml"))})
    cfg.callbacks.pop("defaults")
    cfg.callbacks.model_checkpoint.dirpath = "logs/train/runs/fixture/checkpoints"
    cfg.callbacks.ema = {"_target_": "src.nn.callbacks.ema.EMACallback", "decay": EMA_DECAY,
                         "use_ema_for_validation": True, "use_ema_for_test": True}
    lightning.seed_everything(TINY_SEED, workers=True)
    datamodule = hydra.utils.instantiate(cfg.data)
    datamodule.setup(stage="fit")
    for key in ("num_puzzles", "batch_size", "pad_value", "max_grid_size", "vocab_size"):  # update_model_config
        cfg.model[key] = getattr(datamodule, key)
    cfg.model.seq_len = cfg.model.max_grid_size * cfg.model.max_grid_size
    # A CUDA run auto-picks forward_dtype bf16, so its z_H_init/z_L_init buffers are bf16: make this CPU run do so
    with mock.patch("torch.cuda.is_available", return_value=True):
        model = hydra.utils.instantiate(cfg.model, output_dir=Path("logs/train/runs/fixture"))
    callbacks = [hydra.utils.instantiate(c) for c in cfg.callbacks.values()]
    trainer = lightning.Trainer(accelerator="cpu", devices=1, min_epochs=1, max_epochs=1, callbacks=callbacks,
                                logger=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(model=model, datamodule=datamodule)
    return Path(callbacks[0].last_model_path)


def weights_only_report(path: Path) -> dict:
    """Whether torch.load(weights_only=True) reads the file as is, and with which globals allowed if not."""
    try:
        torch.load(path, map_location="cpu", weights_only=True)
        return {"plain": "loads"}
    except pickle.UnpicklingError as error:
        plain = next((line.strip() for line in str(error).splitlines() if "Unsupported global" in line), "?")
    # Python 3.13 pickles Path classes from pathlib._local; a WindowsPath cannot be built on Linux: read it as pure
    allowed = [(pathlib.PosixPath, "pathlib.PosixPath"), (pathlib.PosixPath, "pathlib._local.PosixPath"),
               (pathlib.PureWindowsPath, "pathlib.WindowsPath"),
               (pathlib.PureWindowsPath, "pathlib._local.WindowsPath")]
    with torch.serialization.safe_globals(allowed):
        torch.load(path, map_location="cpu", weights_only=True)
    return {"plain": f"fails: {plain}", "with_safe_globals": [name for _, name in allowed]}


def make_lightning_fixture(TRMModule, root: Path, batch: dict, out: Path) -> None:
    cwd = os.getcwd()
    os.chdir(RUN_DIR)  # relative paths, as a hydra run sees them
    try:
        written = train_tiny_checkpoint(root)
    finally:
        os.chdir(cwd)
    shutil.copyfile(written, out / "lightning_tiny.ckpt")
    access = weights_only_report(out / "lightning_tiny.ckpt")
    with torch.serialization.safe_globals([pathlib.PosixPath]):
        ckpt = torch.load(out / "lightning_tiny.ckpt", map_location="cpu", weights_only=True)
    shadow = ckpt["callbacks"]["EMACallback"]["shadow"]
    tensors = {"inputs": batch["input"].to(torch.int32)}
    for kind in ("raw", "ema"):  # the EMA shadow holds parameters only: buffers come from state_dict
        model = TRMModule(**dict(ckpt["hyper_parameters"], forward_dtype=torch.float32)).eval()
        model.load_state_dict({**ckpt["state_dict"], **(shadow if kind == "ema" else {})})
        tensors.update(run_steps(model, batch, prefix=f"{kind}.", states=False))
    save_safetensors(tensors, out / "lightning_tiny_outputs.safetensors", "lightning_tiny")
    info = {"top_level_keys": sorted(ckpt), "callbacks_keys": sorted(ckpt["callbacks"]),
            "hyper_parameters": jsonable(ckpt["hyper_parameters"]), "hparams_name": ckpt.get("hparams_name"),
            "state_dict": {k: f"{list(v.shape)} {v.dtype}" for k, v in ckpt["state_dict"].items()},
            "ema_shadow": {k: f"{list(v.shape)} {v.dtype}" for k, v in shadow.items()},
            "ema_decay": ckpt["callbacks"]["EMACallback"]["decay"],
            "max_abs_raw_minus_ema": max(float((ckpt["state_dict"][k] - v).abs().max()) for k, v in shadow.items()),
            "weights_only": access, "lightning_version": ckpt.get("pytorch-lightning_version"),
            "tiny_tuning": TINY_TUNING, "seed": TINY_SEED}
    (out / "lightning_tiny.json").write_text(json.dumps(info, indent=2) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nano-trm", required=True, type=Path, help="checkout of olivkoch/nano-trm (contains src/)")
    ap.add_argument("--out", default=Path("tests/fixtures/nano_trm"), type=Path)
    ap.add_argument("--allow-mismatch", action="store_true", help="do not stop if nano-trm's files differ")
    args = ap.parse_args()
    root, out = args.nano_trm.resolve(), args.out.resolve()
    check = check_nano(root, args.allow_mismatch)
    sys.path.insert(0, str(root))
    torch.set_num_threads(1)
    from src.nn.models.trm import TRMModule  # nano-trm's model (needs lightning, hydra-core, omegaconf, rich)

    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(RUN_DIR, ignore_errors=True)
    build_nano_data(root, RUN_DIR / DATA_DIR)
    batch = load_batch(RUN_DIR / DATA_DIR)
    for name in VARIANTS:
        info = run_variant(TRMModule, name, batch, out, check)
        print(f"{name}: q_halt per step {info['q_halt_logits']}")
        print(f"{name}: max |fp32 - fp64| {info['max_abs_diff_vs_float64']}")
    make_lightning_fixture(TRMModule, root, batch, out)
    for p in sorted(out.iterdir()):
        print(f"{p}  {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
