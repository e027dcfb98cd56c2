"""Where the Insight page's puzzles come from (a held-out file the project ships, a generated set at a level, an
uploaded CSV) and where its runs are cached."""

import os
import tempfile
from pathlib import Path

import numpy as np
import streamlit as st

from trm import TRMError
from trm.evaluate import fill_solutions, puzzle_backtracks
from trm.sudoku import LEVELS_BY_SIZE, PuzzleTable, generate_puzzle, read_puzzle_csv, shape_for_size

PUZZLES = Path(__file__).resolve().parents[1] / "assets" / "puzzles"
CACHE_ENV = "TRM_STUDIO_CACHE"
HELD_OUT_PREFIX = "heldout_"


def cache_folder() -> Path:
    """``$TRM_STUDIO_CACHE/insight``, else ``~/.cache/trm-studio/insight``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "trm-studio") / "insight"


@st.cache_data(show_spinner=False)
def held_out_files(size: int) -> list[str]:
    """The shipped held-out files of ``size`` x ``size`` puzzles (file names)."""
    found = []
    for path in sorted(PUZZLES.glob(f"{HELD_OUT_PREFIX}*.csv")):
        if read_puzzle_csv(path, limit=1).shape.size == size:
            found.append(path.name)
    return found


@st.cache_data(show_spinner="Reading the puzzles and their solutions…")
def held_out_table(name: str, limit: int) -> PuzzleTable:
    return fill_solutions(read_puzzle_csv(PUZZLES / name, limit=limit))[0]


@st.cache_data(show_spinner="Generating puzzles…")
def generated_table(size: int, level: str, count: int) -> PuzzleTable:
    """``count`` puzzles of ``level`` (seeded, so the same request gives the same set and the same cache key)."""
    shape, rng = shape_for_size(size), np.random.default_rng(0)
    made = [generate_puzzle(shape, level, rng) for _ in range(count)]
    return PuzzleTable(shape, np.stack([m.puzzle for m in made]), np.stack([m.solution for m in made]))


def uploaded_table(data: bytes, limit: int, name: str = "uploaded.csv") -> PuzzleTable:
    """A CSV the user uploaded (read as any puzzle CSV: DataError with the line on a bad row, naming ``name``)."""
    with tempfile.TemporaryDirectory(prefix="trm-insight-") as folder:  # ours: removed with what we wrote
        path = Path(folder) / "uploaded.csv"
        path.write_bytes(data)
        try:
            return fill_solutions(read_puzzle_csv(path, limit=limit))[0]
        except TRMError as error:  # say the user's file, not our temporary copy
            raise type(error)(str(error).replace(str(path), name)) from None


@st.cache_data(show_spinner="Measuring each puzzle's difficulty…")
def backtracks_of(puzzles: np.ndarray, size: int) -> list[int]:
    return puzzle_backtracks(puzzles, shape_for_size(size))


def levels(size: int) -> list[str]:
    return list(LEVELS_BY_SIZE[size])
