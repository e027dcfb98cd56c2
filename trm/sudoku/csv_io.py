"""Read and write puzzle collections in the CSV formats of public data.

Accepted headers: ``puzzle,solution[,source]`` (the shared collections) and ``quizzes,solutions`` (the Kaggle
set). The solution column may be missing or empty; blanks in puzzles are ``0`` or ``.``.
"""

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trm.errors import DataError, PuzzleError
from trm.sudoku.shape import GridShape, shape_for_cells
from trm.sudoku.units import unit_tables

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


_ASCII_DIGITS = frozenset("0123456789")


def _digits_to_array(text: str, path: Path, line: int, column: str) -> np.ndarray:
    cleaned = text.strip().replace(".", "0")
    bad = next((i for i, ch in enumerate(cleaned) if ch not in _ASCII_DIGITS), None)
    if bad is not None:  # also "５", "٣" and "²", which str.isdigit accepts
        raise DataError(f"{path}: line {line}, column '{column}': bad character {cleaned[bad]!r} at position "
                        f"{bad + 1}; use the digits 0-9 with 0 or '.' for blanks.")
    return np.frombuffer(cleaned.encode("ascii"), dtype=np.uint8).astype(np.int8) - ord("0")


def invalid_solution_rows(puzzles: np.ndarray, solutions: np.ndarray, shape: GridShape) -> np.ndarray:
    """Indices of rows whose solution is not a complete valid grid agreeing with its puzzle's givens (vectorised:
    files hold millions of rows)."""
    tables = unit_tables(shape)
    units = np.array(tables.units)  # (3 * size, size) cells of each unit
    in_units = np.sort(solutions[:, units], axis=-1)  # (N, units, size)
    complete = (in_units == np.arange(1, shape.size + 1, dtype=solutions.dtype)).all(axis=(1, 2))
    agrees = ((puzzles == 0) | (puzzles == solutions)).all(axis=1)
    return np.flatnonzero(~(complete & agrees))


def _pick_column(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def read_puzzle_csv(path: str | Path, limit: int | None = None) -> PuzzleTable:
    """Read a puzzle CSV (UTF-8, a byte-order mark allowed); returns a PuzzleTable whose solutions, where the file
    has them, are checked. Raises DataError naming the file, line and problem."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"Puzzle file not found: {path}.")
    lines: list[int] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:  # utf-8-sig: Excel starts its CSVs with a BOM
        reader = csv.reader(handle)
        try:
            puzzles, solutions, sources = _read_rows(reader, path, limit, lines)
        except UnicodeDecodeError as error:
            raise DataError(f"{path}: line {_first_undecodable_line(path)} is not UTF-8 text ({error.reason}); "
                            f"save the file as UTF-8.") from error
        except csv.Error as error:
            raise DataError(f"{path}: line {reader.line_num}: {error}.") from error
    if not puzzles:
        raise DataError(f"{path} has a header but no puzzles.")
    return _stack_table(path, puzzles, solutions, sources, lines)


def _first_undecodable_line(path: Path) -> int:
    """The decoder reads ahead in blocks, so the reader's line count does not place a bad byte: find it here."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def _is_puzzle_text(text: str) -> bool:
    """Whether ``text`` reads as a whole grid: 16, 36 or 81 digits, with '.' for blanks."""
    return len(text.strip()) in (16, 36, 81) and all(char.isdigit() or char == "." for char in text.strip())


def _read_rows(reader, path: Path, limit: int | None, lines: list[int]) -> tuple[list, list, list]:
    header = next(reader, None)
    if header is None:
        raise DataError(f"{path} is empty; expected a header such as 'puzzle,solution,source'.")
    puzzle_col = _pick_column(header, PUZZLE_COLUMNS)
    if puzzle_col is None:
        if header and _is_puzzle_text(header[0]):  # one puzzle per line, as `trm.sudoku generate` prints them
            raise DataError(f"{path}: its first line is a puzzle, not a header: add a first line 'puzzle' (or "
                            f"'puzzle,solution' when the file has solutions).")
        raise DataError(f"{path}: no puzzle column in header {header}; expected one of {PUZZLE_COLUMNS}.")
    solution_col = _pick_column(header, SOLUTION_COLUMNS)
    source_col = _pick_column(header, ("source",))
    puzzles, solutions, sources = [], [], []
    for row in reader:
        if limit is not None and len(puzzles) >= limit:
            break
        if not row:
            continue
        line = reader.line_num
        if puzzle_col >= len(row):
            raise DataError(f"{path}: line {line} has {len(row)} field(s); the puzzle is field {puzzle_col + 1} "
                            f"('{header[puzzle_col]}').")
        puzzles.append(_digits_to_array(row[puzzle_col], path, line, header[puzzle_col]))
        has_solution = solution_col is not None and solution_col < len(row) and row[solution_col].strip()
        solutions.append(_digits_to_array(row[solution_col], path, line, header[solution_col])
                         if has_solution else None)
        sources.append(row[source_col] if source_col is not None and source_col < len(row) else path.stem)
        lines.append(line)
    return puzzles, solutions, sources


def _stack_table(path: Path, puzzles: list, solutions: list, sources: list[str], lines: list[int]) -> PuzzleTable:
    first_length = len(puzzles[0])
    odd = next((i for i, p in enumerate(puzzles) if len(p) != first_length), None)
    if odd is not None:
        raise DataError(f"{path}: line {lines[odd]}: the puzzle has {len(puzzles[odd])} cells, line {lines[0]}'s "
                        f"has {first_length}; one file holds one size.")
    try:
        shape = shape_for_cells(first_length)
    except PuzzleError as error:
        raise DataError(f"{path}: line {lines[0]}: {error}") from error
    high = next((i for i, p in enumerate(puzzles) if p.max() > shape.size), None)
    if high is not None:
        raise DataError(f"{path}: line {lines[high]}: the puzzle uses a digit above {shape.size} for a "
                        f"{shape.size}x{shape.size} grid.")
    stacked_puzzles, stacked_solutions = np.stack(puzzles), None
    if all(s is not None for s in solutions):
        short = next((i for i, s in enumerate(solutions) if len(s) != shape.cells), None)
        if short is not None:
            raise DataError(f"{path}: line {lines[short]}: the solution has {len(solutions[short])} cells, the "
                            f"puzzle {shape.cells}.")
        stacked_solutions = np.stack(solutions)
        wrong = invalid_solution_rows(stacked_puzzles, stacked_solutions, shape)
        if len(wrong):
            raise DataError(f"{path}: line {lines[wrong[0]]}: the solution is not a complete valid grid that agrees "
                            f"with the puzzle's givens ({len(wrong)} such row(s) in the file).")
    return PuzzleTable(shape, stacked_puzzles, stacked_solutions, sources)


def write_puzzle_csv(path: str | Path, table: PuzzleTable) -> None:
    """Write a PuzzleTable as ``puzzle,solution,source`` (solution empty when unknown). Written to a temporary file
    beside ``path`` and renamed: a writer stopped midway leaves the previous file (or none), never a shorter one
    that still looks complete."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["puzzle", "solution", "source"])
            for i, puzzle in enumerate(table.puzzles):
                solution = "" if table.solutions is None else "".join(map(str, table.solutions[i]))
                source = table.sources[i] if i < len(table.sources) else ""
                writer.writerow(["".join(map(str, puzzle)), solution, source])
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)  # only still there when writing it failed or was stopped
