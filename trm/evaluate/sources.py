"""Where evaluation puzzles come from: a puzzle CSV, a built data folder (its test split), one split's .npz file,
or ``minimal:4`` (every minimal 4x4 puzzle, enumerated). The command line, model cards and converters read their
sets the same way, so a card's "reproduce with" command accepts what the card was made from."""

from pathlib import Path

from trm.data import load_split
from trm.errors import DataError
from trm.evaluate.solutions import fill_solutions
from trm.sudoku.csv_io import PuzzleTable, read_puzzle_csv
from trm.sudoku.enumeration import enumerate_minimal_puzzles
from trm.sudoku.shape import shape_for_size

MINIMAL_4X4 = "minimal:4"  # every minimal 4x4 puzzle, enumerated (trm.sudoku.enumeration), not a file


def _first(table: PuzzleTable, limit: int | None) -> PuzzleTable:
    n = len(table) if limit is None else min(limit, len(table))
    return PuzzleTable(table.shape, table.puzzles[:n], table.solutions[:n], table.sources[:n])


def read_eval_set(source: str, limit: int | None = None, solve: bool = True,
                  dropped: list[int] | None = None) -> tuple[PuzzleTable, int]:
    """The first ``limit`` puzzles of ``source`` and how many were skipped. With ``solve`` a CSV's missing
    solutions come from the exact solver and puzzles without a unique one are skipped (their numbers in the file,
    from 1, go to ``dropped`` when given); without, a CSV is read as it is (its solutions may be absent)."""
    if source == MINIMAL_4X4:
        shape = shape_for_size(4)
        puzzles, solutions = enumerate_minimal_puzzles(shape)
        return _first(PuzzleTable(shape, puzzles, solutions, ["enumerated minimal 4x4"] * len(puzzles)), limit), 0
    path = Path(source)
    if source.startswith("minimal:") and not path.exists():
        raise DataError(f"{source}: only {MINIMAL_4X4} is enumerated (every minimal 4x4 puzzle; larger grids have "
                        f"far too many); for other sizes give a puzzle CSV or a data folder.")
    if path.is_dir() or path.suffix == ".npz":
        return _first(load_split(path if path.is_dir() else path.parent, "test" if path.is_dir() else path.stem),
                      limit), 0
    table = read_puzzle_csv(path, limit=limit)
    return fill_solutions(table, dropped) if solve else (table, 0)
