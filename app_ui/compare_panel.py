"""Compare: the puzzle on screen solved a second way (another model of the same grid size, more or fewer steps,
more views, another halting threshold), played on the player's cursor beside the trace above, with the cells
where their answers differ counted at every step. Once compared, each new solve is compared the same way until
the user stops comparing: putting two models side by side over many puzzles takes one click per puzzle."""

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from app_ui import model_picker as mp
from app_ui import presentation as pr
from app_ui import solve_link as sl
from app_ui import trace_charts as charts
from app_ui.grid_component import sudoku_grid
from app_ui.number_field import NumberRange, show_problem
from app_ui.trace_store import overlay_at, step_chart
from app_ui.view_settings import MAX_VIEWS, use_bf16
from trm import LoadedModel, TRMError
from trm.catalog import find_models, folder_mtime
from trm.trace import Trace, finish_trace, iter_trace

KEY_MODEL, KEY_STEPS, KEY_VIEWS = "solve_cmp_model", "solve_cmp_steps", "solve_cmp_views"
KEY_MODEL_SHOWN = "solve_cmp_model_shown"  # the model the controls showed last: a change resets the steps
KEY_THRESHOLD, KEY_COMPARED = "solve_cmp_threshold", "solve_cmp_compared"  # (trace id, Comparison, its Trace)
KEY_DEFAULTS_FOR, KEY_OWN_STEP = "solve_cmp_defaults_for", "solve_cmp_own_step"
KEY_FOLLOW = "solve_cmp_follow"  # the Comparison each new solve repeats, or None; outlives the widgets' state
MAX_STEPS = 256


@dataclass(frozen=True)
class Comparison:
    """How the second solve is made."""

    path: str
    label: str
    steps: int
    views: int
    threshold: float
    bf16: bool  # several views run in bf16 where it is native (app_ui.view_settings.use_bf16)

    def describe(self) -> str:
        return (f"{self.label}, {self.steps} steps" + (f", {self.views} views" if self.views > 1 else "")
                + f", threshold {self.threshold:.2f}, " + ("bf16 autocast" if self.bf16 else "float32"))


def _solve(loaded: LoadedModel, trace: Trace, comparison: Comparison) -> Trace:
    records = list(iter_trace(loaded.model, trace.puzzle, trace.solution, comparison.steps, keep_states=False,
                              views=comparison.views, bf16=comparison.bf16))
    return finish_trace(trace.grid_size, trace.puzzle, trace.solution, records, comparison.threshold,
                        with_pca=False)


def _model_choices(size: int) -> dict[str, str]:
    """Path -> label of the usable models of grid ``size``."""
    return {c.path: c.label for c in find_models(size) if c.problem is None and c.grid_size == size}


def _controls(loaded: LoadedModel, trace: Trace, trace_id: str, choices: dict[str, str]
              ) -> tuple[Comparison, list[str]]:
    """The second solve as the boxes describe it, and what is out of range in them (range-checked on the server,
    app_ui/number_field.py says why)."""
    here = str(loaded.path)
    if st.session_state.get(KEY_MODEL) not in choices:
        st.session_state[KEY_MODEL] = here if here in choices else next(iter(choices), here)
    if st.session_state.get(KEY_DEFAULTS_FOR) != trace_id:  # a new solve: the comparison followed, or a suggestion
        st.session_state[KEY_DEFAULTS_FOR] = trace_id
        st.session_state.pop(KEY_MODEL_SHOWN, None)  # the defaults below are not a change of model
        followed = _followed(choices)
        if followed:
            st.session_state[KEY_MODEL] = followed.path
        st.session_state[KEY_STEPS] = followed.steps if followed else _more_steps(len(trace.steps))
        st.session_state[KEY_VIEWS] = followed.views if followed else 1
        st.session_state[KEY_THRESHOLD] = followed.threshold if followed else trace.halt_threshold
        _apply_link(choices)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        path = st.selectbox("Model", list(choices) or [here], key=KEY_MODEL, width=260,
                            format_func=lambda p: choices.get(p, Path(p).name))
        _steps_for_a_new_model(path, here, len(trace.steps))
        steps = st.number_input("Steps", step=1, key=KEY_STEPS, width=110, help=f"1 to {MAX_STEPS}.")
        views = st.number_input("Views", step=1, key=KEY_VIEWS, width=110, help=f"1 to {MAX_VIEWS}.")
        chosen = st.slider("Halting threshold", 0.05, 0.95, step=0.05, key=KEY_THRESHOLD, width=200)
    problems = [NumberRange(1, MAX_STEPS).problem("Steps", steps), NumberRange(1, MAX_VIEWS).problem("Views", views)]
    return (Comparison(path, choices.get(path, Path(path).name), int(steps), int(views), float(chosen),
                       use_bf16(int(views), mp.device_name())), [problem for problem in problems if problem])


