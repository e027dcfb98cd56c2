"""Precomputed traces of the famous examples (assets/traces, made by scripts/make_demo_traces.py): when the puzzle,
the step count and the model's weights match one, the Solve page shows it at once instead of computing on the
CPU, so a talk never waits."""

from pathlib import Path

import numpy as np
import streamlit as st

from trm import LoadedModel, TRMError, weights_fingerprint
from trm.sudoku import grid_to_string
from trm.trace import read_trace_file

DEMO_FOLDER = Path(__file__).resolve().parents[1] / "assets" / "traces"
PRECOMPUTED = "precomputed"  # StoredTrace.network of a trace read from DEMO_FOLDER


@st.cache_data(show_spinner=False)
def _index(folder: str, stamp: float) -> dict[tuple[str, int, str], str]:
    """(puzzle digits, steps, weights fingerprint) -> file, for every readable demo trace (``stamp``: the
    folder's mtime, so a new file is seen)."""
    found = {}
    for path in sorted(Path(folder).glob("*.json")):
        try:
            trace = read_trace_file(path)
        except TRMError:
            continue  # a damaged demo is skipped: the page computes that solve instead
        made = trace.made_by
        if made.get("views", 1) == 1 and isinstance(made.get("weights"), str):
            found[(grid_to_string(trace.puzzle), len(trace.steps), made["weights"])] = str(path)
    return found


@st.cache_data(show_spinner=False)
def _fingerprint(folder: str, stamp: float) -> str:
    return weights_fingerprint(folder)


def demo_trace_path(loaded: LoadedModel, puzzle: np.ndarray, steps: int, views: int) -> Path | None:
    """The precomputed trace for this solve, if one was made with these very weights."""
    if views != 1 or not DEMO_FOLDER.is_dir():
        return None
    try:
        fingerprint = _fingerprint(str(loaded.path), Path(loaded.path).stat().st_mtime)
    except (OSError, TRMError):
        return None
    path = _index(str(DEMO_FOLDER), DEMO_FOLDER.stat().st_mtime).get((grid_to_string(puzzle), steps, fingerprint))
    return Path(path) if path else None
