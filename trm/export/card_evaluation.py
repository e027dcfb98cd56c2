"""The evaluations a model card reports: a checkpoint's own files measured on named held-out sets, at its own step
count and at extra ones, with accuracy by difficulty band and an estimate for another set's difficulty mix."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


from trm.checkpoint import load_model
from trm.errors import DataError
from trm.evaluate.gpu_kernels import use_evaluation_kernels
from trm.evaluate import (accuracy_by_band, estimate_for_mix, evaluate_model_at, pooled_card_bands,
                          puzzle_backtracks)
from trm.model.tokens import encode_grids
from trm.evaluate.sources import read_eval_set
from trm.sudoku.csv_io import PuzzleTable, read_puzzle_csv


@dataclass
class EvalSet:
    """A named evaluation set, read: its source (a CSV, a data folder or ``minimal:4``) and its puzzles."""
    name: str
    source: str
    table: PuzzleTable
    skipped: int


def read_eval_sets(sets: dict[str, str], grid_size: int, limit: int | None = None) -> list[EvalSet]:
    """Every set read whole (up to ``limit`` puzzles) and checked to be of the model's grid size: an export reads
    them before it writes anything, so a bad row anywhere in a file leaves nothing behind."""
    read = []
    for name, source in sets.items():
        table, skipped = read_eval_set(source, limit)
        if table.shape.size != grid_size:
            raise DataError(f"--eval {name}={source} holds {table.shape.size}x{table.shape.size} puzzles; the model "
                            f"solves {grid_size}x{grid_size}.")
        read.append(EvalSet(name, source, table, skipped))
    return read


def evaluate_checkpoint(path: Path, sets: list[EvalSet], extra_steps: list[int], device: str,
                        autocast: bool | None = None, batch_size: int = 512) -> Iterator[list[dict]]:
    """Evaluate a checkpoint on sets read by read_eval_sets at its own step count and at each of ``extra_steps``.

    Yields the evaluations done so far after each set, so a caller can save them before the next set starts.
    """
    loaded = load_model(path, device)
    use_evaluation_kernels(loaded.model, device, autocast)
    step_counts = [loaded.model.config.max_supervision_steps, *extra_steps]
    evaluations = []
    for eval_set in sets:
        name, csv, table = eval_set.name, eval_set.source, eval_set.table
        inputs, labels = encode_grids(table.puzzles, device), encode_grids(table.solutions, device)
        results = evaluate_model_at(loaded.model, inputs, labels, step_counts, batch_size=batch_size,
                                    show_progress=True, autocast=autocast)
        backtracks = puzzle_backtracks(table.puzzles, table.shape)
        for index, result in enumerate(results):
            bands = accuracy_by_band(backtracks, result.puzzle_correct)
            evaluations.append({"name": name if index == 0 else f"{name} ({result.steps} steps)", "data": csv,
                                "skipped": eval_set.skipped, "result": result.to_dict(),
                                "by_difficulty": [band.to_dict() for band in bands]})
        yield evaluations


def mix_backtracks(difficulty_mix: str | None) -> list[int] | None:
    """The exact solver's backtracks for each puzzle of the ``difficulty_mix`` CSV; None without one."""
    if not difficulty_mix:
        return None
    mix = read_puzzle_csv(difficulty_mix)
    return puzzle_backtracks(mix.puzzles, mix.shape)


def difficulty_mix_estimate(evaluations: list[dict], mix_csv: str, mix_backtracks: list[int]) -> dict | None:
    """The accuracy expected on a set with ``mix_csv``'s difficulty mix, from the bands of every set evaluated at
    the model's own step count, pooled; None before any evaluation."""
    pooled = pooled_card_bands(evaluations)
    if pooled is None:
        return None
    estimate = estimate_for_mix(pooled.bands, mix_backtracks)
    return {"data": mix_csv, "puzzles": len(mix_backtracks), "steps": pooled.steps, "pooled": pooled.set_names,
            **estimate.to_dict()}
