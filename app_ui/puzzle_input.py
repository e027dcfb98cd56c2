"""The Solve page's puzzle state: one puzzle per browser session, mirrored in the URL as ``?p=``.

State (page-prefixed ``st.session_state`` keys): ``solve_cells`` the digits in the grid (list of ints,
0 = blank, givens included), ``solve_givens`` the locked digits of the loaded puzzle, ``solve_size``
4, 6 or 9 (the size selector's key), ``solve_notice`` a message from the last load to show once, and
``solve_url_seen`` the last ``p`` read from the URL and ``solve_urls_written`` the recent ones this session
wrote, so our own updates (also stale ones, from a rerun the browser sent before it had our newest URL) are
never read back as a new puzzle.
Loading from text goes through ``trm.sudoku.parse_puzzle``; it raises PuzzleError, which callers show.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np
import streamlit as st

from app_ui import address
from trm import PuzzleError, TRMError
from trm.sudoku import (
    LEVELS_BY_SIZE, GridShape, SolveStatus, find_conflicts, generate_puzzle, grid_to_string, parse_puzzle,
    shape_for_size, solve,
)

KEY_CELLS = "solve_cells"
KEY_GIVENS = "solve_givens"
KEY_SIZE = "solve_size"
KEY_NOTICE = "solve_notice"
KEY_URL_SEEN = "solve_url_seen"
KEY_URLS_WRITTEN = "solve_urls_written"
MAX_URLS_REMEMBERED = 64
URL_PARAM = "p"
SIZES = (9, 6, 4)
EXAMPLES_PATH = Path(__file__).resolve().parent.parent / "assets" / "examples.json"
MAX_CONFLICTS_SHOWN = 6


@dataclass(frozen=True)
class Example:
    """A famous or instructive puzzle from ``assets/examples.json``."""

    name: str
    description: str
    puzzle: str


@dataclass(frozen=True)
class PuzzleStatus:
    """What the page says about the current grid: ``level`` is a Streamlit box (info/success/warning/error)."""

    level: str
    message: str
    backtracks: int | None = None  # the exact solver's dead ends, for a puzzle with one solution


@cache
def load_examples() -> tuple[Example, ...]:
    """Read the example puzzles; raises PuzzleError naming the file when it is missing or malformed."""
    try:
        rows = json.loads(EXAMPLES_PATH.read_text(encoding="utf-8"))
        return tuple(Example(row["name"], row["description"], row["puzzle"]) for row in rows)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise PuzzleError(f"Cannot read the example puzzles in {EXAMPLES_PATH}: {error}. "
                          f"Restore the file from the repository.") from error


def init_state() -> None:
    """Create the page's keys once per session (an empty 9x9 grid), and restore the grid size after a visit to
    another page: Streamlit drops a widget's value (the size control's) when a page run does not draw it."""
    if KEY_CELLS not in st.session_state:
        _store(np.zeros(81, dtype=np.int8), givens=np.zeros(81, dtype=np.int8))
    elif st.session_state.get(KEY_SIZE) not in SIZES:
        st.session_state[KEY_SIZE] = int(round(len(st.session_state[KEY_CELLS]) ** 0.5))


def current_shape() -> GridShape:
    return shape_for_size(st.session_state[KEY_SIZE])


def current_grid() -> np.ndarray:
    """The grid as a flat int8 array (0 = blank), givens and typed digits together."""
    return np.array(st.session_state[KEY_CELLS], dtype=np.int8)


def _store(grid: np.ndarray, *, givens: np.ndarray) -> None:
    st.session_state[KEY_SIZE] = int(round(len(grid) ** 0.5))
    st.session_state[KEY_CELLS] = [int(v) for v in grid]
    st.session_state[KEY_GIVENS] = [int(v) for v in givens]


def load_text(text: str, *, check_conflicts: bool = True) -> None:
    """Parse ``text`` (16, 36 or 81 cells) and make every digit a locked given; raises PuzzleError."""
    if not text.strip():
        raise PuzzleError("The puzzle text is empty: paste 16, 36 or 81 characters, with 0 or '.' for blanks.")
    grid = parse_puzzle(text, size=None, check_conflicts=check_conflicts)
    _store(grid, givens=grid)


def load_example(name: str) -> None:
    """Load the example called ``name``; raises PuzzleError if there is none."""
    for example in load_examples():
        if example.name == name:
            load_text(example.puzzle)
            return
    raise PuzzleError(f"There is no example called {name!r}; pick one from the list.")


def levels_for(size: int) -> tuple[str, ...]:
    """The difficulty levels the generator offers for ``size`` (4x4 has only 'easy')."""
    return tuple(LEVELS_BY_SIZE[size])


def generate(size: int, level: str, seed: int | None = None) -> None:
    """Replace the grid with a fresh puzzle of ``size`` and difficulty ``level``; raises PuzzleError.

    ``seed`` None draws fresh OS entropy, so every press gives a new puzzle.
    """
    generated = generate_puzzle(shape_for_size(size), level, np.random.default_rng(seed))
    _store(generated.puzzle, givens=generated.puzzle)


def clear(size: int) -> None:
    """Empty the grid, keeping (or switching to) ``size``."""
    empty = np.zeros(size * size, dtype=np.int8)
    _store(empty, givens=empty)


def set_cells(cells: list[int]) -> None:
    """Take the grid's edited cells; givens stay as they were (the grid never lets them change)."""
    st.session_state[KEY_CELLS] = [int(v) for v in cells]


