"""Pre-generated extreme puzzles, so the app's Generate button answers at once for the rarest level.

A pool is ``assets/puzzles/extreme_pool_{n}x{n}.csv`` (``puzzle,solution,source``), made by our own generator
(``trm.sudoku.generator.make_pool``, ``python -m trm.sudoku make-pool``). A draw picks a row, applies a random
symmetry and re-grades it; the hard/extreme line is not symmetry-invariant, so when no transformed copy stays
extreme the row is used as stored.
"""

from functools import lru_cache
from pathlib import Path

import numpy as np

from trm.sudoku.csv_io import PuzzleTable, read_puzzle_csv
from trm.sudoku.grade import Grade, grade_puzzle
from trm.sudoku.shape import GridShape
from trm.sudoku.symmetry import random_symmetry

POOL_DIR = Path(__file__).resolve().parents[2] / "assets" / "puzzles"
POOL_LEVEL = "extreme"
SYMMETRY_TRIES = 8


def pool_path(shape: GridShape) -> Path:
    """Where the extreme pool of ``shape`` lives (it may not exist)."""
    return POOL_DIR / f"extreme_pool_{shape.size}x{shape.size}.csv"


@lru_cache(maxsize=None)
def load_pool(shape: GridShape) -> PuzzleTable | None:
    """The extreme pool of ``shape``, or None when none is shipped. Raises DataError for a malformed file."""
    path = pool_path(shape)
    return read_puzzle_csv(path) if path.is_file() else None


def draw_from_pool(pool: PuzzleTable, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, Grade]:
    """A (puzzle, solution, grade) drawn from ``pool``: a random row under a random symmetry, still extreme."""
    row = int(rng.integers(len(pool)))
    puzzle, solution = pool.puzzles[row], pool.solutions[row]
    for _ in range(SYMMETRY_TRIES):
        transform = random_symmetry(pool.shape, rng)
        candidate = transform(puzzle)
        grade = grade_puzzle(candidate, pool.shape)
        if grade.level == POOL_LEVEL:
            return candidate, transform(solution), grade
    return puzzle.copy(), solution.copy(), grade_puzzle(puzzle, pool.shape)
