"""Validity-preserving grid symmetries: relabel digits, permute rows within bands and bands, columns within
stacks and stacks, and (for square boxes) transpose. A puzzle and its solution get the same transform.
"""

from collections.abc import Callable

import numpy as np

from trm.sudoku.shape import GridShape


def _line_order(lines_per_group: int, groups: int, rng: np.random.Generator) -> np.ndarray:
    """A permutation of ``groups * lines_per_group`` lines that keeps each group's lines together."""
    order = [g * lines_per_group + line for g in rng.permutation(groups) for line in rng.permutation(lines_per_group)]
    return np.array(order)


def random_symmetry(shape: GridShape, rng: np.random.Generator) -> Callable[[np.ndarray], np.ndarray]:
    """Draw one random symmetry of ``shape``; returns a function mapping a flat grid to its transformed copy."""
    n = shape.size
    relabel = np.concatenate([[0], rng.permutation(n) + 1]).astype(np.int8)  # blanks stay blank
    rows = _line_order(shape.box_rows, shape.bands, rng)
    cols = _line_order(shape.box_cols, shape.stacks, rng)
    is_transposed = shape.box_rows == shape.box_cols and bool(rng.integers(2))

    def apply(grid: np.ndarray) -> np.ndarray:
        square = relabel[grid.reshape(n, n)][rows][:, cols]
        return np.ascontiguousarray(square.T if is_transposed else square).reshape(-1)

    return apply
