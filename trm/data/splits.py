"""Built data sets on disk: ``train.npz`` and ``test.npz`` (int8 ``puzzles``, ``solutions`` of shape (N, cells),
str ``sources``) plus ``meta.json`` in one directory. Written atomically; read back with checks.
"""

import hashlib
import json
import time
import os
import zipfile
from pathlib import Path

import numpy as np

from trm.errors import DataError, PuzzleError
from trm.sudoku.csv_io import PuzzleTable
from trm.sudoku.shape import GridShape, shape_for_cells

SPLITS = ("train", "test")
META_FILE = "meta.json"
_REBUILD_HINT = "rebuild it with `python -m trm.data build --size N --out DIR`"


def save_split(directory: str | Path, split: str, table: PuzzleTable) -> Path:
    """Write ``table`` as ``<directory>/<split>.npz`` via a temp file and ``os.replace``; returns the path."""
    assert split in SPLITS and table.solutions is not None, (split, table.solutions is None)
    path = Path(directory) / f"{split}.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f"{path.stem}.tmp.npz")
    np.savez_compressed(temp, puzzles=table.puzzles.astype(np.int8), solutions=table.solutions.astype(np.int8),
                        sources=np.array(table.sources, dtype=str))
    os.replace(temp, path)
    return path


def save_meta(directory: str | Path, meta: dict) -> Path:
    """Write ``meta`` as ``<directory>/meta.json`` atomically; returns the path."""
    path = Path(directory) / META_FILE
    temp = path.with_name(f"{META_FILE}.tmp")
    temp.write_text(json.dumps(meta, indent=2) + "\n")
    os.replace(temp, path)
    return path


