"""Which of a step's digits a picture or player may mark wrong: the model's that disagree with the puzzle's solution
or, for a puzzle without a single solution (nothing there can be called right), every digit repeated in a row,
column or box of the grid as shown (the givens, and the model's digits in the blanks): givens too, since givens
that contradict one another are the reason such a puzzle has no solution."""

import numpy as np

from trm.sudoku.shape import shape_for_size
from trm.sudoku.validate import Conflict, find_conflicts
from trm.trace.records import StepRecord, Trace


def shown_conflicts(trace: Trace, record: StepRecord) -> list[Conflict]:
    """The digits repeated in the grid as shown at ``record``'s step."""
    blanks = trace.puzzle == 0
    return find_conflicts(np.where(blanks, record.prediction, trace.puzzle), shape_for_size(trace.grid_size))


def wrong_cells(trace: Trace, record: StepRecord, conflicts: list[Conflict] | None = None) -> np.ndarray:
    """(cells,) bool: the cells to mark wrong at ``record``'s step (``conflicts``: shown_conflicts, if known)."""
    blanks = trace.puzzle == 0
    if record.correct is not None:
        return ~record.correct & blanks
    repeated = np.zeros(blanks.shape, dtype=bool)
    for conflict in shown_conflicts(trace, record) if conflicts is None else conflicts:
        for row, col in conflict.cells:
            repeated[row * trace.grid_size + col] = True
    return repeated


def completion_verdict(trace: Trace, record: StepRecord) -> str:
    """For a puzzle without a single solution: whether the answer at ``record``'s step completes the grid validly
    (every blank filled, no digit repeated), in one sentence."""
    repeats = len(shown_conflicts(trace, record))
    faults = ([] if record.prediction[trace.puzzle == 0].all() else ["blanks left empty"]) + (
        [] if not repeats else ["a digit repeated in a row, column or box" if repeats == 1 else
                                f"{repeats} repeats of a digit in a row, column or box"])
    if not faults:
        return "No single solution to judge against: the answer there is one valid completion."
    return ("No single solution to judge against, and the answer there is not a valid completion: "
            f"{' and '.join(faults)}.")
