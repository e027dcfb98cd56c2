"""4x4 and 6x6 data sets from our own puzzles, split so that no test puzzle is equivalent to a training one.

Solution grids: all 288 4x4 grids (trm.sudoku.enumeration); for 6x6, random grids from trm.sudoku.generator. A puzzle
blanks cells of a grid in random order while it keeps exactly one solution, down to a random target. Puzzles are
grouped into exact equivalence classes (trm/data/equivalence.py); one puzzle per class is kept and whole classes go to
either split, so train and test share no puzzle and no equivalent. Solution grids do repeat across splits: 4x4
has only 288 grids in two symmetry classes, so disjoint grids would make the test set a different distribution.
"""

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trm.data.splits import make_meta, save_meta, save_split
from trm.data.equivalence import equivalence_classes, equivalent_mask
from trm.progress_bars import progress_bar
from trm.sudoku.csv_io import PuzzleTable, write_puzzle_csv
from trm.sudoku.enumeration import enumerate_minimal_puzzles, enumerate_solution_grids
from trm.sudoku.generator import random_full_grid
from trm.sudoku.shape import GridShape, shape_for_size
from trm.sudoku.solver import count_solutions

MINIMAL_SOURCE = "trm-minimal"  # the source column's start in minimal-puzzle CSVs: marks files this code wrote


@dataclass(frozen=True)
class GeneratedPlan:
    """How many puzzles of one size to make and how far to blank them."""

    train: int  # puzzles in the train split
    test: int  # puzzles in the test split
    min_blanks: int  # each puzzle aims at a blank count drawn from [min_blanks, cells)
    oversample: float  # puzzles drawn per puzzle needed, to cover classes lost to equivalence
    minimal_train: int = 0  # minimal puzzles added to train on top (their classes never reach the test split)


# Minimal puzzles are the hardest a person can type. 4x4's fall into only 36 classes, one row each after the
# equivalence dedupe: too rare to learn, so 4x4 adds minimal puzzles drawn from all of them (none can then be held
# out). 6x6 adds random ones; the test split keeps its own minimal puzzles, none equivalent to these.
PLANS = {4: GeneratedPlan(train=3000, test=500, min_blanks=6, oversample=4.0, minimal_train=3000),
         6: GeneratedPlan(train=3000, test=500, min_blanks=16, oversample=1.2, minimal_train=3000)}


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
    for _ in progress_bar(range(count), desc=f"generate {shape.size}x{shape.size}", disable=not is_progress_shown):
        solution = grids[rng.integers(len(grids))] if grids is not None else random_full_grid(shape, rng)
        target = int(rng.integers(plan.min_blanks, shape.cells))
        puzzles.append(carve_puzzle(solution, shape, target, rng))
        solutions.append(solution)
    return np.stack(puzzles), np.stack(solutions)


def _minimal_extras(shape: GridShape, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``count`` random minimal puzzles and their solutions: drawn from all of them for 4x4, else carved from
    random grids until no given can go (which leaves a minimal puzzle)."""
    if count == 0:
        return np.zeros((0, shape.cells), np.int8), np.zeros((0, shape.cells), np.int8)
    if shape.size == 4:
        puzzles, solutions = enumerate_minimal_puzzles(shape)
        rows = rng.choice(len(puzzles), count, replace=False)
        return puzzles[rows], solutions[rows]
    solutions = np.stack([random_full_grid(shape, rng) for _ in range(count)])
    return np.stack([carve_puzzle(grid, shape, shape.cells, rng) for grid in solutions]), solutions


def _split_by_class(puzzles: np.ndarray, shape: GridShape, test_count: int, rng: np.random.Generator,
                    train_only: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Indices (train, test) of one puzzle per equivalence class, classes split at random; and the class count.

    Classes holding a ``train_only`` puzzle are left out of both; the caller adds those rows to train itself.
    """
    classes = equivalence_classes(puzzles, shape)
    free = ~np.isin(classes, classes[train_only])
    representatives = rng.permutation(np.flatnonzero((classes == np.arange(len(puzzles))) & free))
    return (np.sort(representatives[test_count:]), np.sort(representatives[:test_count]),
            len(np.unique(classes)))


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
    extra_puzzles, extra_solutions = _minimal_extras(shape, plan.minimal_train, rng)
    puzzles, solutions = np.concatenate([puzzles, extra_puzzles]), np.concatenate([solutions, extra_solutions])
    train_only = np.arange(len(puzzles)) >= drawn
    train_rows, test_rows, classes = _split_by_class(puzzles, shape, test_count, rng, train_only)
    train_rows = np.concatenate([train_rows[:plan.train], np.flatnonzero(train_only)])
    tag = f"trm-generator|size={size}|seed={seed}"
    train = _table(puzzles, solutions, train_rows, shape, tag)
    test = _table(puzzles, solutions, test_rows, shape, tag)
    save_split(out, "train", train)
    save_split(out, "test", test)
    shared_grids = len({g.tobytes() for g in train.solutions} & {g.tobytes() for g in test.solutions})
    dedupe = {"generated": {"rows": drawn, "minimal_train": plan.minimal_train, "classes": classes,
                            "kept_train": len(train), "kept_test": len(test),
                            "test_solution_grids_also_in_train": shared_grids}}
    meta = make_meta(train, test, seed, [], [], dedupe, start)
    meta["how_built"] = (f"{drawn} puzzles carved from {'the 288 enumerated' if size == 4 else 'random'} solution "
                         "grids (random blanking order, unique solution kept, random target blank count); one "
                         "puzzle per exact equivalence class (relabelling, transpose for square boxes, band/row/"
                         "stack/column permutations); classes split at random between test and train")
    if plan.minimal_train:
        meta["how_built"] += (f"; plus {plan.minimal_train} random minimal puzzles (no given can be removed) in "
                              "train only, none equivalent to a test puzzle")
    save_meta(out, meta)
    return meta


def write_minimal_puzzles(size: int, count: int, seed: int, out: Path, unlike: np.ndarray | None = None) -> int:
    """Write a CSV of ``count`` random minimal puzzles of ``size`` (6: carved from random grids; 4: drawn from all
    of them, or every one when ``count`` is 0) with their solutions; returns how many were written. With
    ``unlike`` (puzzles, e.g. a training split), none written is equivalent to one of those."""
    shape, rng = shape_for_size(size), np.random.default_rng(seed)
    if size == 4 and count == 0:
        puzzles, solutions = enumerate_minimal_puzzles(shape)
    else:
        puzzles, solutions = _minimal_extras(shape, count, rng)
    if unlike is not None:
        keep = ~equivalent_mask(puzzles, unlike, shape)
        puzzles, solutions = puzzles[keep], solutions[keep]
        while size != 4 and len(puzzles) < count:  # top up what the check removed
            more, more_solutions = _minimal_extras(shape, count - len(puzzles), rng)
            keep = ~equivalent_mask(more, unlike, shape)
            puzzles = np.concatenate([puzzles, more[keep]])
            solutions = np.concatenate([solutions, more_solutions[keep]])
    write_puzzle_csv(out, PuzzleTable(shape, puzzles, solutions, [f"{MINIMAL_SOURCE}|size={size}|seed={seed}"] *
                                      len(puzzles)))
    return len(puzzles)
