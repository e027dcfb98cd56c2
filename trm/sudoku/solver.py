"""Exact Sudoku solver for every grid size: bitmask candidates, naked and hidden singles, MRV depth-first search.

Search statistics double as a hardness measure:

- ``guesses``: tentative placements the search made (each digit tried at a branch cell counts one).
- ``backtracks``: those placements whose propagation ran into a contradiction (dead ends).

Both cover the whole search up to ``limit`` solutions, so with ``limit=2`` a unique puzzle's whole search tree
is counted; that count does not depend on the order digits are tried in.
"""

import enum
from dataclasses import dataclass, field

import numpy as np

from trm.sudoku.propagate import initial_candidates, masks_to_grid, pick_branch_cell, propagate
from trm.sudoku.shape import GridShape
from trm.sudoku.units import UnitTables, unit_tables
from trm.sudoku.validate import find_conflicts


class SolveStatus(enum.Enum):
    """Outcome of ``solve``."""

    CONTRADICTORY = "contradictory"  # the givens repeat a digit in a row, column or box
    NO_SOLUTION = "no solution"  # the givens are consistent but no completion exists
    MULTIPLE = "multiple solutions"  # at least two completions (``limit`` >= 2)
    UNIQUE = "unique"  # exactly one completion (or one found, when ``limit`` is 1)

    @property
    def phrase(self) -> str:
        """The status as the end of a sentence about a puzzle: "The puzzle has no solution"."""
        return {"contradictory": "has givens that contradict each other", "no solution": "has no solution",
                "multiple solutions": "has more than one solution", "unique": "has exactly one solution"}[self.value]


@dataclass
class SolveResult:
    """Result of ``solve``: status, up to ``limit`` solutions (flat int8 arrays) and search statistics."""

    status: SolveStatus
    solutions: list[np.ndarray] = field(default_factory=list)
    count: int = 0
    guesses: int = 0
    backtracks: int = 0

    @property
    def solution(self) -> np.ndarray | None:
        """The first solution found, or None."""
        return self.solutions[0] if self.solutions else None


class _Search:
    """Depth-first search over propagated candidate lists; collects up to ``limit`` solutions."""

    def __init__(self, tables: UnitTables, limit: int, rng: np.random.Generator | None = None):
        self.tables, self.limit, self.rng = tables, limit, rng
        self.solutions: list[list[int]] = []
        self.guesses = 0
        self.backtracks = 0

    def run(self, cand: list[int]) -> None:
        """Search below ``cand`` (propagated, owned by this call); after each digit fails or is exhausted,
        remove it from the branch cell and propagate again, so the last candidate is a deduction, not a guess."""
        while True:
            cell = pick_branch_cell(cand)
            if cell < 0:
                self.solutions.append(cand)
                return
            mask = cand[cell]
            bit = self._pick_digit(mask)
            child = cand.copy()
            child[cell] = bit
            self.guesses += 1
            if propagate(child, [cell], self.tables):
                self.run(child)
                if len(self.solutions) >= self.limit:
                    return
            else:
                self.backtracks += 1
            rest = mask ^ bit
            cand[cell] = rest
            if not propagate(cand, [] if rest & (rest - 1) else [cell], self.tables):
                self.backtracks += 1
                return

    def _pick_digit(self, mask: int) -> int:
        if self.rng is None:
            return mask & -mask  # lowest digit first
        bits = [1 << d for d in range(mask.bit_length()) if mask >> d & 1]
        return bits[int(self.rng.integers(len(bits)))]


def _status(found: int, limit: int) -> SolveStatus:
    if found == 0:
        return SolveStatus.NO_SOLUTION
    return SolveStatus.MULTIPLE if found >= 2 else SolveStatus.UNIQUE


def solve(grid: np.ndarray, shape: GridShape, limit: int = 2) -> SolveResult:
    """Solve ``grid`` exactly, stopping after ``limit`` solutions; returns a SolveResult.

    ``grid`` is a flat int array of ``shape.cells`` values, 0 = blank (validate text with ``parse_puzzle``).
    With the default ``limit=2`` the status tells UNIQUE from MULTIPLE; ``limit=1`` only finds one solution.
    Conflicting givens give CONTRADICTORY without searching.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    if find_conflicts(grid, shape):
        return SolveResult(SolveStatus.CONTRADICTORY)
    tables = unit_tables(shape)
    cand, givens = initial_candidates(grid, tables)
    search = _Search(tables, limit)
    if propagate(cand, givens, tables):
        search.run(cand)
    solutions = [masks_to_grid(s) for s in search.solutions]
    return SolveResult(_status(len(solutions), limit), solutions, len(solutions), search.guesses,
                       search.backtracks)


def count_solutions(grid: np.ndarray, shape: GridShape, limit: int = 2) -> int:
    """Number of solutions of ``grid``, counted up to ``limit`` (0 for conflicting givens)."""
    return solve(grid, shape, limit).count


def random_solution(grid: np.ndarray, shape: GridShape, rng: np.random.Generator) -> np.ndarray | None:
    """One solution of ``grid`` found with digits tried in random order, or None when there is none.

    On an empty grid this draws a random complete grid. ``grid`` must have no conflicting givens.
    """
    tables = unit_tables(shape)
    cand, givens = initial_candidates(grid, tables)
    if not propagate(cand, givens, tables):
        return None
    search = _Search(tables, 1, rng)
    search.run(cand)
    return masks_to_grid(search.solutions[0]) if search.solutions else None
