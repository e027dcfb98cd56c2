"""Validity-preserving Sudoku augmentation, as the reference's ``shuffle_sudoku`` (dataset/build_sudoku_dataset.py).

One symmetry = a digit relabelling (blank stays blank), a transpose (p = 0.5, square boxes only), a band
permutation with a row permutation inside each band, and a stack permutation with a column permutation inside
each stack. The identical symmetry is applied to a puzzle and its solution. Every row of a batch draws its own
symmetry; permutations are argsorts of random keys, so a batch needs no Python loop and runs on any device.
"""

from dataclasses import dataclass

import numpy as np
import torch

from trm.sudoku.shape import GridShape


@dataclass(frozen=True)
class Symmetry:
    """A batch of Sudoku symmetries: ``out[b, k] = digit_map[b, grid[b, cell_source[b, k]]]``.

    ``cell_source`` is (B, cells) int64, a permutation of the cells per row; ``digit_map`` is (B, size + 1)
    int64 with ``digit_map[:, 0] == 0`` (blank stays blank) and a permutation of 1..size after it.
    """

    cell_source: torch.Tensor
    digit_map: torch.Tensor


def _random_permutations(rows: int, length: int, generator: torch.Generator, device: torch.device) -> torch.Tensor:
    """(rows, length) int64: each row an independent uniform permutation of 0..length-1."""
    keys = torch.rand(rows, length, generator=generator, device=device)
    return keys.argsort(dim=-1)


def _line_sources(batch: int, groups: int, width: int, generator: torch.Generator,
                  device: torch.device) -> torch.Tensor:
    """(B, groups * width) int64: source line of each output line, permuting groups and lines within groups.

    Rows come in bands of ``box_rows`` lines (columns in stacks of ``box_cols``): output line g * width + k
    reads source line group_order[g] * width + inner[g, k].
    """
    group_order = _random_permutations(batch, groups, generator, device)  # (B, groups)
    inner = _random_permutations(batch * groups, width, generator, device).view(batch, groups, width)
    return (group_order[:, :, None] * width + inner).reshape(batch, groups * width)  # (B, size)


def draw_symmetries(batch: int, shape: GridShape, generator: torch.Generator) -> Symmetry:
    """Draw ``batch`` independent random symmetries of ``shape`` on the generator's device.

    Returns a Symmetry with (batch, cells) cell sources and (batch, size + 1) digit maps. A transpose is drawn
    with p = 0.5 only when boxes are square: for 2x3 boxes (6x6) a transpose breaks the boxes.
    """
    device = generator.device
    size = shape.size
    row_source = _line_sources(batch, shape.bands, shape.box_rows, generator, device)  # (B, size)
    col_source = _line_sources(batch, shape.stacks, shape.box_cols, generator, device)  # (B, size)
    cell_source = row_source[:, :, None] * size + col_source[:, None, :]  # (B, size, size)
    if shape.box_rows == shape.box_cols:
        is_transposed = torch.rand(batch, generator=generator, device=device) < 0.5  # (B,)
        cell_source = torch.where(is_transposed[:, None, None], cell_source.transpose(1, 2), cell_source)
    digits = _random_permutations(batch, size, generator, device) + 1  # (B, size), values 1..size
    digit_map = torch.cat([torch.zeros(batch, 1, dtype=digits.dtype, device=device), digits], dim=1)
    return Symmetry(cell_source.reshape(batch, shape.cells), digit_map)


def apply_symmetries(grids: torch.Tensor, symmetry: Symmetry) -> torch.Tensor:
    """Apply one symmetry per row to ``grids`` (B, cells) integer values 0..size; returns the same dtype."""
    moved = torch.gather(grids.long(), 1, symmetry.cell_source)  # (B, cells)
    return torch.gather(symmetry.digit_map, 1, moved).to(grids.dtype)  # (B, cells)


def augment_batch(puzzles: torch.Tensor, solutions: torch.Tensor, shape: GridShape,
                  generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Apply an independent random Sudoku symmetry to each (puzzle, solution) pair of a batch.

    ``puzzles`` and ``solutions`` are (B, cells) integer tensors (0 blank, 1..size digits) on the generator's
    device. Returns (puzzles, solutions), same shapes, dtypes and device. Deterministic given the generator's
    state. Row b of both outputs is transformed by the same symmetry.
    """
    assert puzzles.shape == solutions.shape and puzzles.shape[-1] == shape.cells, (puzzles.shape, shape)
    symmetry = draw_symmetries(puzzles.shape[0], shape, generator)
    return apply_symmetries(puzzles, symmetry), apply_symmetries(solutions, symmetry)


def augment_grids(puzzles: np.ndarray, solutions: np.ndarray, shape: GridShape,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """NumPy front end of :func:`augment_batch`: (N, cells) arrays in, augmented int8 copies out.

    The torch generator is seeded from ``rng``, so the result is deterministic given ``rng``'s state.
    """
    generator = torch.Generator().manual_seed(int(rng.integers(0, 2**63 - 1)))
    out_puzzles, out_solutions = augment_batch(torch.from_numpy(np.asarray(puzzles, dtype=np.int8)),
                                               torch.from_numpy(np.asarray(solutions, dtype=np.int8)),
                                               shape, generator)
    return out_puzzles.numpy(), out_solutions.numpy()
