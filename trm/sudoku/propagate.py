"""Bitmask constraint propagation shared by the exact solver and the generator.

The state is a list of ``cells`` ints, one candidate mask per cell (bit ``d - 1`` set when digit ``d`` may go
there). Plain Python ints and lists beat NumPy here: the work is many tiny, branchy updates.
"""

import numpy as np

from trm.sudoku.units import UnitTables


def initial_candidates(grid: np.ndarray, tables: UnitTables) -> tuple[list[int], list[int]]:
    """Candidate masks of ``grid`` before propagation (givens single-bit, blanks full) and the given cells."""
    full = tables.full_mask
    cand = [full] * len(grid)
    givens = []
    for cell, value in enumerate(grid.tolist()):
        if value:
            cand[cell] = 1 << (value - 1)
            givens.append(cell)
    return cand, givens


def _hidden_singles(cand: list[int], stack: list[int], units: tuple, full: int) -> bool:
    """Fix every digit that fits one open cell of a unit, pushing the cell on ``stack``; False on a contradiction."""
    for unit in units:
        once = twice = placed = 0
        for cell in unit:
            mask = cand[cell]
            if mask & (mask - 1):
                twice |= once & mask
                once |= mask
            else:
                placed |= mask
        if once | placed != full:
            return False  # some digit has no place left in this unit
        only = once & ~(twice | placed)  # placed digits still pending in the stack are not hidden
        if only:
            for cell in unit:
                hit = cand[cell] & only
                if hit:
                    if hit & (hit - 1):
                        return False  # two digits can only go in this one cell
                    cand[cell] = hit
                    stack.append(cell)
    return True


def propagate(cand: list[int], stack: list[int], tables: UnitTables) -> bool:
    """Apply naked and hidden singles to ``cand`` in place until nothing changes; False on a contradiction.

    ``stack`` holds the cells whose single digit has not yet been removed from their peers; it is consumed.
    """
    peers, units, full = tables.peers, tables.units, tables.full_mask
    while True:
        while stack:
            cell = stack.pop()
            bit = cand[cell]
            for peer in peers[cell]:
                mask = cand[peer]
                if mask & bit:
                    mask ^= bit
                    if not mask:
                        return False
                    cand[peer] = mask
                    if not mask & (mask - 1):
                        stack.append(peer)
        if not _hidden_singles(cand, stack, units, full):
            return False
        if not stack:
            return True


def pick_branch_cell(cand: list[int]) -> int:
    """The unsolved cell with the fewest candidates (first such cell), or -1 when every cell is solved."""
    best, best_count = -1, 99
    for cell, mask in enumerate(cand):
        if mask & (mask - 1):
            count = mask.bit_count()
            if count < best_count:
                best, best_count = cell, count
                if count == 2:
                    break
    return best


def masks_to_grid(cand: list[int]) -> np.ndarray:
    """A solved candidate list as a flat int8 grid of digits."""
    return np.array([mask.bit_length() for mask in cand], dtype=np.int8)
