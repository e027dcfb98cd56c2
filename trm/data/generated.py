"""4x4 and 6x6 data sets from our own puzzles, split so that no test puzzle is equivalent to a training one.

Solution grids: all 288 4x4 grids, enumerated here; for 6x6, random grids from trm.sudoku.generator. A puzzle
blanks cells of a grid in random order while it keeps exactly one solution, down to a random target. Puzzles are
grouped into exact equivalence classes (trm/data/equivalence.py); one puzzle per class is kept and whole classes go to
either split, so train and test share no puzzle and no equivalent. Solution grids do repeat across splits: 4x4
has only 288 grids in two symmetry classes, so disjoint grids would make the test set a different distribution.
"""

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from trm.data.splits import make_meta, save_meta, save_split
from trm.data.equivalence import equivalence_classes
from trm.sudoku.csv_io import PuzzleTable
from trm.sudoku.generator import random_full_grid
from trm.sudoku.shape import GridShape, shape_for_size
from trm.sudoku.solver import count_solutions


@dataclass(frozen=True)
class GeneratedPlan:
    """How many puzzles of one size to make and how far to blank them."""

    train: int  # puzzles in the train split
    test: int  # puzzles in the test split
    min_blanks: int  # each puzzle aims at a blank count drawn from [min_blanks, cells)
    oversample: float  # puzzles drawn per puzzle needed, to cover classes lost to equivalence


PLANS = {4: GeneratedPlan(train=3000, test=500, min_blanks=6, oversample=4.0),
         6: GeneratedPlan(train=3000, test=500, min_blanks=16, oversample=1.2)}


def enumerate_solution_grids(shape: GridShape) -> np.ndarray:
    """(G, cells) int8: every valid complete grid of ``shape`` in lexicographic order (288 for 4x4).

    Depth-first search over cells; only small shapes are feasible (6x6 has 28,200,960 grids).
    """
    assert shape.size <= 4, "only 4x4 grids can be enumerated quickly"
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


def carve_puzzle(solution: np.ndarray, shape: GridShape, target_blanks: int,
                 rng: np.random.Generator) -> np.ndarray:
    """Blank cells of ``solution`` in random order, keeping one solution, until ``target_blanks`` are blank.

    Stops earlier when no further cell can be blanked. Returns a new int8 puzzle with exactly one solution.
    """
    puzzle = solution.copy()
    blanks = 0
    for cell in rng.permutation(shape.cells):
        if blanks == target_blanks:
            break
        puzzle[cell] = 0
        if count_solutions(puzzle, shape, limit=2) == 1:
            blanks += 1
        else:
            puzzle[cell] = solution[cell]
    return puzzle


def _draw_puzzles(shape: GridShape, count: int, plan: GeneratedPlan, rng: np.random.Generator,
                  is_progress_shown: bool) -> tuple[np.ndarray, np.ndarray]:
    """``count`` (puzzle, solution) pairs, (count, cells) int8 each."""
    grids = enumerate_solution_grids(shape) if shape.size == 4 else None
    puzzles, solutions = [], []
    for _ in tqdm(range(count), desc=f"generate {shape.size}x{shape.size}", disable=not is_progress_shown):
        solution = grids[rng.integers(len(grids))] if grids is not None else random_full_grid(shape, rng)
        target = int(rng.integers(plan.min_blanks, shape.cells))
        puzzles.append(carve_puzzle(solution, shape, target, rng))
        solutions.append(solution)
    return np.stack(puzzles), np.stack(solutions)


def _split_by_class(puzzles: np.ndarray, shape: GridShape, test_count: int,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
    """Indices (train, test) of one puzzle per equivalence class, classes split at random; and the class count."""
    classes = equivalence_classes(puzzles, shape)
    representatives = rng.permutation(np.flatnonzero(classes == np.arange(len(puzzles))))
    return np.sort(representatives[test_count:]), np.sort(representatives[:test_count]), len(representatives)


def _table(puzzles: np.ndarray, solutions: np.ndarray, rows: np.ndarray, shape: GridShape, tag: str) -> PuzzleTable:
    return PuzzleTable(shape, puzzles[rows], solutions[rows], [tag] * len(rows))


def build_generated(size: int, out: Path, test_limit: int | None = None, seed: int = 0,
                    is_progress_shown: bool = True, plan: GeneratedPlan | None = None) -> dict:
    """Write a generated 4x4 or 6x6 data set to ``out`` (train.npz, test.npz, meta.json); returns the meta dict.

    ``plan`` defaults to PLANS[size]; ``test_limit`` lowers its test count; train gets up to ``plan.train``.
    """
    start = time.perf_counter()
    shape, plan = shape_for_size(size), plan or PLANS[size]
    test_count = plan.test if test_limit is None else min(test_limit, plan.test)
    rng = np.random.default_rng(seed)
    drawn = int((plan.train + plan.test) * plan.oversample)
    puzzles, solutions = _draw_puzzles(shape, drawn, plan, rng, is_progress_shown)
    train_rows, test_rows, classes = _split_by_class(puzzles, shape, test_count, rng)
    train_rows = train_rows[:plan.train]
    tag = f"trm-generator|size={size}|seed={seed}"
    train = _table(puzzles, solutions, train_rows, shape, tag)
    test = _table(puzzles, solutions, test_rows, shape, tag)
    save_split(out, "train", train)
    save_split(out, "test", test)
    shared_grids = len({g.tobytes() for g in train.solutions} & {g.tobytes() for g in test.solutions})
    dedupe = {"generated": {"rows": drawn, "classes": classes, "kept_train": len(train), "kept_test": len(test),
                            "test_solution_grids_also_in_train": shared_grids}}
    meta = make_meta(train, test, seed, [], [], dedupe, start)
    meta["how_built"] = (f"{drawn} puzzles carved from {'the 288 enumerated' if size == 4 else 'random'} solution "
                         "grids (random blanking order, unique solution kept, random target blank count); one "
                         "puzzle per exact equivalence class (relabelling, transpose for square boxes, band/row/"
                         "stack/column permutations); classes split at random between test and train")
    save_meta(out, meta)
    return meta
