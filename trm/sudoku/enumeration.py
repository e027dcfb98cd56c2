"""Exhaustive lists for the smallest grids: every 4x4 solution grid, and every minimal 4x4 puzzle.

A puzzle is minimal when it has exactly one solution and removing any one given breaks that. Minimal puzzles are
the hardest a person can type: nothing in them is redundant. 4x4 has 288 solution grids and 85,632 minimal
puzzles (4 to 6 givens, 36 classes up to symmetry), so "the model solves every 4x4 puzzle" can be checked.
"""

from functools import lru_cache

import numpy as np

from trm.sudoku.shape import GridShape
from trm.sudoku.solver import count_solutions


def enumerate_solution_grids(shape: GridShape) -> np.ndarray:
    """(G, cells) int8: every valid complete grid of ``shape`` in lexicographic order (288 for 4x4).

    Depth-first search over cells; only small shapes are feasible (6x6 has 28,200,960 grids).
    """
    if shape.size > 4:
        raise ValueError("only 4x4 grids can be enumerated quickly")
    n = shape.size
    grid = np.zeros(shape.cells, dtype=np.int8)
    found: list[np.ndarray] = []

    def fill(cell: int) -> None:
        if cell == shape.cells:
            found.append(grid.copy())
            return
        row, col = divmod(cell, n)
        box = grid.reshape(n, n)[row - row % shape.box_rows:row - row % shape.box_rows + shape.box_rows,
                                 col - col % shape.box_cols:col - col % shape.box_cols + shape.box_cols]
        used = set(grid.reshape(n, n)[row]) | set(grid.reshape(n, n)[:, col]) | set(box.ravel())
        for digit in range(1, n + 1):
            if digit not in used:
                grid[cell] = digit
                fill(cell + 1)
        grid[cell] = 0

    fill(0)
    return np.stack(found)


def _minimal_masks(disagreements: np.ndarray, cells: int) -> np.ndarray:
    """The given-cell bit masks that make one grid's puzzle minimal.

    ``disagreements`` holds, for every other solution grid, the mask of cells where it differs from this one. A
    set of givens pins this grid down exactly when it contains a cell of every such mask (a hitting set); it is
    minimal when dropping any one of its cells loses that.
    """
    masks = np.arange(1 << cells)
    unique = np.ones(len(masks), dtype=bool)
    for mask in np.unique(disagreements):
        unique &= (masks & mask) != 0
    minimal = unique.copy()
    for bit in range(cells):
        has_bit = (masks >> bit) & 1 == 1
        minimal &= ~has_bit | ~unique[masks ^ (1 << bit)]
    return np.flatnonzero(minimal)


@lru_cache(maxsize=1)
def _minimal_4x4(shape: GridShape) -> tuple[np.ndarray, np.ndarray]:
    grids = enumerate_solution_grids(shape)
    bits = 1 << np.arange(shape.cells)
    differs = ((grids[:, None, :] != grids[None, :, :]) * bits).sum(axis=-1)  # (G, G) masks
    puzzles, solutions = [], []
    for index, grid in enumerate(grids):
        for mask in _minimal_masks(np.delete(differs[index], index), shape.cells):
            puzzles.append(np.where((mask >> np.arange(shape.cells)) & 1 == 1, grid, 0))
            solutions.append(grid)
    return np.array(puzzles, dtype=np.int8), np.array(solutions, dtype=np.int8)


def enumerate_minimal_puzzles(shape: GridShape) -> tuple[np.ndarray, np.ndarray]:
    """(puzzles, solutions), (P, cells) int8 each: every minimal puzzle of ``shape`` (4x4 only: 85,632)."""
    if shape.size != 4:
        raise ValueError("minimal puzzles can be enumerated for 4x4 grids only")
    puzzles, solutions = _minimal_4x4(shape)
    return puzzles.copy(), solutions.copy()


def is_minimal(puzzle: np.ndarray, shape: GridShape) -> bool:
    """True when ``puzzle`` has exactly one solution and every given is needed for that."""
    if count_solutions(puzzle, shape, limit=2) != 1:
        return False
    trial = np.array(puzzle, copy=True)
    for cell in np.flatnonzero(trial):
        digit, trial[cell] = trial[cell], 0
        still_unique = count_solutions(trial, shape, limit=2) == 1
        trial[cell] = digit
        if still_unique:
            return False
    return True
