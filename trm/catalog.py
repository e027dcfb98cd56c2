"""Model discovery: the checkpoint folders and runs' best models a user can pick, and what their metadata says.

Where models are found: ``checkpoints/<name>/`` (``config.json`` + ``model*.safetensors``) and the best model of
each training run, ``runs/<run>/best/``. The roots can be moved with the environment variables
``TRM_STUDIO_CHECKPOINTS`` and ``TRM_STUDIO_RUNS`` (tests point them at a temporary folder).
"""

import os
from dataclasses import dataclass
from pathlib import Path

from trm.checkpoint import MODEL_FORMAT, read_json, require_regular_file
from trm.errors import CheckpointError, ConfigError
from trm.evaluate import band_index, pooled_card_bands
from trm.model.config import ModelConfig
from trm.runs import runs_root
from trm.runs.layout import REPO

CHECKPOINTS_ENV = "TRM_STUDIO_CHECKPOINTS"
DEFAULT_MODELS = {9: "sudoku9-mlp", 6: "sudoku6", 4: "sudoku4"}  # the shipped model of each size

__all__ = ["CHECKPOINTS_ENV", "ModelEntry", "checkpoints_root", "default_index", "difficulty_note", "find_models",
           "folder_mtime", "origin_summary", "training_summary"]


@dataclass(frozen=True)
class ModelEntry:
    """One model a user can pick: a checkpoint folder, its label and grid size (None if config.json is unreadable),
    and why it cannot be used (None when its config and files look right)."""

    label: str
    path: str
    grid_size: int | None
    problem: str | None = None


def checkpoints_root() -> Path:
    """Where shipped and exported checkpoints live: ``$TRM_STUDIO_CHECKPOINTS``, else ``checkpoints/``."""
    return Path(os.environ.get(CHECKPOINTS_ENV) or REPO / "checkpoints")


def _inspect(label: str, folder: Path) -> ModelEntry:
    """The entry for ``folder``: its config read and checked (no weights loaded), and its weight files stat'ed."""
    try:
        data = read_json(folder / "config.json", "Checkpoint config")
    except CheckpointError as error:
        return ModelEntry(label, str(folder), None, str(error))
    model = data.get("model") if isinstance(data.get("model"), dict) else {}
    size = model.get("grid_size")
    size = size if isinstance(size, int) and not isinstance(size, bool) else None
    try:
        if data.get("format") != MODEL_FORMAT:
            raise CheckpointError(f"config.json is not a TRM Studio model (format {data.get('format')!r}).")
        ModelConfig.from_dict(model)
        for weights in sorted(folder.glob("model*.safetensors")) or [folder / "model.safetensors"]:
            require_regular_file(weights, "Weights file")
    except (CheckpointError, ConfigError, TypeError) as error:
        return ModelEntry(label, str(folder), size, str(error))
    return ModelEntry(label, str(folder), size)


def _is_model_folder(folder: Path) -> bool:
    return folder.is_dir() and ((folder / "config.json").exists() or any(folder.glob("model*.safetensors")))


def find_models(grid_size: int) -> list[ModelEntry]:
    """Model folders for ``grid_size``, shipped checkpoints first; unreadable ones are kept (to explain why)."""
    candidates = [(f"{p.name}", p) for p in sorted(checkpoints_root().glob("*")) if _is_model_folder(p)]
    candidates += [(f"run {p.parent.name} (best)", p) for p in sorted(runs_root().glob("*/best"))
                   if _is_model_folder(p)]
    entries = [_inspect(label, path) for label, path in candidates]
    return [e for e in entries if e.grid_size in (grid_size, None)]


def default_index(entries: list[ModelEntry], grid_size: int) -> int:
    """The shipped model of the size (DEFAULT_MODELS) when it is there and usable, else the first usable model of
    the size: a model exported beside it (say my-4x4, which sorts first) must not take its place in the pickers
    and in links that name no model. A folder with a problem is never the default unless nothing else is there."""
    usable = [i for i, e in enumerate(entries) if e.problem is None and e.grid_size is not None]
    for i in usable:
        if entries[i].label == DEFAULT_MODELS.get(grid_size) and entries[i].grid_size == grid_size:
            return i
    return usable[0] if usable else 0


