"""The on-disk form of a data split: ``DIR/<split>.npz`` with int8 ``puzzles`` and ``solutions`` (N, cells).

The trainer reads these; ``python -m trm.data build`` writes them (with ``meta.json`` beside them).
"""

import zipfile
from pathlib import Path

import numpy as np

from trm.errors import DataError
from trm.sudoku.csv_io import PuzzleTable
from trm.sudoku.shape import shape_for_cells


def save_split(directory: str | Path, split: str, table: PuzzleTable) -> Path:
    """Write ``table`` as ``directory/<split>.npz``; returns the path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{split}.npz"
    temporary = directory / f"{split}.tmp.npz"
    np.savez_compressed(temporary, puzzles=table.puzzles.astype(np.int8),
                        solutions=table.solutions.astype(np.int8), sources=np.array(table.sources, dtype=str))
    temporary.replace(path)
    return path


def load_split(directory: str | Path, split: str) -> PuzzleTable:
    """Read ``directory/<split>.npz``; raises DataError for a missing, corrupt or inconsistent file."""
    path = Path(directory) / f"{split}.npz"
    if not path.is_file():
        raise DataError(f"Data split not found: {path}. Build it with `python -m trm.data build --size N "
                        f"--out {directory}`.")
    try:
        with np.load(path, allow_pickle=False) as archive:
            puzzles, solutions = archive["puzzles"], archive["solutions"]
            sources = archive["sources"].tolist() if "sources" in archive else []
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        raise DataError(f"{path} is corrupt or not a TRM Studio split ({error}); rebuild it.") from error
    if puzzles.ndim != 2 or puzzles.shape != solutions.shape or len(puzzles) == 0:
        raise DataError(f"{path}: puzzles {puzzles.shape} and solutions {solutions.shape} should be equal (N, cells).")
    shape = shape_for_cells(puzzles.shape[1])
    if puzzles.min() < 0 or puzzles.max() > shape.size or solutions.min() < 1 or solutions.max() > shape.size:
        raise DataError(f"{path}: values outside 0..{shape.size}; the file does not hold {shape.size}x{shape.size} grids.")
    return PuzzleTable(shape, puzzles.astype(np.int8), solutions.astype(np.int8), sources)
