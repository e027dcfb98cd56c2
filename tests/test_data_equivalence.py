"""Symmetry-aware equivalence: augmentations are found equivalent, invariants flag them, the exact tests agree."""

import numpy as np
import pytest

from trm.data import augment_grids
from trm.data.equivalence import canonical_forms, equivalent_mask, invariant_keys, is_equivalent
from trm.sudoku.shape import SHAPES, GridShape


def _pattern_grid(shape: GridShape) -> np.ndarray:
    rows = np.arange(shape.size)[:, None]
    cols = np.arange(shape.size)[None, :]
    values = (shape.box_cols * (rows % shape.box_rows) + rows // shape.box_rows + cols) % shape.size + 1
    return values.astype(np.int8).reshape(-1)


def _random_puzzles(shape: GridShape, count: int, blank_share: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    grids = np.tile(_pattern_grid(shape), (count, 1))
    _, grids = augment_grids(grids, grids, shape, rng)
    return np.where(rng.random(grids.shape) < blank_share, 0, grids).astype(np.int8)


@pytest.mark.parametrize("size", [4, 6, 9])
def test_augmented_puzzles_are_equivalent_to_their_originals(size):
    shape = SHAPES[size]
    puzzles = _random_puzzles(shape, 60, 0.6, seed=size)
    moved, _ = augment_grids(puzzles, puzzles, shape, np.random.default_rng(1))
    assert invariant_keys(puzzles, shape) == invariant_keys(moved, shape)
    assert all(is_equivalent(a, b, shape) for a, b in zip(moved, puzzles))
    assert equivalent_mask(moved, puzzles, shape).all()


@pytest.mark.parametrize("size", [4, 6])
def test_canonical_forms_match_the_pairwise_search(size):
    shape = SHAPES[size]
    puzzles = _random_puzzles(shape, 80, 0.55, seed=20 + size)
    forms = canonical_forms(puzzles, shape)
    moved, _ = augment_grids(puzzles, puzzles, shape, np.random.default_rng(2))
    assert canonical_forms(moved, shape) == forms
    rng = np.random.default_rng(3)
    pairs = rng.integers(0, len(puzzles), size=(600, 2))
    verdicts = [(forms[i] == forms[j], is_equivalent(puzzles[i], puzzles[j], shape)) for i, j in pairs]
    assert all(by_form == by_search for by_form, by_search in verdicts)
    assert any(by_form for by_form, _ in verdicts) and not all(by_form for by_form, _ in verdicts)


def test_changing_one_given_breaks_equivalence():
    shape = SHAPES[9]
    puzzle = _random_puzzles(shape, 1, 0.7, seed=4)[0]
    moved, _ = augment_grids(puzzle[None], puzzle[None], shape, np.random.default_rng(5))
    altered = moved[0].copy()
    given = np.flatnonzero(altered)[0]
    other_given = np.flatnonzero(altered)[1]
    altered[given], altered[other_given] = altered[other_given], altered[given]
    assert altered[given] != moved[0][given]  # two different digits were swapped
    assert is_equivalent(moved[0], puzzle, shape)
    assert not is_equivalent(altered, puzzle, shape)


def test_transpose_is_a_symmetry_for_nine_but_not_for_six():
    for size, expected in ((9, True), (6, False)):
        shape = SHAPES[size]
        grid = _pattern_grid(shape)
        transposed = grid.reshape(size, size).T.reshape(-1).copy()
        assert is_equivalent(transposed, grid, shape) is expected


def test_equivalent_mask_flags_only_the_planted_equivalents():
    shape = SHAPES[9]
    reference = _random_puzzles(shape, 40, 0.7, seed=6)
    others = _random_puzzles(shape, 40, 0.7, seed=7)
    planted, _ = augment_grids(reference[:5], reference[:5], shape, np.random.default_rng(8))
    candidates = np.concatenate([planted, others])
    mask = equivalent_mask(candidates, reference, shape)
    assert mask[:5].all() and not mask[5:].any()