def describe_file(path: Path) -> dict:
    """A file's name and hex SHA-256, to record what a build read."""
    return {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def make_meta(train: PuzzleTable, test: PuzzleTable, seed: int, train_files: list[Path], test_files: list[Path],
              dedupe: dict, start_seconds: float) -> dict:
    """The meta.json contents shared by every size: geometry, counts, sources, seed, dedupe statistics, time.

    ``dedupe`` maps a source name to its statistics (objects with ``to_dict`` or plain dicts);
    ``start_seconds`` is the build's ``time.perf_counter()`` start.
    """
    shape = train.shape
    return {
        "size": shape.size, "box_rows": shape.box_rows, "box_cols": shape.box_cols, "cells": shape.cells,
        "counts": {"train": len(train), "test": len(test)},
        "sources": {"train": [describe_file(p) for p in train_files],
                    "test": [describe_file(p) for p in test_files]},
        "seed": seed,
        "dedupe": {name: s if isinstance(s, dict) else s.to_dict() for name, s in dedupe.items()},
        "build_seconds": round(time.perf_counter() - start_seconds, 2),
    }


def load_meta(directory: str | Path) -> dict:
    """Read ``<directory>/meta.json``; raises DataError when it is missing or not a JSON object."""
    path = Path(directory) / META_FILE
    if not path.is_file():
        raise DataError(f"No {META_FILE} in {directory}: this is not a built data set; {_REBUILD_HINT}.")
    try:
        meta = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataError(f"{path} is not valid JSON ({error}); {_REBUILD_HINT}.") from error
    if not isinstance(meta, dict):
        raise DataError(f"{path} holds {type(meta).__name__}, expected a JSON object; {_REBUILD_HINT}.")
    return meta


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    if path.is_file() and not zipfile.is_zipfile(path):  # else NumPy reads it as a pickle and offers to unpickle it
        with open(path, "rb") as handle:
            what = "damaged or cut short" if handle.read(4) == b"PK\x03\x04" else "not an .npz archive"
        raise DataError(f"{path} is {what} (an .npz is NumPy's zip of arrays); {_REBUILD_HINT}.")
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = {"puzzles", "solutions"} - set(archive.files)
            if missing:
                raise DataError(f"{path} lacks array(s) {sorted(missing)}; {_REBUILD_HINT}.")
            return {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise DataError(f"{path} is not a readable .npz file ({error}); {_REBUILD_HINT}.") from error


def _check_arrays(path: Path, puzzles: np.ndarray, solutions: np.ndarray, shape: GridShape) -> None:
    if puzzles.ndim != 2 or puzzles.shape != solutions.shape or puzzles.shape[1] != shape.cells:
        raise DataError(f"{path}: puzzles {puzzles.shape} and solutions {solutions.shape} must both be "
                        f"(N, {shape.cells}); {_REBUILD_HINT}.")
    if not (np.issubdtype(puzzles.dtype, np.integer) and np.issubdtype(solutions.dtype, np.integer)):
        raise DataError(f"{path}: arrays must hold integers, not {puzzles.dtype}/{solutions.dtype}.")
    if puzzles.min(initial=0) < 0 or puzzles.max(initial=0) > shape.size:
        raise DataError(f"{path}: a puzzle value lies outside 0..{shape.size}; {_REBUILD_HINT}.")
    if solutions.size and (solutions.min() < 1 or solutions.max() > shape.size):
        raise DataError(f"{path}: a solution value lies outside 1..{shape.size}; {_REBUILD_HINT}.")
    disagree = np.flatnonzero(((puzzles != 0) & (puzzles != solutions)).any(axis=1))
    if len(disagree):
        raise DataError(f"{path}: row {disagree[0]} has a given that differs from its solution "
                        f"({len(disagree)} such rows); {_REBUILD_HINT}.")


def data_grid_size(directory: str | Path) -> int | None:
    """The grid size a built data set holds (its meta.json), or None where there is none to read yet."""
    try:
        size = load_meta(directory).get("size")
    except DataError:
        return None
    return size if isinstance(size, int) else None


def check_grid_size(directory: str | Path, grid_size: int, size: int | None = None, resumed: bool = False) -> None:
    """DataError when the data set in ``directory`` holds puzzles of another size than ``grid_size``; ``size`` is
    the size it holds where already known (else read from its meta.json). ``resumed``: for a run that goes on,
    which never builds data, so the advice is to give its own data set."""
    size = data_grid_size(directory) if size is None else size
    if size is not None and size != grid_size:
        advice = ("give --data with the data set this run trained on" if resumed else
                  f"choose a {grid_size}x{grid_size} data set (a missing folder is built with the right size)")
        raise DataError(f"{directory} holds {size}x{size} puzzles, but the model plays {grid_size}x{grid_size}: "
                        f"{advice}.")


def load_split(directory: str | Path, split: str) -> PuzzleTable:
    """Load ``<directory>/<split>.npz`` (split ``train`` or ``test``) as a PuzzleTable of int8 arrays.

    Checks shapes, value ranges and that givens agree with solutions (and the size against meta.json when there
    is one). Raises DataError naming the file and what to do when it is missing, unreadable or inconsistent.
    """
    if split not in SPLITS:
        raise DataError(f"Unknown split {split!r}: use one of {', '.join(SPLITS)}.")
    path = Path(directory) / f"{split}.npz"
    if not path.is_file():
        raise DataError(f"Split file not found: {path}; {_REBUILD_HINT}.")
    arrays = _read_arrays(path)
    puzzles, solutions = arrays["puzzles"], arrays["solutions"]
    if puzzles.ndim != 2 or len(puzzles) == 0:
        raise DataError(f"{path}: expected a non-empty (N, cells) array of puzzles, got {puzzles.shape}.")
    try:
        shape = shape_for_cells(puzzles.shape[1])
    except PuzzleError as error:  # a cell count of no supported size
        raise DataError(f"{path}: {error}") from error
    if (Path(directory) / META_FILE).is_file() and load_meta(directory).get("size") != shape.size:
        raise DataError(f"{path} holds {shape.size}x{shape.size} puzzles but {META_FILE} says otherwise; "
                        f"{_REBUILD_HINT}.")
    _check_arrays(path, puzzles, solutions, shape)
    sources = [str(s) for s in arrays.get("sources", np.array([], dtype=str))]
    if not sources:  # saved without source names: name each row by its split
        sources = [split] * len(puzzles)
    elif len(sources) != len(puzzles):
        raise DataError(f"{path}: {len(sources)} source names for {len(puzzles)} puzzles; {_REBUILD_HINT}.")
    return PuzzleTable(shape, puzzles.astype(np.int8), solutions.astype(np.int8), sources)
