"""Equivalence of Sudoku puzzles under the symmetry group of the augmentation (see trm/data/augment.py).

Two puzzles are equivalent when a digit relabelling, a transpose (square boxes only) and band/row/stack/column
permutations map one onto the other, blanks included. A model trained on a puzzle's augmentations has seen its
equivalents, so a held-out set must contain none.

- :func:`invariant_keys`: cheap keys (clue counts per row, column, box, band and stack as multisets; digit
  frequencies) that are equal for equivalent puzzles, so they flag *possible* equivalents.
- :func:`is_equivalent`: an exact test for one pair, by search over row and column permutations.
- :func:`equivalent_mask`: which candidates are equivalent to some reference puzzle (keys, then exact test).
- :func:`equivalence_classes`: a class representative per puzzle of one set (keys, then exact test).
- :func:`canonical_forms`: exact canonical forms for 4x4 and 6x6, whose groups are small enough to enumerate
  (about 10 ms per 6x6 puzzle, so the data build uses the pairwise test; this one is an independent check).
"""

from functools import lru_cache
from itertools import permutations, product
from math import factorial

import numpy as np

from trm.progress_bars import progress_bar
from trm.sudoku.shape import GridShape

MAX_ENUMERATED_ARRANGEMENTS = 5000  # 4x4 has 128 cell arrangements, 6x6 3,456, 9x9 3.4 million


def _is_square(shape: GridShape) -> bool:
    return shape.box_rows == shape.box_cols


def _sorted_bytes(counts: np.ndarray) -> list[bytes]:
    return [row.tobytes() for row in np.sort(counts, axis=1).astype(np.int8)]


def invariant_keys(puzzles: np.ndarray, shape: GridShape) -> list[bytes]:
    """One key per puzzle; equivalent puzzles have equal keys (the converse need not hold).

    ``puzzles`` is (N, cells) int8. The key joins the sorted clue counts per row, band, column, stack and box and
    the sorted digit frequencies; a transpose swaps (rows, bands) with (columns, stacks), so that pair is sorted.
    """
    n = shape.size
    clues = (puzzles != 0).reshape(-1, n, n)
    per_box = clues.reshape(-1, shape.bands, shape.box_rows, shape.stacks, shape.box_cols).sum(axis=(2, 4))
    rows = [r + b for r, b in zip(_sorted_bytes(clues.sum(2)), _sorted_bytes(per_box.sum(2)))]
    cols = [c + s for c, s in zip(_sorted_bytes(clues.sum(1)), _sorted_bytes(per_box.sum(1)))]
    boxes = _sorted_bytes(per_box.reshape(len(puzzles), n))
    digits = _sorted_bytes(np.stack([(puzzles == d).sum(1) for d in range(1, n + 1)], axis=1))
    if _is_square(shape):
        return [min(r, c) + max(r, c) + b + d for r, c, b, d in zip(rows, cols, boxes, digits)]
    return [r + c + b + d for r, c, b, d in zip(rows, cols, boxes, digits)]


@lru_cache(maxsize=None)
def _line_permutations(groups: int, width: int) -> np.ndarray:
    """(groups! * width!^groups, groups * width) int64: every order of lines that keeps groups whole."""
    inner = list(permutations(range(width)))
    orders = [[g * width + k for g, q in zip(group_order, inners) for k in q]
              for group_order in permutations(range(groups)) for inners in product(inner, repeat=groups)]
    return np.array(orders, dtype=np.int64)


def _row_signatures(grid: np.ndarray, shape: GridShape) -> list[tuple]:
    """Per row, what column permutations and relabelling keep: sorted stack counts, sorted column counts."""
    clues = grid != 0
    per_stack = clues.reshape(shape.size, shape.stacks, shape.box_cols).sum(2)
    col_counts = clues.sum(0)
    return [(tuple(sorted(per_stack[r])), tuple(sorted(col_counts[clues[r]]))) for r in range(shape.size)]


def _column_bits(clues: np.ndarray) -> np.ndarray:
    """(..., n) int64: column c's clue pattern as bits over the rows of (..., n, n) booleans."""
    weights = 1 << np.arange(clues.shape[-2], dtype=np.int64)
    return (clues * weights[:, None]).sum(-2)


