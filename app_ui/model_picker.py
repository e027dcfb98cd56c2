"""The Solve page's model picker: checkpoint folders and training runs, loaded once per process.

Where models are found: ``checkpoints/<name>/`` (``config.json`` + ``model*.safetensors``) and the best model of
each training run, ``runs/<run>/best/``. The roots can be moved with the environment variables
``TRM_STUDIO_CHECKPOINTS`` and ``TRM_STUDIO_RUNS`` (tests point them at a temporary folder).
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
import torch

from trm import fast_inference
from trm.accuracy_by_difficulty import band_index, pooled_card_bands
from trm.checkpoint import LoadedModel, load_model

REPO = Path(__file__).resolve().parent.parent
CHECKPOINTS_ENV, RUNS_ENV = "TRM_STUDIO_CHECKPOINTS", "TRM_STUDIO_RUNS"
DEFAULT_9X9 = "sudoku9-mlp"
HOW_TO_GET_ONE = {
    4: "`python -m trm.train --preset sudoku4-tiny --out runs/sudoku4` (minutes on a laptop CPU)",
    6: "`python -m trm.train --preset sudoku6-small --out runs/sudoku6` (CPU, a few minutes)",
    9: "`python -m trm.train --preset sudoku9-mlp --out runs/sudoku9` (GPU), or copy a trained folder to "
       "`checkpoints/sudoku9-mlp/`",
}


@dataclass(frozen=True)
class ModelChoice:
    """One entry of the picker: a checkpoint folder, its label and grid size (None if config.json is unreadable)."""

    label: str
    path: str
    grid_size: int | None


def checkpoints_root() -> Path:
    return Path(os.environ.get(CHECKPOINTS_ENV) or REPO / "checkpoints")


def runs_root() -> Path:
    return Path(os.environ.get(RUNS_ENV) or REPO / "runs")


def _grid_size(folder: Path) -> int | None:
    try:
        return int(json.loads((folder / "config.json").read_text(encoding="utf-8"))["model"]["grid_size"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _is_model_folder(folder: Path) -> bool:
    return folder.is_dir() and ((folder / "config.json").exists() or any(folder.glob("model*.safetensors")))


def find_models(grid_size: int) -> list[ModelChoice]:
    """Model folders for ``grid_size``, shipped checkpoints first; unreadable ones are kept (to explain why)."""
    candidates = [(f"{p.name}", p) for p in sorted(checkpoints_root().glob("*")) if _is_model_folder(p)]
    candidates += [(f"run {p.parent.name} (best)", p) for p in sorted(runs_root().glob("*/best"))
                   if _is_model_folder(p)]
    choices = [ModelChoice(label, str(path), _grid_size(path)) for label, path in candidates]
    return [c for c in choices if c.grid_size in (grid_size, None)]


def default_index(choices: list[ModelChoice], grid_size: int) -> int:
    """checkpoints/sudoku9-mlp for 9x9 when it is there, else the first readable model of the size."""
    for i, choice in enumerate(choices):
        if grid_size == 9 and choice.label == DEFAULT_9X9:
            return i
    return next((i for i, c in enumerate(choices) if c.grid_size is not None), 0)


def folder_mtime(path: str) -> float:
    """Latest modification time of the folder's config and weights (a retrained model reloads)."""
    files = [Path(path) / "config.json", *Path(path).glob("model*.safetensors")]
    return max((f.stat().st_mtime for f in files if f.exists()), default=0.0)


def device_name() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


@st.cache_resource(max_entries=4, show_spinner="Loading the model…")
def load_shared_model(path: str, mtime: float, device: str) -> LoadedModel:
    """Load a checkpoint once per process (keyed by path and mtime); shared by every session, so read-only.

    Starts compiling the network in the background when that pays (trm.fast_inference). Raises CheckpointError.
    """
    del mtime  # part of the cache key only
    loaded = load_model(path, device)
    loaded.model.requires_grad_(False)
    if fast_inference.is_worth_compiling(loaded.config):
        fast_inference.start_compiling(loaded.model)
    return loaded


