"""Grid geometry shared by every Sudoku size: 4x4 (2x2 boxes), 6x6 (2x3 boxes), 9x9 (3x3 boxes).

A grid is a flat row-major ``np.ndarray`` of ``int8`` with ``cells`` entries: 0 is a blank, 1..size a digit
(the model's token encoding of a grid is trm.model.tokens).
"""

from dataclasses import dataclass


from trm.errors import PuzzleError



@dataclass(frozen=True)
class GridShape:
    """The geometry of one Sudoku size: boxes of ``box_rows`` x ``box_cols`` cells."""

    box_rows: int
    box_cols: int

    @property
    def size(self) -> int:
        """Digits per unit and cells per row/column/box."""
        return self.box_rows * self.box_cols

    @property
    def cells(self) -> int:
        return self.size * self.size

    @property
    def vocab_size(self) -> int:
        """Model vocabulary: pad, blank and one token per digit."""
        return self.size + 2

    @property
    def bands(self) -> int:
        """Horizontal bands of boxes (each ``box_rows`` rows tall)."""
        return self.size // self.box_rows

    @property
    def stacks(self) -> int:
        """Vertical stacks of boxes (each ``box_cols`` columns wide)."""
        return self.size // self.box_cols

    def box_of(self, row: int, col: int) -> int:
        """Index 0..size-1 of the box holding (row, col), numbered row-major."""
        return (row // self.box_rows) * self.stacks + col // self.box_cols


SHAPES = {4: GridShape(2, 2), 6: GridShape(2, 3), 9: GridShape(3, 3)}


def shape_for_size(size: int) -> GridShape:
    """Return the GridShape of a grid with ``size`` digits; raises PuzzleError for unsupported sizes."""
    if size not in SHAPES:
        raise PuzzleError(f"Unsupported grid size {size}: use one of {sorted(SHAPES)}.")
    return SHAPES[size]


def shape_for_cells(cells: int) -> GridShape:
    """Return the GridShape whose grid has ``cells`` cells (16, 36 or 81); raises PuzzleError otherwise."""
    for shape in SHAPES.values():
        if shape.cells == cells:
            return shape
    sizes = ", ".join(f"{s.cells} ({n}x{n})" for n, s in SHAPES.items())
    raise PuzzleError(f"A puzzle has {cells} cells; expected one of {sizes}.")



def cell_name(cell: int, size: int) -> str:
    """A cell's name as pages and captions show it: 1-based row and column, ``r3c7`` (``cell`` is row-major)."""
    return f"r{cell // size + 1}c{cell % size + 1}"
