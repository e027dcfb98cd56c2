"""Turn puzzle text into a grid and back.

Accepted text: one line of 16, 36 or 81 cells (``0`` or ``.`` for blanks), or the same split over lines with
spaces, ``|`` and ``-``/``+`` box drawing, e.g. a 9-line block as printed by ``format_grid``. Everything else is
an error that names the character and its 1-based position.
"""

import numpy as np

from trm.errors import PuzzleError
from trm.sudoku.shape import SHAPES, GridShape, shape_for_size
from trm.sudoku.validate import describe_conflicts, find_conflicts

BLANK_CHARS = "0."
IGNORED_CHARS = "|-+"


def _where(text: str, index: int) -> str:
    """1-based position of ``text[index]``, with line and column when the text has several lines."""
    if "\n" not in text.strip():
        return f"position {index + 1}"
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"position {index + 1} (line {line}, column {column})"


def _cell_values(text: str) -> list[int]:
    values = []
    for index, char in enumerate(text):
        if char in BLANK_CHARS:
            values.append(0)
        elif char.isdigit() and char.isascii():
            values.append(int(char))
        elif not (char.isspace() or char in IGNORED_CHARS):
            raise PuzzleError(f"Bad character {char!r} at {_where(text, index)}: use digits, with 0 or '.' for "
                              f"blanks (spaces, '|', '-' and '+' are ignored).")
    return values


def _shape_for_count(count: int, size: int | None) -> GridShape:
    if size is not None:
        shape = shape_for_size(size)
        if count != shape.cells:
            raise PuzzleError(f"Found {count} cells, expected {shape.cells} for a {size}x{size} puzzle; "
                              f"check for missing or extra digits.")
        return shape
    for shape in SHAPES.values():
        if shape.cells == count:
            return shape
    options = [f"{s.cells} ({n}x{n})" for n, s in sorted(SHAPES.items(), reverse=True)]
    expected = ", ".join(options[:-1]) + " or " + options[-1]
    raise PuzzleError(f"Found {count} cells, expected {expected}; check for missing or extra digits.")


def parse_puzzle(text: str, size: int | None = None, check_conflicts: bool = True) -> np.ndarray:
    """Parse puzzle text into a flat row-major int8 grid of ``size * size`` values, 0 = blank.

    ``size`` (4, 6 or 9) is inferred from the number of cells when None. Raises PuzzleError for a bad
    character (with its 1-based position), a wrong number of cells, a digit above ``size`` and, when
    ``check_conflicts``, for a digit repeated in a row, column or box (1-based, e.g. "duplicate 5 in row 3").
    """
    values = _cell_values(text)
    shape = _shape_for_count(len(values), size)
    grid = np.array(values, dtype=np.int8)
    too_big = np.flatnonzero(grid > shape.size)
    if too_big.size:
        cell = int(too_big[0])
        raise PuzzleError(f"Digit {values[cell]} at cell {cell + 1} (row {cell // shape.size + 1}, column "
                          f"{cell % shape.size + 1}) is too large for a {shape.size}x{shape.size} puzzle; "
                          f"use 1..{shape.size}.")
    if check_conflicts:
        conflicts = find_conflicts(grid, shape)
        if conflicts:
            raise PuzzleError(f"The givens conflict: {describe_conflicts(conflicts)}. Fix or remove one digit "
                              f"of each pair.")
    return grid


def grid_to_string(grid: np.ndarray) -> str:
    """Return the grid as one line of digits, row-major, 0 for blanks (81 characters for 9x9)."""
    return "".join(str(int(v)) for v in grid)


def format_grid(grid: np.ndarray, shape: GridShape, blank: str = ".") -> str:
    """Return a human-readable grid: one line per row, ``|`` between boxes, ``-+`` lines between bands.

    The result parses back with ``parse_puzzle``.
    """
    n = shape.size
    chunks = [range(start, start + shape.box_cols) for start in range(0, n, shape.box_cols)]
    rule = "+".join("-" * (2 * shape.box_cols + 1) for _ in chunks)[1:-1]
    lines = []
    for row in range(n):
        if row and row % shape.box_rows == 0:
            lines.append(rule)
        cells = [[str(int(grid[row * n + c])) if grid[row * n + c] else blank for c in chunk] for chunk in chunks]
        lines.append(" | ".join(" ".join(chunk) for chunk in cells))
    return "\n".join(lines)
