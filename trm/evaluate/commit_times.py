"""When does the model commit to each cell? The step from which a cell's predicted digit never changes again, and,
across a set, how that step depends on the technique a person needs for the cell (singles, locked candidates,
pairs, guessing): does the model settle first what people find easy?"""

from dataclasses import dataclass

import numpy as np

from trm.inference import iter_steps
from trm.model.tokens import encode_grids
from trm.model.trm import RecursiveModel
from trm.progress_bars import progress_bar
from trm.sudoku.logic import DIFFICULTY_ORDER, logic_solve
from trm.sudoku.shape import GridShape


def settle_steps(predictions: np.ndarray, puzzle: np.ndarray) -> np.ndarray:
    """(cells,) int32: for each blank cell, the 1-based first step from which its prediction stays the same to the
    last step (the last step when it changed there; 1 when it never changed); 0 for givens.

    ``predictions``: (steps, cells) digits after every step; ``puzzle``: (cells,) digits, 0 = blank."""
    predictions = np.asarray(predictions)
    final = predictions[-1]
    changed_later = predictions != final  # (steps, cells): True where the step differs from the final digit
    steps = predictions.shape[0]
    last_different = np.where(changed_later.any(axis=0), steps - 1 - np.argmax(changed_later[::-1], axis=0), -1)
    settled = (last_different + 2).astype(np.int32)  # the step after the last one that differed
    return np.where(np.asarray(puzzle) == 0, settled, 0).astype(np.int32)


@dataclass
class TechniqueCommit:
    """Cells needing one technique, across a set."""

    technique: str
    cells: int
    mean_settle_step: float
    right_at_end: float  # fraction of those cells right after the last step


def commit_by_technique(model: RecursiveModel, puzzles: np.ndarray, solutions: np.ndarray, shape: GridShape,
                        steps: int | None = None, batch_size: int = 256,
                        show_progress: bool = False) -> list[TechniqueCommit]:
    """Run every puzzle (N, cells) for ``steps`` steps and group its blank cells by the technique the logic solver
    needed when it filled them (guessing where it got stuck); one row per technique, easiest first."""
    device = next(model.parameters()).device
    settle = {name: [] for name in DIFFICULTY_ORDER}
    right = {name: [] for name in DIFFICULTY_ORDER}
    for first in progress_bar(range(0, len(puzzles), batch_size), desc="commit times", unit="batch",
                      disable=not show_progress):
        batch = puzzles[first:first + batch_size]
        per_step = [output.answers.cpu().numpy() for output in
                    iter_steps(model, encode_grids(batch, device), steps, compiled=False)]
        predictions = np.stack(per_step, axis=1)  # (B, steps, cells)
        for index, puzzle in enumerate(batch):
            needed = logic_solve(puzzle, shape, guess_when_stuck=True).cell_techniques()
            steps_settled = settle_steps(predictions[index], puzzle)
            correct = predictions[index, -1] == solutions[first + index]
            for cell, technique in enumerate(needed):
                if technique is not None and puzzle[cell] == 0:
                    settle[technique].append(steps_settled[cell])
                    right[technique].append(bool(correct[cell]))
    return [TechniqueCommit(name, len(settle[name]), float(np.mean(settle[name])), float(np.mean(right[name])))
            for name in DIFFICULTY_ORDER if settle[name]]