def folder_mtime(path: str) -> float:
    """Latest modification time of the folder's config and weights (a retrained model reloads)."""
    files = [Path(path) / "config.json", *Path(path).glob("model*.safetensors")]
    return max((f.stat().st_mtime for f in files if f.exists()), default=0.0)


def _larger_training_evaluation(training: dict, card_count: object) -> dict | None:
    """The run's own held-out evaluation at the shipped step, when it covered more puzzles than the card's table."""
    curve = training.get("heldout_curve")
    for point in curve if isinstance(curve, list) else []:
        if (isinstance(point, dict) and point.get("step") == training.get("step")
                and isinstance(point.get("count"), int) and isinstance(point.get("exact_accuracy"), (int, float))
                and point["count"] > (card_count if isinstance(card_count, int) else 0)):
            return point
    return None


def steps_of_all_runs(training: dict) -> tuple[int, int] | None:
    """(optimiser steps, runs) of weights trained over several runs, each from the previous one's export
    (``--init-from``), from their card's training record; None for one run or when a run's steps are unknown."""
    origin = training.get("init_from")
    earlier = origin.get("earlier") if isinstance(origin, dict) else None
    if not isinstance(earlier, list) or not earlier:
        return None
    steps = [run.get("step") if isinstance(run, dict) else None for run in earlier] + [training.get("step")]
    if not all(isinstance(step, int) and not isinstance(step, bool) for step in steps):
        return None
    return sum(steps), len(steps)


def training_summary(metadata: dict) -> str:
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
        chain = steps_of_all_runs(training)
        if chain:
            text += f"; {chain[0]:,} training steps over {chain[1]} runs"
        elif isinstance(training.get("step"), int):
            text += f"; training step {training['step']:,}"
        if str(metadata.get("status", "")).startswith("UNDER-TRAINED"):
            text += " — under-trained, see its MODEL_CARD.md"
        return text
    metrics = metadata.get("eval")  # the best model of a run (train page)
    if not isinstance(metrics, dict) or not isinstance(metrics.get("exact_accuracy"), (int, float)):
        return ""
    text = f"; held-out puzzles solved: {metrics['exact_accuracy']:.1%}"
    return text + (f" (training step {metadata['step']:,})" if isinstance(metadata.get("step"), int) else "")


def origin_summary(metadata: dict) -> str:
    """"; converted from step_65100 (reference format, sha256 1a2b3c4d…)" for a converted checkpoint, else ""."""
    origin = metadata.get("converted_from") if isinstance(metadata, dict) else None
    if not isinstance(origin, dict):
        return ""
    name = Path(str(origin.get("file", "?"))).name
    kind = str(origin.get("format", "?")).split(" (")[0]
    return f"; converted from {name} ({kind} format, sha256 {str(origin.get('sha256', '?'))[:8]}…)"


def difficulty_note(metadata: dict, backtracks: int | None, steps: int | None = None) -> str:
    """How the model fares on puzzles as hard as this one (the exact solver's backtracks), from its card's accuracy
    by difficulty (every set on the card, which need not all be held out: the 4x4 card counts all minimal puzzles)
    at ``steps`` supervision steps where the card has them, else at its first count (and then it says so);
    "" without a unique puzzle or without bands on the card (cards before them, runs)."""
    evaluations = metadata.get("evaluations") if isinstance(metadata, dict) else None
    if backtracks is None or not isinstance(evaluations, list):
        return ""
    try:
        pooled = (steps is not None and pooled_card_bands(evaluations, steps)) or pooled_card_bands(evaluations)
    except (KeyError, TypeError, ValueError, IndexError):  # a hand-edited card: say nothing rather than fail
        return ""
    if pooled is None:
        return ""
    other = f" (its card has no figures at the {steps} steps chosen)" if steps and steps != pooled.steps else ""
    band = pooled.bands[band_index(backtracks)]
    dead_ends = f"The exact solver meets {backtracks:,} dead end{'' if backtracks == 1 else 's'} on this puzzle"
    if not band.count:
        return (f"{dead_ends}; none of the puzzles on this model's card falls in that band ({band.band}), so the "
                f"card cannot say how it fares on puzzles this hard.")
    return (f"{dead_ends} (band {band.band}). Of the puzzles on its card in that band, this model solves "
            f"**{band.accuracy:.0%}** ({band.correct:,} of {band.count:,}) at {pooled.steps} steps{other}.")
