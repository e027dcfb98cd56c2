"""Resumable training state: everything needed to continue a run, in safetensors + JSON.

Layout of ``RUN_DIR/state/``: ``weights*.safetensors`` (model fp32 + EMA), ``optimizer*.safetensors`` (Adam
moments; optional: without them the state is half the size and the resumed run warms up again, as the reference
resumes from weights alone), ``extra.safetensors`` (sampler order, RNG states, the ACT carry when it is small) and
``state.json``. The folder is swapped in atomically, so a kill at any moment leaves a loadable state.

It lives with the run folder rather than with the trainer: the listing (is the run resumable?) and the export (the
latest EMA weights, the wall time) read it too, and neither should have to import the training loop to do so.
"""

from dataclasses import dataclass
from pathlib import Path

import torch

from trm.checkpoint import atomic_directory, load_sharded, read_json, resolve_directory, save_sharded, write_json
from trm.errors import CheckpointError
from trm.runs.layout import STATE

STATE_FORMAT = "trm-studio/train-state"
MAX_CARRY_BYTES = 8 * 2**20  # the 9x9 carry at batch 768 is ~150 MB: too big to ship, so it is rebuilt


@dataclass
class RunState:
    """What a resumed run needs; tensors are on the CPU."""

    step: int
    info: dict  # JSON: configs, adam step, sampler cursor, best metric, wall seconds, ...
    weights: dict[str, torch.Tensor]  # "model.<key>" and "ema.<name>"
    optimizer: dict[str, torch.Tensor] | None  # "exp_avg.<name>", "exp_avg_sq.<name>"
    extra: dict[str, torch.Tensor]  # "sampler.order", "rng.sampler", "rng.halt", "carry.*"


def save_run_state(run_dir: Path, state: RunState, save_optimizer: bool = True) -> None:
    """Write ``run_dir/state`` atomically."""
    extra = dict(state.extra)
    carry_bytes = sum(t.numel() * t.element_size() for k, t in extra.items() if k.startswith("carry."))
    if carry_bytes > MAX_CARRY_BYTES:
        extra = {k: t for k, t in extra.items() if not k.startswith("carry.")}
    with atomic_directory(Path(run_dir) / STATE) as folder:
        save_sharded(state.weights, folder, "weights")
        if save_optimizer and state.optimizer:
            save_sharded(state.optimizer, folder, "optimizer")
        save_sharded(extra, folder, "extra")
        write_json(folder / "state.json", {"format": STATE_FORMAT, "step": state.step, **state.info})


def load_run_state(run_dir: Path) -> RunState:
    """Read ``run_dir/state``; raises CheckpointError if it is missing or damaged."""
    folder = resolve_directory(Path(run_dir) / STATE)
    info = read_json(folder / "state.json", "Training state")
    if info.get("format") != STATE_FORMAT:
        raise CheckpointError(f"{folder}/state.json is not a TRM Studio training state.")
    has_optimizer = any(folder.glob("optimizer*.safetensors"))
    try:
        return RunState(step=int(info.pop("step")), info=info, weights=load_sharded(folder, "weights"),
                        optimizer=load_sharded(folder, "optimizer") if has_optimizer else None,
                        extra=load_sharded(folder, "extra"))
    except CheckpointError as error:  # the shards' own advice (re-export, re-download) does not fit a run's state
        raise CheckpointError(f"The training state in {folder} is damaged and cannot be read (to resume or export "
                              f"it): {str(error).split('; ')[0]}. Start the run again in a new --out folder, or use "
                              f"a copy of this folder made before the damage.") from error


def saved_step(run_dir: Path) -> int | None:
    """The step a resume continues from (the saved state's, which trails the logged metrics after a kill)."""
    path = resolve_directory(Path(run_dir) / STATE) / "state.json"
    if not path.exists():
        return None
    step = read_json(path, "Training state").get("step")
    return step if isinstance(step, int) and not isinstance(step, bool) else None


def has_run_state(run_dir: str | Path) -> bool:
    """Whether ``run_dir`` holds a state to continue from (also the backup left by a kill mid-swap)."""
    return (resolve_directory(Path(run_dir) / STATE) / "state.json").exists()


def read_state_info(run_dir: str | Path) -> dict:
    """The JSON part of the run's state (step, wall seconds, best accuracy...); {} when it has none yet.
    Raises CheckpointError for a damaged state.json."""
    folder = resolve_directory(Path(run_dir) / STATE)
    return read_json(folder / "state.json", "Training state") if folder.exists() else {}
