"""The Solve page's trace: run it streaming (step 1 on screen first), keep it per session, play it back.

State (page-prefixed ``st.session_state`` keys): ``solve_traces`` maps a trace key (checkpoint, its mtime,
puzzle, steps) to a :class:`StoredTrace`, so reruns never recompute a trace; ``solve_step`` is the player's
cursor (also in the URL as ``?step=``), ``solve_playing`` whether it advances by itself.
"""

import json
import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import streamlit as st

from app_ui import address
from app_ui.demo_traces import PRECOMPUTED
from app_ui.grid_component import sudoku_grid
from trm import LoadedModel
from trm.inference import compile_status
from trm.sudoku import GridShape, SolveStatus, grid_to_string, solve
from trm.trace import StepRecord, Trace, finish_trace, iter_trace, read_trace_file, trace_to_dict

KEY_TRACES, KEY_STEP, KEY_PLAYING, KEY_JUST_STARTED = "solve_traces", "solve_step", "solve_playing", "solve_started"
URL_STEP, KEY_LINKED_STEP = "step", "solve_linked_step"
MAX_STORED_TRACES = 8
PCA_MAX_STEPS = 64  # the state PCA keeps every call's whole y and z: ~4 MB a step for 9x9, so long runs skip it
PLAY_SECONDS = 0.8
# Only the camera button, shown on hover: every chart downloads as PNG without a toolbar on the projector.
CHART_CONFIG = {"displayModeBar": "hover", "displaylogo": False, "modeBarButtons": [["toImage"]],
                "toImageButtonOptions": {"format": "png", "scale": 2}}


@dataclass
class StoredTrace:
    """A finished trace with what the page says about how it was made."""

    trace: Trace
    solution_note: str  # "" when the exact solution is known, else why it is not
    first_step_seconds: float
    total_seconds: float
    network: str  # "compiled" or "eager"
    exports: dict[float, str] = field(default_factory=dict, repr=False)

    def export_json(self, threshold: float) -> str:
        """The trace as JSON (trm.trace), judged at ``threshold``; built once per threshold."""
        if threshold not in self.exports:
            self.exports[threshold] = json.dumps(trace_to_dict(with_threshold(self.trace, threshold)))
        return self.exports[threshold]


@dataclass(frozen=True)
class SolveSettings:
    """What a computed trace depends on besides the model and the puzzle."""

    steps: int
    views: int = 1
    noise: float = 0.0  # on every view's starting state but the puzzle's own
    bf16: bool = False  # bf16 autocast (app_ui.view_settings.use_bf16)

    def file_tag(self) -> str:
        """'64steps-8views-noise0.3' for file names."""
        return (f"{self.steps}steps" + (f"-{self.views}views" if self.views > 1 else "")
                + (f"-noise{self.noise:g}" if self.noise else ""))


def trace_key(path: str, mtime: float, puzzle: np.ndarray, settings: SolveSettings) -> str:
    return f"{path}|{mtime:.3f}|{grid_to_string(puzzle)}|{settings}"


def stored_trace(key: str) -> StoredTrace | None:
    return st.session_state.get(KEY_TRACES, {}).get(key)


def _show_new(key: str, stored: StoredTrace) -> StoredTrace:
    """Store a trace just made or read and put the player on the linked step (else the last), paused."""
    _store(key, stored)
    n = len(stored.trace.steps)
    st.session_state[KEY_STEP] = _linked_step(n) or n
    st.session_state[KEY_PLAYING] = False
    return stored


def _store(key: str, stored: StoredTrace) -> None:
    traces = st.session_state.setdefault(KEY_TRACES, {})
    traces[key] = stored
    while len(traces) > MAX_STORED_TRACES:
        traces.pop(next(iter(traces)))


def exact_solution(puzzle: np.ndarray, shape: GridShape) -> tuple[np.ndarray | None, str]:
    """The unique solution, or None and a sentence saying why wrong cells cannot be marked."""
    result = solve(puzzle, shape, limit=2)
    if result.status is SolveStatus.UNIQUE:
        return result.solutions[0], ""
    return None, (f"The puzzle {result.status.phrase}, so there is no single right answer: the model still "
                  f"runs, but cells are not marked right or wrong.")


def overlay_at(puzzle: np.ndarray, record: StepRecord) -> dict:
    """The answer grid's overlay at one step: model digits, confidence, changed and wrong cells (blanks only)."""
    blank = puzzle == 0
    changed = record.changed & blank if record.step > 1 else np.zeros_like(blank)
    wrong = (~record.correct & blank) if record.correct is not None else np.zeros_like(blank)
    return {"digits": record.prediction.tolist(), "confidence": record.confidence.tolist(),
            "changed": changed.tolist(), "wrong": wrong.tolist()}


