"""The Sudoku domain: grid geometry, parsing, validation, solvers, grading, generator and puzzle files."""

from trm.sudoku.board import Step
from trm.sudoku.csv_io import PuzzleTable, read_puzzle_csv, write_puzzle_csv
from trm.sudoku.generator import (LEVELS_BY_SIZE, GeneratedPuzzle, generate_puzzle, is_singles_solvable,
                                  random_full_grid)
from trm.sudoku.grade import HARD_MAX_BACKTRACKS, LEVELS, Grade, grade_puzzle
from trm.sudoku.logic import DIFFICULTY_ORDER, LogicResult, logic_solve
from trm.sudoku.parse import format_grid, grid_to_string, parse_puzzle
from trm.sudoku.pool import load_pool
from trm.sudoku.shape import SHAPES, GridShape, cell_name, shape_for_cells, shape_for_size
from trm.sudoku.solver import SolveResult, SolveStatus, count_solutions, solve
from trm.sudoku.symmetry import random_symmetry
from trm.sudoku.validate import Conflict, check_grid, find_conflicts, is_solution

__all__ = [
    "DIFFICULTY_ORDER", "HARD_MAX_BACKTRACKS", "LEVELS", "LEVELS_BY_SIZE", "SHAPES", "Conflict", "GeneratedPuzzle",
    "Grade", "GridShape", "LogicResult", "cell_name", "PuzzleTable", "SolveResult", "SolveStatus", "Step", "check_grid",
    "count_solutions", "find_conflicts", "format_grid", "generate_puzzle", "grade_puzzle", "grid_to_string",
    "is_singles_solvable", "is_solution", "load_pool", "logic_solve", "parse_puzzle", "random_full_grid",
    "random_symmetry", "read_puzzle_csv", "shape_for_cells", "shape_for_size", "solve", "write_puzzle_csv",
]
