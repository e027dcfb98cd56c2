"""Read and write puzzle collections in the CSV formats of public data.

Accepted headers: ``puzzle,solution[,source]`` (the shared collections) and ``quizzes,solutions`` (the Kaggle
set). The solution column may be missing or empty; blanks in puzzles are ``0`` or ``.``.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trm.errors import DataError
from trm.sudoku.shape import GridShape, shape_for_cells

PUZZLE_COLUMNS = ("puzzle", "quizzes", "question")
SOLUTION_COLUMNS = ("solution", "solutions", "answer")


@dataclass
class PuzzleTable:
    """Puzzles of one size: ``puzzles`` and ``solutions`` are int8 arrays (N, cells), 0 = blank.

    ``solutions`` is None when the file had no solution column; ``sources`` names each row's collection.
    """

    shape: GridShape
    puzzles: np.ndarray
    solutions: np.ndarray | None
    sources: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.puzzles)


def _digits_to_array(text: str, path: Path, line: int, column: str) -> np.ndarray:
    cleaned = text.strip().replace(".", "0")
    if not cleaned.isdigit():
        bad = next(i for i, ch in enumerate(cleaned) if not ch.isdigit())
        raise DataError(f"{path}: line {line}, column '{column}': bad character {cleaned[bad]!r} at position "
                        f"{bad + 1}; use digits with 0 or '.' for blanks.")
    return np.frombuffer(cleaned.encode("ascii"), dtype=np.uint8).astype(np.int8) - ord("0")


def _pick_column(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def read_puzzle_csv(path: str | Path, limit: int | None = None) -> PuzzleTable:
    """Read a puzzle CSV; returns a PuzzleTable. Raises DataError naming the file, line and problem."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"Puzzle file not found: {path}.")
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise DataError(f"{path} is empty; expected a header such as 'puzzle,solution,source'.")
        puzzle_col = _pick_column(header, PUZZLE_COLUMNS)
        if puzzle_col is None:
            raise DataError(f"{path}: no puzzle column in header {header}; expected one of {PUZZLE_COLUMNS}.")
        solution_col = _pick_column(header, SOLUTION_COLUMNS)
        source_col = _pick_column(header, ("source",))
        puzzles, solutions, sources = [], [], []
        for line, row in enumerate(reader, start=2):
            if limit is not None and len(puzzles) >= limit:
                break
            if not row:
                continue
            puzzles.append(_digits_to_array(row[puzzle_col], path, line, header[puzzle_col]))
            has_solution = solution_col is not None and solution_col < len(row) and row[solution_col].strip()
            solutions.append(_digits_to_array(row[solution_col], path, line, header[solution_col])
                             if has_solution else None)
            sources.append(row[source_col] if source_col is not None and source_col < len(row) else path.stem)
    if not puzzles:
        raise DataError(f"{path} has a header but no puzzles.")
    return _stack_table(path, puzzles, solutions, sources)


def _stack_table(path: Path, puzzles: list, solutions: list, sources: list[str]) -> PuzzleTable:
    lengths = {len(p) for p in puzzles}
    if len(lengths) != 1:
        raise DataError(f"{path}: puzzles have different lengths {sorted(lengths)}; one file holds one size.")
    shape = shape_for_cells(lengths.pop())
    if any(p.max() > shape.size for p in puzzles):
        raise DataError(f"{path}: a puzzle uses a digit above {shape.size} for a {shape.size}x{shape.size} grid.")
    stacked_solutions = None
    if all(s is not None for s in solutions):
        if any(len(s) != shape.cells for s in solutions):
            raise DataError(f"{path}: a solution's length differs from its puzzle's ({shape.cells}).")
        stacked_solutions = np.stack(solutions)
    return PuzzleTable(shape, np.stack(puzzles), stacked_solutions, sources)


def write_puzzle_csv(path: str | Path, table: PuzzleTable) -> None:
    """Write a PuzzleTable as ``puzzle,solution,source`` (solution empty when unknown)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["puzzle", "solution", "source"])
        for i, puzzle in enumerate(table.puzzles):
            solution = "" if table.solutions is None else "".join(map(str, table.solutions[i]))
            source = table.sources[i] if i < len(table.sources) else ""
            writer.writerow(["".join(map(str, puzzle)), solution, source])