def _more_steps(steps_above: int) -> int:
    """The suggestion for the same model: test-time depth, four times the steps of the solve above."""
    return min(4 * steps_above, MAX_STEPS)


def _steps_for_a_new_model(path: str, here: str, steps_above: int) -> None:
    """When the model to compare changes: another model starts at the steps of the solve above, so the first
    comparison is of the models alone; the same model again starts at its suggestion, more steps."""
    if st.session_state.get(KEY_MODEL_SHOWN, path) != path:
        st.session_state[KEY_STEPS] = _more_steps(steps_above) if path == here else steps_above
    st.session_state[KEY_MODEL_SHOWN] = path


def _followed(choices: dict[str, str]) -> "Comparison | None":
    """The comparison to repeat for a new solve, or None where there is none or its model is not among ``choices``
    (another grid size: it applies again when the puzzles do)."""
    followed = st.session_state.get(KEY_FOLLOW)
    return followed if followed is not None and followed.path in choices else None


def waiting_note(size: int) -> str:
    """A followed comparison whose model plays another grid size than ``size`` waits, unseen: say so ("" if none)."""
    followed = st.session_state.get(KEY_FOLLOW)
    if followed is None or followed.path in _model_choices(size):
        return ""
    return (f"The comparison with **{followed.label}** waits: that model plays another grid size, and it comes back "
            f"with puzzles of its size (**Stop comparing** under the player ends it).")


def _apply_link(choices: dict[str, str]) -> None:
    """The comparison a link asked for (once, on the first solve), each value checked: one that cannot be used here
    is said so, and the suggestion stands."""
    for note in sl.take_compare_notes():
        st.warning(note)
    label, steps = sl.take(sl.URL_CMP_MODEL), sl.take(sl.URL_CMP_STEPS)
    views, threshold = sl.take(sl.URL_CMP_VIEWS), sl.take(sl.URL_CMP_THRESHOLD)
    if label is not None:
        match = next((path for path, name in choices.items() if label in (name, Path(path).name)), None)
        if match is None:  # a comparison with another model than the link's would answer another question
            sl.should_autosolve_compare()  # taken: nothing is solved by itself
            st.warning(f"The link's comparison model `{label}` is not among this machine's models of this grid size, "
                       f"so no comparison was solved; pick one below and press **Solve the comparison**.")
        else:
            st.session_state[KEY_MODEL] = match
    if steps is not None and steps > MAX_STEPS:
        st.warning(f"`cmp_steps={sl.link_text(sl.URL_CMP_STEPS)}` in the link is more than a comparison runs "
                   f"({MAX_STEPS}), so it runs {MAX_STEPS}.")
    for key, value in ((KEY_STEPS, None if steps is None else min(steps, MAX_STEPS)), (KEY_VIEWS, views),
                       (KEY_THRESHOLD, threshold)):
        if value is not None:
            st.session_state[key] = value


def _shown_step(step: int, steps_above: int, steps_compared: int) -> int:
    """The comparison's step to show: the cursor's; past the solve above's last step, its own slider's."""
    if steps_compared <= steps_above:
        return min(step, steps_compared)
    if step < steps_above:
        return step
    return int(st.slider(f"Its steps past {steps_above} (the cursor above ends there)", steps_above, steps_compared,
                         steps_above, key=KEY_OWN_STEP,
                         help="The comparison ran longer than the solve above: follow it to its last step here."))


def _outcome(trace: Trace) -> str:
    halt, solved = trace.halt_step, trace.first_solved_step
    text = f"halts at step {halt}" if halt else f"never halts in {len(trace.steps)} steps"
    if trace.solution is not None:
        text += f", first solved at step {solved}" if solved else ", never solved"
    return text