def read_url() -> None:
    """Load the puzzle in ``?p=`` when it is new (not the one this session wrote); errors become the notice.

    A shared link must reproduce what its author saw, so conflicting digits load too (and show as conflicts).
    """
    text = st.query_params.get(URL_PARAM)
    if text is None or text == st.session_state.get(KEY_URL_SEEN):
        return
    if text in st.session_state.get(KEY_URLS_WRITTEN, ()):
        # Our own older URL: a rerun the browser asked for before it had our newer one. Loading it would
        # undo the edits made since.
        return
    st.session_state[KEY_URL_SEEN] = text
    if text == grid_to_string(current_grid()):
        return
    try:
        load_text(text, check_conflicts=False)
    except PuzzleError as error:
        st.session_state[KEY_NOTICE] = f"The puzzle in the link could not be loaded. {error}"


def write_url() -> None:
    """Mirror the grid into ``?p=`` (removed while the grid is empty)."""
    grid = current_grid()
    text = grid_to_string(grid)
    st.session_state[KEY_URL_SEEN] = text if grid.any() else None
    if grid.any():
        written = st.session_state.setdefault(KEY_URLS_WRITTEN, [])
        if text not in written:
            written.append(text)
            del written[:-MAX_URLS_REMEMBERED]
    address.put(URL_PARAM, text if grid.any() else None)


@st.cache_data(max_entries=512, show_spinner="Checking the puzzle…")
def puzzle_status(text: str, size: int) -> PuzzleStatus:
    """Say whether the grid in ``text`` has conflicts, no solution, several solutions or exactly one."""
    shape = shape_for_size(size)
    grid = parse_puzzle(text, size=size, check_conflicts=False)
    givens = int(np.count_nonzero(grid))
    if givens == 0:
        return PuzzleStatus("info", "The grid is empty. Click a cell and type a digit, paste a puzzle, "
                                    "generate one or pick an example.")
    conflicts = find_conflicts(grid, shape)
    if conflicts:
        lines = [f"- {c.describe()}" for c in conflicts[:MAX_CONFLICTS_SHOWN]]
        if len(conflicts) > MAX_CONFLICTS_SHOWN:
            lines.append(f"- and {len(conflicts) - MAX_CONFLICTS_SHOWN} more")
        return PuzzleStatus("error", "**Conflicts** (a digit repeated in a row, column or box):\n" + "\n".join(lines))
    result = solve(grid, shape, limit=2)
    status = _solve_status(result.status, givens)
    return replace(status, backtracks=result.backtracks) if result.status is SolveStatus.UNIQUE else status


def _solve_status(status: SolveStatus, givens: int) -> PuzzleStatus:
    if status is SolveStatus.UNIQUE:
        return PuzzleStatus("success", f"**Unique solution**: {givens} givens, exactly one way to complete it.")
    if status is SolveStatus.MULTIPLE:
        counted = "1 given is" if givens == 1 else f"{givens} givens are"
        return PuzzleStatus("warning", f"**More than one solution**: {counted} not enough to pin down one answer. "
                                       f"Add digits until the solution is unique.")
    if status is SolveStatus.NO_SOLUTION:
        return PuzzleStatus("warning", "**No solution**: no digit conflicts yet, but the grid cannot be "
                                       "completed. Remove or change a digit.")
    return PuzzleStatus("error", "**Contradictory givens**: a digit repeats in a row, column or box.")


def show_status(status: PuzzleStatus) -> None:
    """Draw ``status`` in its box."""
    box = {"info": st.info, "success": st.success, "warning": st.warning, "error": st.error}[status.level]
    box(status.message)


def run_safely(action: Callable[..., None], *args: object) -> bool:
    """Run a load action from a widget callback; a TRMError becomes the notice (returns False), not a crash."""
    try:
        action(*args)
    except TRMError as error:
        st.session_state[KEY_NOTICE] = str(error)
        return False
    return True
