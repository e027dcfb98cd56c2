"""Difficulty grades of proper (single-solution) puzzles.

Levels, each testable from ``logic_solve`` and the exact solver's statistics:

- **easy**: the human-style solver finishes with naked and hidden singles only.
- **medium**: it finishes, but only with locked candidates (pointing, claiming) and/or naked or hidden pairs.
- **hard**: those techniques get stuck, so the puzzle needs guessing, and the exact solver's whole search
  (``solve`` with ``limit=2``, singles propagated at every node) meets at most ``HARD_MAX_BACKTRACKS`` dead ends.
- **extreme**: stuck as for hard, and the search meets more than ``HARD_MAX_BACKTRACKS`` dead ends.

Backtracks depend on which cell the search branches on, so a puzzle relabelled or permuted may move across
the hard/extreme line; the levels easy and medium are invariant under those symmetries.
"""

from dataclasses import dataclass, field

import numpy as np

from trm.errors import PuzzleError
from trm.sudoku.logic import logic_solve
from trm.sudoku.shape import GridShape
from trm.sudoku.solver import SolveStatus, solve
from trm.sudoku.techniques import SINGLES

LEVELS = ("easy", "medium", "hard", "extreme")
HARD_MAX_BACKTRACKS = 10


@dataclass
class Grade:
    """A puzzle's level, the techniques the human-style solver used (steps per technique), its hardest
    technique ("needs guessing" when stuck), and the exact solver's guesses and backtracks."""

    level: str
    techniques: dict[str, int] = field(default_factory=dict)
    hardest_technique: str | None = None
    guesses: int = 0
    backtracks: int = 0


def level_for(is_logic_solved: bool, techniques: dict[str, int], backtracks: int) -> str:
    """The level of a puzzle from the logic solver's outcome and the exact solver's backtracks."""
    if is_logic_solved:
        return "easy" if set(techniques) <= set(SINGLES) else "medium"
    return "hard" if backtracks <= HARD_MAX_BACKTRACKS else "extreme"


def grade_puzzle(grid: np.ndarray, shape: GridShape) -> Grade:
    """Grade ``grid`` (flat, 0 = blank); returns a Grade. Raises PuzzleError unless it has exactly one solution."""
    search = solve(grid, shape, limit=2)
    if search.status is not SolveStatus.UNIQUE:
        raise PuzzleError(f"Only a puzzle with exactly one solution can be graded; this one "
                          f"{search.status.phrase}. Add or fix givens until the solver reports it unique.")
    logic = logic_solve(grid, shape)
    level = level_for(logic.is_solved, logic.technique_counts, search.backtracks)
    return Grade(level, logic.technique_counts, logic.hardest_technique, search.guesses, search.backtracks)
