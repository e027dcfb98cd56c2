"""Cell and unit tables of one grid shape, built once per shape and shared by every solver.

A unit is a row, a column or a box. Cells are numbered 0..cells-1 row-major; units are numbered rows first
(0..size-1), then columns, then boxes, so unit ``u`` is of kind ``UNIT_KINDS[u // size]`` and index ``u % size``.
Digit ``d`` is bit ``1 << (d - 1)`` in a candidate mask.
"""

from dataclasses import dataclass
from functools import lru_cache

from trm.sudoku.shape import GridShape

UNIT_KINDS = ("row", "column", "box")


@dataclass(frozen=True)
class UnitTables:
    """Index tables of one shape: ``units[u]`` cells of unit u, ``peers[i]`` cells sharing a unit with cell i."""

    shape: GridShape
    units: tuple[tuple[int, ...], ...]
    peers: tuple[tuple[int, ...], ...]
    cell_units: tuple[tuple[int, int, int], ...]  # (row unit, column unit, box unit) of each cell
    full_mask: int  # every digit's bit set

    def unit_name(self, unit: int) -> tuple[str, int]:
        """Kind ('row', 'column', 'box') and 0-based index of unit number ``unit``."""
        return UNIT_KINDS[unit // self.shape.size], unit % self.shape.size


@lru_cache(maxsize=None)
def unit_tables(shape: GridShape) -> UnitTables:
    """Return the (cached) UnitTables of ``shape``."""
    n = shape.size
    rows = [tuple(r * n + c for c in range(n)) for r in range(n)]
    cols = [tuple(r * n + c for r in range(n)) for c in range(n)]
    boxes: list[list[int]] = [[] for _ in range(n)]
    for cell in range(shape.cells):
        boxes[shape.box_of(cell // n, cell % n)].append(cell)
    units = tuple(rows + cols + [tuple(b) for b in boxes])
    cell_units = tuple((i // n, n + i % n, 2 * n + shape.box_of(i // n, i % n)) for i in range(shape.cells))
    peers = tuple(
        tuple(sorted({p for u in cell_units[i] for p in units[u]} - {i})) for i in range(shape.cells)
    )
    return UnitTables(shape, units, peers, cell_units, (1 << n) - 1)


def digit_of(mask: int) -> int:
    """The digit (1-based) of a single-bit candidate mask."""
    return mask.bit_length()


def digits_of(mask: int) -> list[int]:
    """The digits (ascending) whose bits are set in ``mask``."""
    return [d + 1 for d in range(mask.bit_length()) if mask >> d & 1]
