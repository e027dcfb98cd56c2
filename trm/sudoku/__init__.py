"""The Sudoku domain: grid geometry, parsing, validation, solvers, generator and puzzle files."""

from trm.sudoku.csv_io import PuzzleTable, read_puzzle_csv, write_puzzle_csv
from trm.sudoku.shape import SHAPES, GridShape, grid_to_tokens, shape_for_cells, shape_for_size, tokens_to_grid

__all__ = [
    "SHAPES", "GridShape", "PuzzleTable", "grid_to_tokens", "read_puzzle_csv", "shape_for_cells",
    "shape_for_size", "tokens_to_grid", "write_puzzle_csv",
]
