"""Train: start a TRM training run in the background, watch its curves live, stop, resume, compare and export.

Runs are separate ``python -m trm.train`` processes (they outlive the page, the browser tab and the app); this page
only reads their folders under the runs root (``runs/`` or ``$TRM_STUDIO_RUNS``). Fragments poll the files while
a run is alive: the watched run's progress and numbers every POLL_SECONDS, the curves and the runs table every
CHART_POLL_SECONDS; with none alive the runs list still looks every IDLE_POLL_SECONDS for a run started elsewhere
(a terminal). The form and buttons stay outside the fragments.
"""

import streamlit as st

from trm.catalog import checkpoints_root
from app_ui.training_form import render_start_form
from app_ui.training_live import render_live_charts, render_live_view
from app_ui.training_runs import render_actions, render_compare, render_runs_table
from app_ui.training_shared import CHART_POLL_SECONDS, IDLE_POLL_SECONDS, POLL_SECONDS, show_flashes
from trm.control import detect_device, reap_children
from trm.runs import list_runs, read_run, runs_root


@st.cache_resource
def _device():
    return detect_device()


def _alive(runs) -> frozenset[str]:
    return frozenset(run.name for run in runs if run.is_alive)


def _seen(runs) -> tuple[frozenset[str], frozenset[str]]:
    """Every run's name, and the live ones': what the full page was drawn for."""
    return frozenset(run.name for run in runs), _alive(runs)


def _rerun_when_runs_change(runs) -> None:
    """A run appeared, started or ended since the last full run (also from a terminal): redraw the whole page
    (the run picker, the buttons, polling on or off)."""
    if _seen(runs) != st.session_state.get("train_seen_at_full_run"):
        st.rerun()


def _overview() -> None:
    reap_children()  # a trainer this app started that has ended leaves no zombie behind while the page polls
    runs = list_runs(ROOT)
    _rerun_when_runs_change(runs)
    render_runs_table(runs)
    if runs:
        render_compare(runs, st.session_state.get("train_smoothing", 0.6))


def _live(name: str | None) -> None:
    if name is None:
        return
    run = read_run(ROOT / name)
    if run.is_alive != (name in st.session_state.get("train_seen_at_full_run", ((), ()))[1]):
        st.rerun()
    render_live_view(run)


def _live_charts(name: str | None) -> None:
    if name is not None:
        render_live_charts(read_run(ROOT / name))


ROOT = runs_root()
RUNS = list_runs(ROOT)
st.session_state.train_seen_at_full_run = _seen(RUNS)

st.title("Train")
st.caption("Train a Tiny Recursive Model in the background and watch it learn. Runs keep going when you leave this "
           "page or close the tab; come back any time.")
show_flashes()

# Side by side on a wide window; below 1200 px the form would shrink past its choices, so it goes above the runs.
st.html("""<style>@media (max-width: 1199px) {
.st-key-train_layout > [data-testid="stLayoutWrapper"] > [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {
  width: 100% !important; flex: 1 1 100% !important; min-width: 100% !important; } }</style>""")
form_column, runs_column = st.container(key="train_layout").columns([1, 1.9], gap="large")
with form_column.container(border=True):
    st.markdown("**New run**")
    render_start_form(ROOT, _device())
with runs_column:
    st.markdown("**Runs**")
    st.fragment(_overview, run_every=CHART_POLL_SECONDS if RUNS and _alive(RUNS) else IDLE_POLL_SECONDS)()

st.divider()
names = [run.name for run in RUNS]
selected = None
if names:
    if st.session_state.get("train_run") not in names:
        st.session_state.train_run = names[0]
    picker = st.columns([2, 3])[0]
    picker.selectbox("Run", names, key="train_run", help="The run to watch and act on.")
    buttons = st.columns([1, 1.3, 1, 1, 1], vertical_alignment="bottom")
    selected = next(run for run in RUNS if run.name == st.session_state.train_run)
    render_actions(selected, checkpoints_root(), buttons)
# Always rendered (with nothing to show when there is no run), so a scheduled re-run always finds its fragment.
st.fragment(_live, run_every=POLL_SECONDS if selected and selected.is_alive else None)(selected and selected.name)
st.fragment(_live_charts, run_every=CHART_POLL_SECONDS if selected and selected.is_alive else None)(
    selected and selected.name)
