"""Generate puzzles with one solution at a requested level (see ``trm.sudoku.grade`` for the levels).

A random complete grid is drawn by the exact solver with digits tried in random order; givens are then removed
one at a time in random order, each removal kept only while the puzzle stays within reach of its level:

- easy: still solved by naked and hidden singles (so it has one solution);
- medium: still solved by the human-style techniques, and retried when singles alone suffice;
- hard and extreme: still exactly one solution; retried until the grade matches.

Extreme 9x9 puzzles are rare (about 1 minimal puzzle in 40), so by default they are drawn from a pool made
ahead of time by this generator (``trm.sudoku.pool``). Every result is graded with ``grade_puzzle`` before it is
returned, so its ``level`` is its real grade.
Not every size has every level (``LEVELS_BY_SIZE``): in 4x4 every proper puzzle we generated fell to singles,
and 6x6 search trees are too small to meet more than a few dead ends, so 6x6 has no extreme level. Asking for
a missing level raises PuzzleError.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trm.errors import PuzzleError
from trm.sudoku.csv_io import PuzzleTable, write_puzzle_csv
from trm.sudoku.grade import LEVELS, Grade, grade_puzzle
from trm.sudoku.logic import logic_solve
from trm.sudoku.pool import POOL_LEVEL, draw_from_pool, load_pool, pool_path
from trm.sudoku.propagate import initial_candidates, propagate
from trm.sudoku.shape import GridShape
from trm.sudoku.solver import count_solutions, random_solution
from trm.sudoku.units import unit_tables

LEVELS_BY_SIZE = {4: ("easy",), 6: ("easy", "medium", "hard"), 9: LEVELS}
MAX_ATTEMPTS = 2000  # full grids tried before giving up (6x6 medium: about 1 in 60 succeeds)


@dataclass
class GeneratedPuzzle:
    """A generated puzzle and its solution (flat int8 grids, 0 = blank), its level and full grade."""

    puzzle: np.ndarray
    solution: np.ndarray
    level: str
    grade: Grade


def random_full_grid(shape: GridShape, rng: np.random.Generator) -> np.ndarray:
    """A random complete valid grid of ``shape`` as a flat int8 array."""
    grid = random_solution(np.zeros(shape.cells, dtype=np.int8), shape, rng)
    assert grid is not None, "an empty grid always has a solution"
    return grid


def is_singles_solvable(grid: np.ndarray, shape: GridShape) -> bool:
    """True when naked and hidden singles alone complete ``grid`` (which implies one solution)."""
    tables = unit_tables(shape)
    cand, givens = initial_candidates(grid, tables)
    return propagate(cand, givens, tables) and all(not m & (m - 1) for m in cand)


def _keeps_level(level: str, shape: GridShape) -> Callable[[np.ndarray], bool]:
    """The test a puzzle must still pass after a removal while aiming at ``level``."""
    if level == "easy":
        return lambda grid: is_singles_solvable(grid, shape)
    if level == "medium":
        return lambda grid: is_singles_solvable(grid, shape) or logic_solve(grid, shape).is_solved
    return lambda grid: count_solutions(grid, shape, limit=2) == 1


def remove_givens(solution: np.ndarray, keeps: Callable[[np.ndarray], bool],
                  rng: np.random.Generator) -> np.ndarray:
    """Blank cells of ``solution`` in random order, undoing each blank after which ``keeps`` fails."""
    puzzle = solution.copy()
    for cell in rng.permutation(len(puzzle)):
        digit = puzzle[cell]
        puzzle[cell] = 0
        if not keeps(puzzle):
            puzzle[cell] = digit
    return puzzle


def check_level(shape: GridShape, level: str) -> None:
    """Raise PuzzleError unless ``level`` exists for grids of ``shape``."""
    available = LEVELS_BY_SIZE.get(shape.size, ())
    if level not in available:
        n = shape.size
        raise PuzzleError(f"No {level!r} level for {n}x{n} puzzles: choose one of {', '.join(available)}.")


def generate_puzzle(shape: GridShape, level: str, rng: np.random.Generator,
                    use_pool: bool = True) -> GeneratedPuzzle:
    """Generate a puzzle with exactly one solution whose grade is ``level``; returns a GeneratedPuzzle.

    With ``use_pool``, extreme puzzles come from the shipped pool when there is one. Raises PuzzleError for a
    level that ``shape`` does not have (see ``LEVELS_BY_SIZE``) or, very unlikely, when ``MAX_ATTEMPTS``
    complete grids all fail to give that level.
    """
    check_level(shape, level)
    pool = load_pool(shape) if use_pool and level == POOL_LEVEL else None
    if pool is not None:
        puzzle, solution, grade = draw_from_pool(pool, rng)
        return GeneratedPuzzle(puzzle, solution, grade.level, grade)
    keeps = _keeps_level(level, shape)
    for _ in range(MAX_ATTEMPTS):
        solution = random_full_grid(shape, rng)
        puzzle = remove_givens(solution, keeps, rng)
        grade = grade_puzzle(puzzle, shape)
        if grade.level == level:
            return GeneratedPuzzle(puzzle, solution, level, grade)
    raise PuzzleError(f"Could not generate a {level} {shape.size}x{shape.size} puzzle in {MAX_ATTEMPTS} "
                      f"attempts; try again with another seed.")


def make_pool(shape: GridShape, count: int, seed: int, path: Path | None = None) -> Path:
    """Generate ``count`` extreme puzzles of ``shape`` without a pool and write them as its pool CSV."""
    rng = np.random.default_rng(seed)
    made = [generate_puzzle(shape, POOL_LEVEL, rng, use_pool=False) for _ in range(count)]
    table = PuzzleTable(shape, np.stack([m.puzzle for m in made]), np.stack([m.solution for m in made]),
                        [f"trm-generator|seed={seed}|backtracks={m.grade.backtracks}" for m in made])
    target = path or pool_path(shape)
    write_puzzle_csv(target, table)
    return target
