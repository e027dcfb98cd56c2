"""Human solving techniques. Each finds the first deduction that makes progress on a Board, or returns None.

Placements: naked single (a cell has one candidate), hidden single (a digit fits one cell of a unit).
Eliminations: pointing (a digit's cells in a box share a row or column: cross it off the rest of that line),
claiming (a digit's cells in a row or column share a box: cross it off the rest of the box), naked pair (two cells
of a unit hold the same two candidates: cross them off the unit's other cells), hidden pair (two digits fit only
the same two cells of a unit: cross every other candidate off those cells).
"""

from itertools import combinations

from trm.sudoku.board import Board, Step
from trm.sudoku.units import digit_of, digits_of


def _eliminations(board: Board, cells: list[int], mask: int) -> list[tuple[int, int, int]]:
    """(row, col, digit) for every candidate of ``mask`` still open in ``cells``."""
    return [(*board.coords(cell), digit) for cell in cells for digit in digits_of(board.cand[cell] & mask)]


def naked_single(board: Board) -> Step | None:
    """Place the digit of the first open cell with exactly one candidate."""
    for cell, mask in enumerate(board.cand):
        if not board.values[cell] and mask and not mask & (mask - 1):
            digit = digit_of(mask)
            return Step("naked single", board.coords(cell), digit,
                        detail=f"{board.name(cell)} can only be {digit}")
    return None


def hidden_single(board: Board) -> Step | None:
    """Place a digit that fits exactly one open cell of some unit."""
    for number, unit in enumerate(board.tables.units):
        cells = board.open_cells(unit)
        once = twice = 0
        for cell in cells:
            twice |= once & board.cand[cell]
            once |= board.cand[cell]
        only = once & ~twice
        if only:
            bit = only & -only
            cell = next(c for c in cells if board.cand[c] & bit)
            digit = digit_of(bit)
            return Step("hidden single", board.coords(cell), digit,
                        detail=f"{digit} fits only {board.name(cell)} in {board.unit_label(number)}")
    return None


def _locked(board: Board, source_units: range, target_kinds: tuple[int, ...], technique: str) -> Step | None:
    """A digit whose open cells in a source unit all lie in one target unit: cross it off the target's rest."""
    tables = board.tables
    for number in source_units:
        cells = board.open_cells(tables.units[number])
        for digit in range(1, board.shape.size + 1):
            bit = 1 << (digit - 1)
            holders = [c for c in cells if board.cand[c] & bit]
            if not holders:
                continue
            for kind in target_kinds:
                targets = {tables.cell_units[c][kind] for c in holders}
                if len(targets) != 1:
                    continue
                target = targets.pop()
                others = [c for c in board.open_cells(tables.units[target]) if c not in holders]
                removed = _eliminations(board, others, bit)
                if removed:
                    return Step(technique, eliminations=removed,
                                detail=f"{digit} in {board.unit_label(number)} lies in "
                                       f"{board.unit_label(target)}: removed from its other cells")
    return None


def pointing(board: Board) -> Step | None:
    """Locked candidates, pointing: a box's cells for a digit share a row or column."""
    n = board.shape.size
    return _locked(board, range(2 * n, 3 * n), (0, 1), "pointing")


def claiming(board: Board) -> Step | None:
    """Locked candidates, claiming: a row's or column's cells for a digit share a box."""
    n = board.shape.size
    return _locked(board, range(0, 2 * n), (2,), "claiming")


def naked_pair(board: Board) -> Step | None:
    """Two open cells of a unit with the same two candidates: remove those digits from the unit's other cells."""
    for number, unit in enumerate(board.tables.units):
        cells = board.open_cells(unit)
        pairs = [c for c in cells if board.cand[c].bit_count() == 2]
        for first, second in combinations(pairs, 2):
            mask = board.cand[first]
            if board.cand[second] != mask:
                continue
            removed = _eliminations(board, [c for c in cells if c not in (first, second)], mask)
            if removed:
                digits = "".join(map(str, digits_of(mask)))
                return Step("naked pair", eliminations=removed,
                            detail=f"{board.name(first)} and {board.name(second)} hold {digits} in "
                                   f"{board.unit_label(number)}")
    return None


def hidden_pair(board: Board) -> Step | None:
    """Two digits that fit only the same two cells of a unit: remove every other candidate from those cells."""
    for number, unit in enumerate(board.tables.units):
        cells = board.open_cells(unit)
        places = {}
        for digit in range(1, board.shape.size + 1):
            holders = tuple(c for c in cells if board.cand[c] >> (digit - 1) & 1)
            if len(holders) == 2:
                places[digit] = holders
        for first, second in combinations(sorted(places), 2):
            if places[first] != places[second]:
                continue
            keep = (1 << (first - 1)) | (1 << (second - 1))
            removed = _eliminations(board, list(places[first]), ~keep)
            if removed:
                names = " and ".join(board.name(c) for c in places[first])
                return Step("hidden pair", eliminations=removed,
                            detail=f"{first} and {second} fit only {names} in {board.unit_label(number)}")
    return None


# Easiest first; the solver always applies the easiest technique that makes progress.
TECHNIQUES = {
    "naked single": naked_single,
    "hidden single": hidden_single,
    "pointing": pointing,
    "claiming": claiming,
    "naked pair": naked_pair,
    "hidden pair": hidden_pair,
}
SINGLES = ("naked single", "hidden single")
