"""Check grids: conflicting digits within a row, column or box, and complete valid solutions.

Coordinates are 0-based inside trm; ``Conflict.describe`` and error messages use 1-based rows, columns and boxes
(boxes numbered row-major from the top left), as a person reads them.
"""

from dataclasses import dataclass

import numpy as np

from trm.errors import PuzzleError
from trm.sudoku.shape import GridShape
from trm.sudoku.units import unit_tables

MAX_CONFLICTS_IN_MESSAGE = 3


@dataclass(frozen=True)
class Conflict:
    """A digit that appears more than once in one unit.

    ``unit`` is 'row', 'column' or 'box'; ``index`` is the unit's 0-based index; ``cells`` are the 0-based
    (row, col) cells holding ``digit`` in that unit.
    """

    unit: str
    index: int
    digit: int
    cells: list[tuple[int, int]]

    def describe(self) -> str:
        """Return 1-based text such as ``duplicate 5 in row 3 (r3c1, r3c7)``."""
        where = ", ".join(f"r{r + 1}c{c + 1}" for r, c in self.cells)
        return f"duplicate {self.digit} in {self.unit} {self.index + 1} ({where})"


def find_conflicts(grid: np.ndarray, shape: GridShape) -> list[Conflict]:
    """Return every repeated digit per unit (rows, then columns, then boxes); empty when the grid is consistent.

    ``grid`` is a flat int array of ``shape.cells`` values, 0 = blank. Blanks never conflict.
    """
    tables = unit_tables(shape)
    values = [int(v) for v in grid]
    conflicts = []
    for number, unit in enumerate(tables.units):
        seen: dict[int, list[int]] = {}
        for cell in unit:
            if values[cell]:
                seen.setdefault(values[cell], []).append(cell)
        kind, index = tables.unit_name(number)
        for digit in sorted(seen):
            cells = seen[digit]
            if len(cells) > 1:
                coords = [divmod(c, shape.size) for c in cells]
                conflicts.append(Conflict(kind, index, digit, coords))
    return conflicts


def describe_conflicts(conflicts: list[Conflict]) -> str:
    """Join the first few conflicts' descriptions into one sentence fragment."""
    text = "; ".join(c.describe() for c in conflicts[:MAX_CONFLICTS_IN_MESSAGE])
    extra = len(conflicts) - MAX_CONFLICTS_IN_MESSAGE
    return text + (f"; and {extra} more" if extra > 0 else "")


def check_grid(grid: np.ndarray, shape: GridShape) -> None:
    """Raise PuzzleError unless ``grid`` has ``shape.cells`` values in 0..size and no conflicting digits."""
    if grid.ndim != 1 or grid.shape[0] != shape.cells:
        raise PuzzleError(f"A {shape.size}x{shape.size} grid has {shape.cells} cells; got an array of shape "
                          f"{tuple(grid.shape)}. Pass a flat row-major array.")
    bad = np.flatnonzero((grid < 0) | (grid > shape.size))
    if bad.size:
        cell = int(bad[0])
        raise PuzzleError(f"Value {int(grid[cell])} at cell {cell + 1} (r{cell // shape.size + 1}"
                          f"c{cell % shape.size + 1}) is out of range; use 0 for blanks and 1..{shape.size}.")
    conflicts = find_conflicts(grid, shape)
    if conflicts:
        raise PuzzleError(f"Conflicting digits: {describe_conflicts(conflicts)}. Change one digit of each pair.")


def is_solution(grid: np.ndarray, shape: GridShape, puzzle: np.ndarray | None = None) -> bool:
    """True when ``grid`` is complete, has no conflicts and (if given) agrees with every given of ``puzzle``."""
    if grid.shape != (shape.cells,) or grid.min() < 1 or grid.max() > shape.size:
        return False
    if puzzle is not None and np.any((puzzle != 0) & (puzzle != grid)):
        return False
    return not find_conflicts(grid, shape)