def _extend_digit_map(digit_map: np.ndarray, source: np.ndarray, target: np.ndarray) -> np.ndarray | None:
    """The digit map extended so that ``source`` digits map to ``target`` digits, or None if that conflicts."""
    extended = digit_map.copy()
    for a, b in zip(source.tolist(), target.tolist()):
        if extended[a] == -1:
            if b in extended:
                return None
            extended[a] = b
        elif extended[a] != b:
            return None
    return extended


def _match_stacks(a: np.ndarray, b: np.ndarray, shape: GridShape, stack: int, used: tuple,
                  digit_map: np.ndarray) -> bool:
    """Whether stacks ``stack``.. of ``b`` can be filled from unused stacks of ``a`` under one digit map."""
    if stack == shape.stacks:
        return True
    width = shape.box_cols
    target = b[:, stack * width:(stack + 1) * width]
    for source_stack in (s for s in range(shape.stacks) if s not in used):
        for order in permutations(range(width)):
            source = a[:, [source_stack * width + k for k in order]]
            if not np.array_equal(source != 0, target != 0):
                continue
            clue = source != 0
            extended = _extend_digit_map(digit_map, source[clue], target[clue])
            if extended is not None and _match_stacks(a, b, shape, stack + 1, used + (source_stack,), extended):
                return True
    return False


def _is_equivalent_oriented(a: np.ndarray, b: np.ndarray, shape: GridShape) -> bool:
    """Whether row/column permutations and a relabelling (no transpose) map square grid ``a`` onto ``b``."""
    row_orders = _line_permutations(shape.bands, shape.box_rows)  # (R, n)
    signatures = {sig: i for i, sig in enumerate(set(_row_signatures(a, shape) + _row_signatures(b, shape)))}
    sig_a = np.array([signatures[s] for s in _row_signatures(a, shape)])
    sig_b = np.array([signatures[s] for s in _row_signatures(b, shape)])
    row_orders = row_orders[(sig_a[row_orders] == sig_b[None, :]).all(1)]  # (R', n)
    if len(row_orders) == 0:
        return False
    bits_a = np.sort(_column_bits(a[row_orders] != 0), axis=1)  # (R', n)
    bits_b = np.sort(_column_bits(b != 0))
    row_orders = row_orders[(bits_a == bits_b[None, :]).all(1)]
    empty_map = np.full(shape.size + 1, -1, dtype=np.int64)
    return any(_match_stacks(a[order], b, shape, 0, (), empty_map) for order in row_orders)


def is_equivalent(a: np.ndarray, b: np.ndarray, shape: GridShape) -> bool:
    """Whether a Sudoku symmetry (relabelling, transpose, band/row/stack/column permutations) maps ``a`` to ``b``.

    ``a`` and ``b`` are (cells,) int8 grids, 0 = blank. Exact: searches the row orders that keep per-row
    invariants, then stacks and columns with the digit map built as it goes. Fast on puzzles (about 0.1 ms a
    9x9 pair); on two complete, inequivalent 9x9 grids few row orders are pruned and it takes seconds.
    """
    n = shape.size
    grid_a, grid_b = a.reshape(n, n), b.reshape(n, n)
    if np.count_nonzero(grid_a) != np.count_nonzero(grid_b):
        return False
    orientations = [grid_a, grid_a.T] if _is_square(shape) else [grid_a]
    return any(_is_equivalent_oriented(np.ascontiguousarray(g), grid_b, shape) for g in orientations)


@lru_cache(maxsize=None)
def _cell_arrangements(shape: GridShape) -> np.ndarray:
    """(M, cells) int64: every cell permutation of the group (transposes included for square boxes)."""
    rows = _line_permutations(shape.bands, shape.box_rows)
    cols = _line_permutations(shape.stacks, shape.box_cols)
    n = shape.size
    grid = (rows[:, None, :, None] * n + cols[None, :, None, :]).reshape(-1, n, n)  # (M, n, n)
    if _is_square(shape):
        grid = np.concatenate([grid, grid.transpose(0, 2, 1)])
    return grid.reshape(len(grid), n * n)


def _relabel_by_first_appearance(grids: np.ndarray, size: int) -> np.ndarray:
    """(..., cells) int8 grids with digits renamed 1, 2, ... in order of first appearance; blanks stay 0."""
    cells = grids.shape[-1]
    is_digit = [grids == d for d in range(1, size + 1)]  # size x (..., cells) bool
    first = np.stack([m.argmax(-1) + cells * ~m.any(-1) for m in is_digit], -1)  # (..., size)
    ranks = (np.argsort(np.argsort(first, axis=-1, kind="stable"), axis=-1, kind="stable") + 1).astype(np.int8)
    relabelled = np.zeros_like(grids, dtype=np.int8)
    for d, mask in enumerate(is_digit):
        relabelled += mask * ranks[..., d:d + 1]
    return relabelled