def _stopped_following(slot, following: bool) -> bool:
    """Where a comparison is ``following`` this solve, a button in ``slot`` to stop it; True in the run it is
    pressed (the comparison on screen then goes too)."""
    if not following:
        return False
    with slot.container(horizontal=True, vertical_alignment="center"):
        if st.button("Stop comparing", key="solve_cmp_stop", icon=":material/close:",
                     help="Stop solving each new puzzle or setting a second way"):
            st.session_state[KEY_FOLLOW] = st.session_state[KEY_COMPARED] = None
            slot.empty()
            return True
        st.caption("Each new solve is compared this way too.")
    return False


def render_compare(loaded: LoadedModel, trace: Trace, trace_id: str, step: int, description: str) -> None:
    """The panel, for a trace the page computed with ``loaded``; ``description`` says how it was made."""
    st.subheader("Compare", divider="gray")
    st.caption("Solve the same puzzle a second way, with another model, more steps, more views or another "
               "threshold, and play both on one cursor.")
    choices = _model_choices(trace.grid_size)
    following = _followed(choices) is not None  # a comparison followed, of this grid size
    comparison, problems = _controls(loaded, trace, trace_id, choices)
    for problem in problems:
        show_problem(st, problem)
    with st.container(horizontal=True, vertical_alignment="center"):
        pressed = st.button("Solve the comparison", key="solve_cmp_run", icon=":material/compare:",
                            disabled=bool(problems))
        follow_slot = st.empty()  # filled once it is known whether a comparison is followed
    last = st.session_state.get(KEY_COMPARED)
    presenting = st.session_state.get(pr.KEY_PRESENT)  # the panel is hidden: its comparison waits until shown
    repeat = following and (last is None or last[0] != trace_id)  # not yet made for this solve
    if not problems and (pressed or (not presenting and (sl.should_autosolve_compare() or repeat))):
        try:
            other = mp.load_shared_model(comparison.path, folder_mtime(comparison.path), mp.device_name())
        except TRMError as error:
            st.error(f"Cannot load {comparison.label}: {error}")
            return
        if not pressed:  # begun by a link or by a new solve above: this spinner is far below what is on screen
            st.toast(f"Solving the comparison below with {comparison.describe()}…", icon=":material/compare:")
        with st.spinner(f"Solving with {comparison.describe()}…"):
            st.session_state[KEY_COMPARED] = last = (trace_id, comparison, _solve(other, trace, comparison))
        following = True
    if following and not problems:  # what the boxes hold now is what the next solve repeats, run yet or not
        st.session_state[KEY_FOLLOW] = comparison
    if _stopped_following(follow_slot, following):
        last = None
    if last is None or last[0] != trace_id:
        if not presenting:  # a presented link keeps the comparison it will run once the page is shown
            sl.write_compare(None)
        return
    _, done, compared = last
    sl.write_compare(done.label, done.steps, done.views, done.threshold)
    _show(trace, step, description, done, compared)


def _show(trace: Trace, step: int, description: str, done: Comparison, compared: Trace) -> None:
    """The comparison at the cursor's ``step``: its grid, both solves' P(halt), and where each halts and solves."""
    shown = _shown_step(step, len(trace.steps), len(compared.steps))
    grid_col, chart_col = st.columns([1, 1], gap="large")
    with grid_col:
        record = compared.steps[shown - 1]
        sudoku_grid(trace.puzzle.tolist(), trace.grid_size, key="solve_cmp_grid", givens=trace.puzzle.tolist(),
                    readonly=True, overlay=overlay_at(trace.puzzle, record))
        beyond = "" if shown == step or shown > len(trace.steps) else \
            f" (it ran {len(compared.steps)} steps: its last is shown)"
        differ = ("" if shown != step else
                  f"; {int((record.prediction != trace.steps[step - 1].prediction).sum())} cells differ from the "
                  f"solve above")
        st.caption(f"{done.describe()} at step {shown}{beyond}{differ}.")
    with chart_col:
        step_chart(charts.two_runs_figure(trace, compared, ("above", "compared"), shown), f"solve_chart_cmp_{shown}",
                   len(trace.steps))
        st.caption("P(halt) of both solves and, in grey, how many cells their answers differ in at each step. "
                   "Click a step to move the cursor there.")
    st.markdown(f"**Above** ({description}): {_outcome(trace)}.  \n**Compared** ({done.describe()}): "
                f"{_outcome(compared)}.")