def run_streaming(loaded: LoadedModel, puzzle: np.ndarray, shape: GridShape, settings: SolveSettings,
                  key: str, where=None) -> StoredTrace:
    """Trace ``puzzle`` while showing each step's grid as it arrives (in ``where``, a container, when given; else
    here); store and return the finished trace."""
    where = st if where is None else where
    steps, views = settings.steps, settings.views
    solution, note = exact_solution(puzzle, shape)
    # The compiled network serves a single puzzle; K views run as one batch through the eager one.
    label = "compiled" if compile_status(loaded.model).state == "ready" and views == 1 else "eager"
    with_pca = steps <= PCA_MAX_STEPS
    progress = where.progress(0.0, text="Step 1 is being computed…")
    live = where.empty()
    records, started, first_seconds = [], time.perf_counter(), 0.0
    for record in iter_trace(loaded.model, puzzle, solution, steps, keep_states=with_pca, views=views,
                             noise=settings.noise, bf16=settings.bf16):
        records.append(record)
        first_seconds = first_seconds or time.perf_counter() - started
        progress.progress(record.step / steps, text=f"Step {record.step} of {steps} after "
                          f"{time.perf_counter() - started:.1f} s ({label} network{_views_note(settings)}): "
                          f"P(halt) {record.q_halt_probability:.2f}")
        with live.container():
            sudoku_grid(puzzle.tolist(), shape.size, key=f"solve_live_{record.step}", givens=puzzle.tolist(),
                        readonly=True, overlay=overlay_at(puzzle, record))
    progress.progress(1.0, text="Fitting the PCA views…" if with_pca else "Finishing…")
    trace = finish_trace(shape.size, puzzle, solution, records, with_pca=with_pca, noise=settings.noise)
    trace.made_by = {"model": Path(loaded.path).name, "steps": steps, "views": views, "seed": 0,
                     "noise": settings.noise, "precision": "bf16 autocast" if settings.bf16 else "float32",
                     "made_with": "TRM Studio, Solve page"}
    stored = StoredTrace(trace, note, first_seconds, time.perf_counter() - started, label)
    progress.empty()
    live.empty()
    return _show_new(key, stored)


REPLAYED = "replayed"  # StoredTrace.network of a trace the user uploaded
KEY_REPLAY = "solve_replay"  # the uploaded trace being replayed (a StoredTrace)


def load_precomputed(path: Path, puzzle: np.ndarray, shape: GridShape, key: str) -> StoredTrace:
    """A demo trace read from disk (app_ui.demo_traces), stored like a computed one."""
    trace = read_trace_file(path)
    _, note = exact_solution(puzzle, shape)
    stored = StoredTrace(trace, note, 0.0, 0.0, PRECOMPUTED)
    return _show_new(key, stored)


def _views_note(settings: SolveSettings) -> str:
    if settings.views == 1:
        return ""
    return f", {settings.views} views in one batch" + (", bf16" if settings.bf16 else "")


def remember_linked_step() -> None:
    """Keep a shared link's ``?step=`` for the session's first solve (the URL drops it until a trace exists)."""
    if KEY_LINKED_STEP not in st.session_state:
        st.session_state[KEY_LINKED_STEP] = st.query_params.get(URL_STEP, "")


def _linked_step(n: int) -> int | None:
    """The link's step for a solve of ``n`` steps; a step that is not one of them is said in a toast (seen in
    presentation mode too, where the page's own notes are hidden), and the player opens on the last step."""
    text = st.session_state.get(KEY_LINKED_STEP) or ""
    st.session_state[KEY_LINKED_STEP] = ""  # used once
    # "²" and "①" pass str.isdigit but int() refuses them: only ASCII digits make a step number.
    if text.isascii() and text.isdecimal() and 1 <= int(text) <= n:
        return int(text)
    if text:
        st.toast(f"`{URL_STEP}={text[:20]}` in the link is not a step of this solve (1 to {n}), so the player "
                 f"opens on step {n}.", icon=":material/warning:", duration="long")
    return None


def show_step_in_url(step: int | None) -> None:
    """Mirror the player's step into ``?step=`` (removed while no trace is shown)."""
    address.put(URL_STEP, None if step is None else str(step))


def with_threshold(trace: Trace, threshold: float) -> Trace:
    """The same trace judged at another halting threshold (halt_step follows it; nothing is recomputed)."""
    return replace(trace, halt_threshold=threshold)


def step_chart(figure, key: str, n: int) -> None:
    """Draw a chart whose x axis is the supervision step; a click pauses the player and moves its cursor there.
    ``key`` must change with the cursor: each step mounts a fresh chart, so an old click's selection never lingers."""
    st.plotly_chart(figure, key=key, config=CHART_CONFIG, selection_mode="points",
                    on_select=lambda: _jump_to_clicked(key, n))


def _jump_to_clicked(widget: str, n: int) -> None:
    points = st.session_state[widget]["selection"]["points"]
    if points:  # bars sit at x = step; inner calls of step s at x in (s - 1, s]
        st.session_state[KEY_PLAYING] = False
        st.session_state[KEY_STEP] = min(max(math.ceil(float(points[0]["x"]) - 1e-9), 1), n)
