"""Human-style solver: applies the easiest technique that makes progress, one step at a time, and records each.

Techniques, easiest first: naked single, hidden single, locked candidates (pointing, claiming), naked pair,
hidden pair (see ``trm.sudoku.techniques``). When none applies the solver is stuck: the puzzle "needs guessing".
With ``guess_when_stuck`` it then writes the true digit (from the exact solver) into the open cell with the
fewest candidates, records a "guess" step, and carries on, so every open cell gets a step.
"""

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from trm.errors import PuzzleError
from trm.sudoku.board import Board, Step
from trm.sudoku.shape import GridShape
from trm.sudoku.solver import solve
from trm.sudoku.techniques import TECHNIQUES
from trm.sudoku.validate import describe_conflicts, find_conflicts

GUESS = "guess"
NEEDS_GUESSING = "needs guessing"
DIFFICULTY_ORDER = (*TECHNIQUES, GUESS)


@dataclass
class LogicResult:
    """What ``logic_solve`` reached.

    ``grid``: flat int8 grid of givens plus placed digits (0 = still open). ``steps``: the deductions in order,
    numbered from 1. ``technique_counts``: steps per technique. ``hardest_technique``: the hardest technique
    used, "needs guessing" when the solver got stuck, None when there was nothing to do.
    """

    grid: np.ndarray
    steps: list[Step] = field(default_factory=list)
    is_solved: bool = False
    needs_guessing: bool = False
    is_contradiction: bool = False
    technique_counts: dict[str, int] = field(default_factory=dict)
    hardest_technique: str | None = None

    def placement_steps(self) -> np.ndarray:
        """Step number that filled each cell, as a flat int32 array (0 = a given or still open)."""
        n = int(round(len(self.grid) ** 0.5))
        order = np.zeros(len(self.grid), dtype=np.int32)
        for step in self.steps:
            if step.is_placement:
                order[step.cell[0] * n + step.cell[1]] = step.number
        return order

    def cell_techniques(self) -> list[str | None]:
        """Per cell, the hardest technique the solver had needed by the time it filled that cell (a single after
        a locked-candidates elimination needs locked candidates); None for givens and cells left open."""
        n = int(round(len(self.grid) ** 0.5))
        needed: list[str | None] = [None] * len(self.grid)
        hardest = -1
        for step in self.steps:
            hardest = max(hardest, DIFFICULTY_ORDER.index(step.technique))
            if step.is_placement:
                needed[step.cell[0] * n + step.cell[1]] = DIFFICULTY_ORDER[hardest]
        return needed


def _next_step(board: Board) -> Step | None:
    for find in TECHNIQUES.values():
        step = find(board)
        if step is not None:
            return step
    return None


def _guess(board: Board) -> Step | None:
    """The true digit of the open cell with the fewest candidates, or None when the board has no solution."""
    result = solve(board.grid(), board.shape, limit=1)
    if result.solution is None:
        return None
    open_cells = [c for c in range(board.shape.cells) if not board.values[c]]
    cell = min(open_cells, key=lambda c: board.cand[c].bit_count())
    digit = int(result.solution[cell])
    return Step(GUESS, board.coords(cell), digit, detail=f"{board.name(cell)} = {digit} by guessing")


def _apply(board: Board, step: Step) -> None:
    if step.is_placement:
        board.place(step.cell[0] * board.shape.size + step.cell[1], step.digit)
    else:
        board.eliminate(step.eliminations)


def _hardest(counts: Counter, needs_guessing: bool) -> str | None:
    if needs_guessing:
        return NEEDS_GUESSING
    used = [name for name in DIFFICULTY_ORDER if counts.get(name)]
    return used[-1] if used else None


def logic_solve(grid: np.ndarray, shape: GridShape, guess_when_stuck: bool = False) -> LogicResult:
    """Solve ``grid`` with human techniques, recording every step; returns a LogicResult.

    ``grid`` is a flat int array of ``shape.cells`` values, 0 = blank. Raises PuzzleError when givens
    conflict. A board that runs out of candidates (no solution) stops with ``is_contradiction``.
    """
    conflicts = find_conflicts(grid, shape)
    if conflicts:
        raise PuzzleError(f"The givens conflict: {describe_conflicts(conflicts)}. Fix them before solving.")
    board = Board(grid, shape)
    steps: list[Step] = []
    needs_guessing = False
    while not board.is_solved() and not board.is_contradiction:
        step = _next_step(board)
        if step is None:
            needs_guessing = True
            step = _guess(board) if guess_when_stuck else None
            if step is None:
                board.is_contradiction = guess_when_stuck
                break
        step.number = len(steps) + 1
        steps.append(step)
        _apply(board, step)
    counts = Counter(step.technique for step in steps)
    return LogicResult(board.grid(), steps, board.is_solved() and not board.is_contradiction, needs_guessing,
                       board.is_contradiction, dict(counts), _hardest(counts, needs_guessing))
