"""Solutions for an evaluation set: the file's own, or the exact solver's where the file has none."""

import numpy as np

from trm.errors import DataError
from trm.sudoku.csv_io import PuzzleTable
from trm.sudoku.solver import SolveStatus, solve


def fill_solutions(table: PuzzleTable, dropped: list[int] | None = None) -> tuple[PuzzleTable, int]:
    """The table with solutions (computed where missing) and how many puzzles were dropped as not unique; their
    numbers in the table (from 1) go to ``dropped`` when given, for a report that says which."""
    if table.solutions is not None:
        return table, 0
    keep, solutions = [], []
    for i, puzzle in enumerate(table.puzzles):
        result = solve(puzzle, table.shape)
        if result.status == SolveStatus.UNIQUE:
            keep.append(i)
            solutions.append(result.solutions[0])
        elif dropped is not None:
            dropped.append(i + 1)
    if not keep:
        raise DataError("No puzzle in the file has a unique solution; nothing to evaluate.")
    return PuzzleTable(table.shape, table.puzzles[keep], np.stack(solutions), [table.sources[i] for i in keep]), \
        len(table) - len(keep)
