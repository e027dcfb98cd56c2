"""A board of pencil marks for the human-style solver: placed digits plus candidates of the open cells.

Placing a digit removes it from the candidates of the cell's peers, as a person crossing off pencil marks would;
that bookkeeping is not a technique and is not recorded as a step.
"""

from dataclasses import dataclass, field

import numpy as np

from trm.sudoku.units import UnitTables, unit_tables
from trm.sudoku.shape import GridShape


@dataclass
class Step:
    """One deduction: a placement (``cell`` and ``digit`` set) or a set of eliminations.

    ``cell`` is 0-based (row, col); ``eliminations`` are 0-based (row, col, digit) candidates removed;
    ``detail`` is a 1-based human sentence; ``number`` counts steps from 1.
    """

    technique: str
    cell: tuple[int, int] | None = None
    digit: int | None = None
    eliminations: list[tuple[int, int, int]] = field(default_factory=list)
    detail: str = ""
    number: int = 0

    @property
    def is_placement(self) -> bool:
        """True when this step writes a digit into a cell."""
        return self.cell is not None


class Board:
    """Placed digits (``values``, 0 = open) and candidate masks (``cand``) of one grid."""

    def __init__(self, grid: np.ndarray, shape: GridShape):
        self.shape = shape
        self.tables: UnitTables = unit_tables(shape)
        self.values = [0] * shape.cells
        self.cand = [self.tables.full_mask] * shape.cells
        self.is_contradiction = False
        for cell, value in enumerate(grid.tolist()):
            if value:
                self.place(cell, value)

    def place(self, cell: int, digit: int) -> None:
        """Write ``digit`` into ``cell`` and cross it off the peers' candidates."""
        bit = 1 << (digit - 1)
        self.values[cell] = digit
        self.cand[cell] = bit
        for peer in self.tables.peers[cell]:
            if self.cand[peer] & bit:
                self.cand[peer] &= ~bit
                if not self.cand[peer] and not self.values[peer]:
                    self.is_contradiction = True

    def eliminate(self, eliminations: list[tuple[int, int, int]]) -> None:
        """Remove each (row, col, digit) candidate."""
        n = self.shape.size
        for row, col, digit in eliminations:
            cell = row * n + col
            self.cand[cell] &= ~(1 << (digit - 1))
            if not self.cand[cell]:
                self.is_contradiction = True

    def open_cells(self, unit: tuple[int, ...]) -> list[int]:
        """The cells of ``unit`` without a digit."""
        return [cell for cell in unit if not self.values[cell]]

    def coords(self, cell: int) -> tuple[int, int]:
        """0-based (row, col) of ``cell``."""
        return divmod(cell, self.shape.size)

    def name(self, cell: int) -> str:
        """1-based name such as ``r3c7``."""
        row, col = self.coords(cell)
        return f"r{row + 1}c{col + 1}"

    def unit_label(self, unit: int) -> str:
        """1-based name such as ``row 3``."""
        kind, index = self.tables.unit_name(unit)
        return f"{kind} {index + 1}"

    def is_solved(self) -> bool:
        """True when every cell holds a digit."""
        return all(self.values)

    def grid(self) -> np.ndarray:
        """The placed digits as a flat int8 grid, 0 = open."""
        return np.array(self.values, dtype=np.int8)
