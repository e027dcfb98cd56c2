"""Augmentation keeps Sudoku grids valid, moves puzzle and solution together and is seeded."""

from math import factorial
from pathlib import Path

import numpy as np
import pytest
import torch

from trm.data import apply_symmetries, augment_batch, augment_grids, draw_symmetries
from trm.sudoku import read_puzzle_csv
from trm.sudoku.shape import SHAPES, GridShape

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "puzzles"

BATCH = 256


def _pattern_grid(shape: GridShape) -> np.ndarray:
    """A valid solution grid: each row shifts the one above by a box width, each band by one more."""
    rows = np.arange(shape.size)[:, None]
    cols = np.arange(shape.size)[None, :]
    values = (shape.box_cols * (rows % shape.box_rows) + rows // shape.box_rows + cols) % shape.size + 1
    return values.astype(np.int8).reshape(-1)


def _is_valid_solution(grid: np.ndarray, shape: GridShape) -> bool:
    square = grid.reshape(shape.size, shape.size)
    boxes = square.reshape(shape.bands, shape.box_rows, shape.stacks, shape.box_cols).transpose(0, 2, 1, 3)
    digits = np.arange(1, shape.size + 1)
    units = [*square, *square.T, *boxes.reshape(shape.size, shape.size)]
    return all(np.array_equal(np.sort(unit), digits) for unit in units)


def _batch(shape: GridShape, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """BATCH (puzzle, solution) pairs: pattern solutions, pre-shuffled, with random blanks."""
    rng = np.random.default_rng(seed)
    solutions = np.tile(_pattern_grid(shape), (BATCH, 1))
    _, solutions = augment_grids(solutions, solutions, shape, rng)
    puzzles = np.where(rng.random(solutions.shape) < 0.6, 0, solutions).astype(np.int8)
    return torch.from_numpy(puzzles), torch.from_numpy(solutions)


@pytest.mark.parametrize("size", [4, 6, 9])
def test_pattern_grid_helper_is_a_valid_solution(size):
    assert _is_valid_solution(_pattern_grid(SHAPES[size]), SHAPES[size])


@pytest.mark.parametrize("size", [4, 6, 9])
def test_augmented_solutions_are_valid_grids(size):
    shape = SHAPES[size]
    puzzles, solutions = _batch(shape, seed=size)
    for seed in range(4):
        _, out = augment_batch(puzzles, solutions, shape, torch.Generator().manual_seed(seed))
        assert all(_is_valid_solution(grid, shape) for grid in out.numpy())


@pytest.mark.parametrize("size", [4, 6, 9])
def test_augmented_puzzles_agree_with_augmented_solutions(size):
    shape = SHAPES[size]
    puzzles, solutions = _batch(shape, seed=10 + size)
    out_puzzles, out_solutions = augment_batch(puzzles, solutions, shape, torch.Generator().manual_seed(1))
    given = out_puzzles != 0
    assert torch.equal(out_puzzles[given], out_solutions[given])
    assert torch.equal((out_puzzles == 0).sum(dim=1), (puzzles == 0).sum(dim=1))
    assert out_puzzles.dtype == puzzles.dtype and out_puzzles.shape == puzzles.shape


@pytest.mark.parametrize("size", [4, 6, 9])
def test_symmetry_is_a_bijection_of_cells_and_digits(size):
    shape = SHAPES[size]
    symmetry = draw_symmetries(BATCH, shape, torch.Generator().manual_seed(2))
    cells = torch.arange(shape.cells).expand(BATCH, -1)
    assert torch.equal(symmetry.cell_source.sort(dim=1).values, cells)
    assert torch.all(symmetry.digit_map[:, 0] == 0)
    assert torch.equal(symmetry.digit_map[:, 1:].sort(dim=1).values, torch.arange(1, size + 1).expand(BATCH, -1))


@pytest.mark.parametrize("size", [4, 6, 9])
def test_each_row_draws_its_own_symmetry(size):
    shape = SHAPES[size]
    symmetry = draw_symmetries(BATCH, shape, torch.Generator().manual_seed(3))
    transposes = 2 if shape.box_rows == shape.box_cols else 1
    arrangements = transposes * (factorial(shape.bands) * factorial(shape.box_rows) ** shape.bands
                                 * factorial(shape.stacks) * factorial(shape.box_cols) ** shape.stacks)
    # Distinct draws approach min(BATCH, group size); 4x4 has only 128 cell arrangements and 24 digit maps.
    assert len({tuple(row) for row in symmetry.cell_source.tolist()}) > min(BATCH, arrangements) // 2
    assert len({tuple(row) for row in symmetry.digit_map.tolist()}) > min(BATCH, factorial(size)) // 2


@pytest.mark.parametrize("size", [4, 6, 9])
def test_augmentation_is_deterministic_given_the_seed(size):
    shape = SHAPES[size]
    puzzles, solutions = _batch(shape, seed=20 + size)
    first = augment_batch(puzzles, solutions, shape, torch.Generator().manual_seed(7))
    second = augment_batch(puzzles, solutions, shape, torch.Generator().manual_seed(7))
    other = augment_batch(puzzles, solutions, shape, torch.Generator().manual_seed(8))
    assert torch.equal(first[0], second[0]) and torch.equal(first[1], second[1])
    assert not torch.equal(first[1], other[1])


def test_six_by_six_is_never_transposed():
    shape = SHAPES[6]
    symmetry = draw_symmetries(4096, shape, torch.Generator().manual_seed(4))
    source_rows = symmetry.cell_source.view(4096, 6, 6) // 6
    # Without a transpose every output row reads from a single source row.
    assert torch.all(source_rows == source_rows[:, :, :1])


def test_nine_by_nine_transposes_about_half_the_time():
    shape = SHAPES[9]
    symmetry = draw_symmetries(4096, shape, torch.Generator().manual_seed(5))
    source_rows = symmetry.cell_source.view(4096, 9, 9) // 9
    transposed = ~(source_rows == source_rows[:, :, :1]).all(dim=(1, 2))
    assert 0.45 < transposed.float().mean().item() < 0.55


def test_numpy_front_end_is_seeded_and_keeps_int8():
    shape = SHAPES[9]
    puzzles, solutions = (t.numpy() for t in _batch(shape, seed=30))
    first = augment_grids(puzzles, solutions, shape, np.random.default_rng(0))
    second = augment_grids(puzzles, solutions, shape, np.random.default_rng(0))
    assert first[0].dtype == np.int8 and np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    assert all(_is_valid_solution(grid, shape) for grid in first[1])


def test_symmetries_compose_with_plain_grids_of_any_integer_dtype():
    shape = SHAPES[4]
    grid = torch.from_numpy(_pattern_grid(shape)).long()[None]
    symmetry = draw_symmetries(1, shape, torch.Generator().manual_seed(6))
    out = apply_symmetries(grid, symmetry)
    assert out.dtype == torch.long and _is_valid_solution(out[0].numpy().astype(np.int8), shape)


def test_augmented_sudoku_extreme_puzzles_stay_valid():
    table = read_puzzle_csv(ASSETS / "sudoku_extreme_train_1k.csv", limit=200)
    puzzles, solutions = torch.from_numpy(table.puzzles), torch.from_numpy(table.solutions)
    out_puzzles, out_solutions = augment_batch(puzzles, solutions, table.shape, torch.Generator().manual_seed(9))
    assert all(_is_valid_solution(grid, table.shape) for grid in out_solutions.numpy())
    given = out_puzzles != 0
    assert torch.equal(out_puzzles[given], out_solutions[given])
    assert torch.equal(given.sum(dim=1), (puzzles != 0).sum(dim=1))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_augmentation_runs_on_cuda_with_a_cuda_generator():
    shape = SHAPES[9]
    puzzles, solutions = (t.cuda() for t in _batch(shape, seed=40))
    first = augment_batch(puzzles, solutions, shape, torch.Generator(device="cuda").manual_seed(3))
    second = augment_batch(puzzles, solutions, shape, torch.Generator(device="cuda").manual_seed(3))
    assert first[0].device.type == "cuda" and torch.equal(first[0], second[0]) and torch.equal(first[1], second[1])
    assert all(_is_valid_solution(grid, shape) for grid in first[1].cpu().numpy())
    given = first[0] != 0
    assert torch.equal(first[0][given], first[1][given])