def describe(loaded: LoadedModel) -> str:
    """One line about the model: size, recursion, training metrics when the checkpoint has them."""
    c = loaded.config
    parameters = sum(p.numel() for p in loaded.model.parameters())
    text = (f"{c.grid_size}×{c.grid_size} TRM-{c.mixer.upper() if c.mixer == 'mlp' else 'Att'}, "
            f"{parameters / 1e6:.2f} M parameters, D={c.hidden_size}, T={c.answer_cycles} cycles × "
            f"(n={c.latent_steps} z-updates + 1 y-update) = {c.calls_per_step} calls per step, "
            f"up to {c.max_supervision_steps} steps")
    metadata = loaded.metadata if isinstance(loaded.metadata, dict) else {}
    return text + _training_summary(metadata)


def _larger_training_evaluation(training: dict, card_count: object) -> dict | None:
    """The run's own held-out evaluation at the shipped step, when it covered more puzzles than the card's table."""
    curve = training.get("heldout_curve")
    for point in curve if isinstance(curve, list) else []:
        if (isinstance(point, dict) and point.get("step") == training.get("step")
                and isinstance(point.get("count"), int) and isinstance(point.get("exact_accuracy"), (int, float))
                and point["count"] > (card_count if isinstance(card_count, int) else 0)):
            return point
    return None


def _training_summary(metadata: dict) -> str:
    """"; held-out puzzles solved: ..." from a shipped checkpoint's card or a run's best model, else ""."""
    evaluations = metadata.get("evaluations")
    if isinstance(evaluations, list) and evaluations and isinstance(evaluations[0], dict):  # an exported checkpoint
        first, training = evaluations[0], metadata.get("training")
        result = first.get("result")
        training = training if isinstance(training, dict) else {}
        if not isinstance(result, dict) or not isinstance(result.get("exact_accuracy"), (int, float)):
            return ""
        text = (f"; held-out puzzles solved: {result['exact_accuracy']:.1%} of {result.get('count', '?')} "
                f"({first.get('name', 'held-out')})")
        larger = _larger_training_evaluation(training, result.get("count"))
        if larger:
            text += f", {larger['exact_accuracy']:.1%} of {larger['count']:,} in the run's own evaluation"
        if isinstance(training.get("step"), int):
            text += f"; training step {training['step']:,}"
        if str(metadata.get("status", "")).startswith("UNDER-TRAINED"):
            text += " — under-trained, see its MODEL_CARD.md"
        return text
    metrics = metadata.get("eval")  # the best model of a run (train page)
    if not isinstance(metrics, dict) or not isinstance(metrics.get("exact_accuracy"), (int, float)):
        return ""
    text = f"; held-out puzzles solved: {metrics['exact_accuracy']:.1%}"
    return text + (f" (training step {metadata['step']:,})" if isinstance(metadata.get("step"), int) else "")


def difficulty_note(loaded: LoadedModel, backtracks: int | None) -> str:
    """How the model fares on held-out puzzles as hard as this one (the exact solver's backtracks), from its card's
    accuracy by difficulty; "" without a unique puzzle or without bands on the card (cards before them, runs)."""
    evaluations = loaded.metadata.get("evaluations") if isinstance(loaded.metadata, dict) else None
    if backtracks is None or not isinstance(evaluations, list):
        return ""
    try:
        pooled = pooled_card_bands(evaluations)
    except (KeyError, TypeError, ValueError, IndexError):  # a hand-edited card: say nothing rather than fail
        return ""
    if pooled is None:
        return ""
    band = pooled.bands[band_index(backtracks)]
    dead_ends = f"The exact solver meets {backtracks:,} dead end{'' if backtracks == 1 else 's'} on this puzzle"
    if not band.count:
        return (f"{dead_ends}; none of this model's held-out puzzles falls in that band ({band.band}), so its card "
                f"cannot say how it fares on puzzles this hard.")
    return (f"{dead_ends} (band {band.band}). Of the held-out puzzles in that band, this model solves "
            f"**{band.accuracy:.0%}** ({band.correct:,} of {band.count:,}) at {pooled.steps} steps.")


def compile_note(loaded: LoadedModel) -> str:
    """Where the fast path stands, in words for the page."""
    status = fast_inference.compile_status(loaded.model)
    return {
        "compiling": "Compiling the network in the background; solves run eager (slower) until it is ready.",
        "ready": f"Compiled network in use (compiled in {status.seconds:.0f} s).",
        "failed": f"Compiling failed, running eager: {status.message}",
    }.get(status.state, "Running eager (no compilation for this model).")