def _lexicographic_min(variants: np.ndarray, size: int) -> bytes:
    """The smallest row of (M, cells) small-valued int8 ``variants``, as bytes."""
    digits_per_word = 60 // max(size, 1).bit_length()  # base size+1 < 2**bits; keep each word under 2**60
    weights = (size + 1) ** np.arange(digits_per_word - 1, -1, -1, dtype=np.int64)
    candidates = np.arange(len(variants))
    for start in range(0, variants.shape[1], digits_per_word):
        chunk = variants[candidates, start:start + digits_per_word].astype(np.int64)
        words = chunk @ weights[-chunk.shape[1]:]
        candidates = candidates[words == words.min()]
    return variants[candidates[0]].tobytes()


def canonical_forms(puzzles: np.ndarray, shape: GridShape, chunk: int = 16) -> list[bytes]:
    """Exact canonical form per puzzle: the lexicographic minimum over the whole group; for 4x4 and 6x6 only.

    ``puzzles`` is (N, cells) int8. Two puzzles are equivalent exactly when their forms are equal.
    """
    assert group_arrangements(shape) <= MAX_ENUMERATED_ARRANGEMENTS, f"group of {shape} too large to enumerate"
    arrangements = _cell_arrangements(shape)  # (M, cells)
    forms = []
    for start in range(0, len(puzzles), chunk):
        moved = puzzles[start:start + chunk][:, arrangements]  # (K, M, cells)
        forms.extend(_lexicographic_min(v, shape.size) for v in _relabel_by_first_appearance(moved, shape.size))
    return forms


def group_arrangements(shape: GridShape) -> int:
    """How many cell permutations the group has (digit relabellings not counted): 128 for 4x4, 3,456 for 6x6."""
    transposes = 2 if _is_square(shape) else 1
    return transposes * (factorial(shape.bands) * factorial(shape.box_rows) ** shape.bands
                         * factorial(shape.stacks) * factorial(shape.box_cols) ** shape.stacks)


def possible_equivalents(candidates: np.ndarray, reference: np.ndarray, shape: GridShape) -> list[list[int]]:
    """Per candidate, the reference indices with the same :func:`invariant_keys` key (its possible equivalents)."""
    by_key: dict[bytes, list[int]] = {}
    for i, key in enumerate(invariant_keys(reference, shape)):
        by_key.setdefault(key, []).append(i)
    return [by_key.get(key, []) for key in invariant_keys(candidates, shape)]


def equivalent_mask(candidates: np.ndarray, reference: np.ndarray, shape: GridShape,
                    is_progress_shown: bool = False) -> np.ndarray:
    """(N,) bool: True where candidate i is equivalent to some reference puzzle (exact; equal puzzles too).

    Flags pairs by :func:`invariant_keys` and confirms each with :func:`is_equivalent`; the keys let through few
    pairs (3,321 of 40.8 million for the forum-hardest list against 1,000 training puzzles), so this is fast.
    ``is_progress_shown`` draws a tqdm bar on stderr.
    """
    flagged = [(i, refs) for i, refs in enumerate(possible_equivalents(candidates, reference, shape)) if refs]
    mask = np.zeros(len(candidates), dtype=bool)
    for i, refs in progress_bar(flagged, desc="exact equivalence", unit="puzzle", disable=not is_progress_shown):
        mask[i] = any(is_equivalent(candidates[i], reference[j], shape) for j in refs)
    return mask


def equivalence_classes(puzzles: np.ndarray, shape: GridShape) -> np.ndarray:
    """(N,) int64: the index of the first puzzle equivalent to each puzzle (its class representative).

    Puzzles i and j are equivalent exactly when their entries are equal. Compares each puzzle only with the
    representatives that share its invariant key; equivalence is transitive, so that suffices.
    """
    representatives: dict[bytes, list[int]] = {}
    classes = np.arange(len(puzzles))
    for i, key in enumerate(invariant_keys(puzzles, shape)):
        known = representatives.setdefault(key, [])
        match = next((j for j in known if is_equivalent(puzzles[i], puzzles[j], shape)), None)
        if match is None:
            known.append(i)
        else:
            classes[i] = match
    return classes
