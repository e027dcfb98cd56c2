"""The step player: controls, the answer grid at the current step, "Why it stops" and the linked charts.

Everything is drawn from a finished trace held in ``st.session_state`` (see ``app_ui.trace_store``); moving
the cursor reruns only the player fragment, and Play re-runs it every ``PLAY_SECONDS``.
"""


import streamlit as st

from app_ui import address
from app_ui import trace_charts as charts
from app_ui.cell_inspector import render_cell_inspector, select_cell
from app_ui.commit_chart import render_when_it_commits
from app_ui.compare_panel import render_compare
from app_ui.grid_component import sudoku_grid
from app_ui.intervention_panel import render_intervention
from app_ui.step_keys import step_keys
from app_ui.trace_downloads import provenance, render_downloads
from app_ui.views_panel import render_views_panel
from app_ui.trace_store import (CHART_CONFIG, KEY_JUST_STARTED, KEY_PLAYING, KEY_STEP, PCA_MAX_STEPS, PLAY_SECONDS,
                                 StoredTrace, overlay_at, show_step_in_url, step_chart, with_threshold)
from trm import LoadedModel
from trm.render import completion_verdict, shown_conflicts
from trm.trace import Trace

KEY_SLIDER, KEY_SHOWN = "solve_step_slider", "solve_steps_shown"  # the slider's own key; steps drawn lately
KEY_SPEED = "solve_play_speed"
# A step control used during Play: (the step shown when it was used, reruns left). The browser sends the slider as
# it last drew it with the rerun after, which is that step; taken for a drag, it would undo the control.
KEY_SLIDER_ECHO = "solve_slider_echo"
PLAY_SPEEDS = {"slow": 1.5, "normal": PLAY_SECONDS, "fast": 0.4, "fastest": 0.2}  # seconds per step


def render_player(stored: StoredTrace, threshold: float, export_name: str, loaded: LoadedModel | None = None,
                  trace_id: str = "") -> None:
    """Draw the player for ``stored`` judged at ``threshold``; autoplay ticks while ``solve_playing``. With the
    model that made it (``loaded``), the Compare panel and (one view) the Intervene panel too."""
    playing = bool(st.session_state.get(KEY_PLAYING))
    st.fragment(_player_run, run_every=_tick_seconds() if playing else None)(stored, threshold, export_name, playing,
                                                                              _tick_seconds(), loaded, trace_id)


def _player_run(*args) -> None:
    """The fragment: the player, whose step goes into the address at the end of a rerun of its own too."""
    with address.one_change_per_run():
        _player(*args)


def _tick_seconds() -> float:
    return PLAY_SPEEDS.get(st.session_state.get(KEY_SPEED, "normal"), PLAY_SECONDS)


def _player(stored: StoredTrace, threshold: float, export_name: str, ticking: bool, seconds: float,
            loaded: LoadedModel | None, trace_id: str) -> None:
    trace = with_threshold(stored.trace, threshold)
    n = len(trace.steps)
    if ticking != bool(st.session_state.get(KEY_PLAYING)) or (ticking and seconds != _tick_seconds()):
        st.rerun(scope="app")  # Play/Pause or the speed changed: the fragment is re-created with its run_every
    st.session_state[KEY_STEP] = min(max(int(st.session_state.get(KEY_STEP, n)), 1), n)
    if ticking:
        _advance(n)
    _controls(n, ticking)
    _count_down_slider_echo()
    step = st.session_state[KEY_STEP]
    st.session_state[KEY_SHOWN] = [*st.session_state.get(KEY_SHOWN, [])[-3:], step]
    show_step_in_url(step)
    _step_header(trace, step)
    grid_col, side_col = st.columns([1, 1], gap="large")
    with grid_col:
        _answer_grid(trace, step)
    jump = (step, n)
    with side_col:
        _why_it_stops(trace, step)
        _chart(charts.halting_figure(trace, step), "solve_chart_halt",
               "The Q-head's vote to stop after each step. Bars cross the dashed threshold where the model "
               "*would* halt; it keeps computing so you can see what it would have missed.", jump=jump)
        _chart(charts.accuracy_figure(trace, step), "solve_chart_accuracy", _accuracy_caption(trace), jump=jump)
        _chart(charts.logit_figure(trace, step), "solve_chart_logit",
               "The Q-head's raw halting logit; P(halt) is its sigmoid, so it jumps from 0 to 1 while the logit "
               "climbs steadily through the threshold: the logit shows the decision coming."
               + (" One line per view; thick: the one the Q-head picks at this step." if trace.views else ""),
               jump=jump)
    render_views_panel(trace, step, threshold)
    if loaded is not None:
        render_compare(loaded, trace, trace_id, step, _made_with(trace))
    if loaded is not None and trace.views is None:
        render_intervention(loaded, trace, trace_id, step)
    elif loaded is not None:
        st.caption("**Intervene** changes the state of a single-view solve: solve with 1 view to use it.")
    _inside_the_recursion(trace, step)
    render_downloads(stored, trace, threshold, export_name, step)
    st.caption(provenance(stored, n))


def _answer_grid(trace: Trace, step: int) -> None:
    """The model's answer at ``step``; a click on a cell inspects it (below)."""
    record = trace.steps[step - 1]
    sudoku_grid(trace.puzzle.tolist(), trace.grid_size, key="solve_answer", givens=trace.puzzle.tolist(),
                readonly=True, overlay=overlay_at(trace.puzzle, record),
                on_select=select_cell if record.digit_probabilities is not None else None,
                show_conflicts=trace.solution is None)  # nothing to call wrong: repeats are the only cue
    st.caption(_grid_legend(trace))
    render_cell_inspector(trace, step)


def _advance(n: int) -> None:
    if st.session_state.pop(KEY_JUST_STARTED, False):
        return
    if st.session_state[KEY_STEP] >= n:
        st.session_state[KEY_PLAYING] = False
        st.rerun(scope="app")
    st.session_state[KEY_STEP] += 1


def _pause() -> None:
    st.session_state[KEY_PLAYING] = False


def _move(delta: int, n: int) -> None:
    _jump(min(max(st.session_state[KEY_STEP] + delta, 1), n))


def _jump(step: int) -> None:
    if st.session_state.get(KEY_PLAYING):
        st.session_state[KEY_SLIDER_ECHO] = (st.session_state[KEY_STEP], 2)  # this rerun and the next
    _pause()
    st.session_state[KEY_STEP] = step


def _count_down_slider_echo() -> None:
    echo_step, runs_left = st.session_state.get(KEY_SLIDER_ECHO, (0, 0))
    if runs_left:
        st.session_state[KEY_SLIDER_ECHO] = (echo_step, runs_left - 1)


def _slider_moved(n: int) -> None:
    value = st.session_state[KEY_SLIDER]
    if st.session_state.get(KEY_PLAYING) and value in st.session_state.get(KEY_SHOWN, [])[:-1]:
        # A Play tick is started by the browser, which sends the slider as it last drew it; on a busy machine
        # that can be a step shown before the last tick. That echo is not a drag and must not stop playback.
        return
    echo_step, runs_left = st.session_state.get(KEY_SLIDER_ECHO, (0, 0))
    if runs_left and value == echo_step:  # the same echo after a step control paused Play: keep the control's step
        return
    _jump(min(max(int(value), 1), n))


def _toggle_play(n: int) -> None:
    if st.session_state.get(KEY_PLAYING):
        _pause()
        return
    if st.session_state[KEY_STEP] >= n:
        st.session_state[KEY_STEP] = 1
    st.session_state[KEY_PLAYING] = True
    st.session_state[KEY_JUST_STARTED] = True


def _controls(n: int, ticking: bool) -> None:
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
        st.button("Pause" if ticking else "Play", key="solve_play", on_click=_toggle_play, args=(n,),
                  icon=":material/pause:" if ticking else ":material/play_arrow:", shortcut="Space")
        st.button("Previous", key="solve_prev", on_click=_move, args=(-1, n), icon=":material/chevron_left:",
                  disabled=n == 1, help="Previous step (Left arrow)")
        st.button("Next", key="solve_next", on_click=_move, args=(1, n), icon=":material/chevron_right:",
                  disabled=n == 1, help="Next step (Right arrow)")
        st.selectbox("Speed", list(PLAY_SPEEDS), index=1, key=KEY_SPEED, width=110, label_visibility="collapsed",
                     help="Play speed: slow 1.5 s, normal 0.8 s, fast 0.4 s, fastest 0.2 s per step")
        if n > 1:
            st.session_state[KEY_SLIDER] = st.session_state[KEY_STEP]
            st.slider("Supervision step", 1, n, key=KEY_SLIDER, on_change=_slider_moved, args=(n,))
            step_keys(st.session_state[KEY_STEP], n, key="solve_keys", on_step=_jump,
                      buttons={"solve_prev": -1, "solve_next": 1})


def _step_header(trace: Trace, step: int) -> None:
    record = trace.steps[step - 1]
    blank = trace.puzzle == 0
    with st.container(horizontal=True):
        st.metric("Step", f"{step} / {len(trace.steps)}")
        if record.correct is not None:
            st.metric("Blanks right", f"{int((record.correct & blank).sum())} / {int(blank.sum())}")
        else:
            st.metric("Repeats", len(shown_conflicts(trace, record)),
                      help="A digit twice in a row, column or box. The puzzle has no single solution to judge the "
                           "answer against, but a repeat is always wrong.")
        st.metric("Changed", int((record.changed & blank).sum()) if step > 1 else "–",
                  help="Cells whose digit differs from the previous step")
        st.metric("P(halt)", f"{record.q_halt_probability:.2f}")
        st.metric("Confidence", f"{float(record.confidence[blank].mean()) if blank.any() else 1.0:.0%}",
                  help="Mean probability of the chosen digit over the blank cells. A model trained with label "
                       "smoothing tops out below 100% (sudoku9-fast, smoothing 0.2: about 82%).")


def _made_with(trace: Trace) -> str:
    """'sudoku9-mlp, 16 steps, 8 views, threshold 0.50': how the trace on screen was made."""
    views = trace.views.count if trace.views is not None else 1
    precision = trace.made_by.get("precision") or "float32"
    return (f"{trace.made_by.get('model', 'this model')}, {len(trace.steps)} steps"
            + (f", {views} views" if views > 1 else "") + f", threshold {trace.halt_threshold:.2f}, {precision}")


def _grid_legend(trace: Trace) -> str:
    text = ("**Bold**: givens. Teal: the model's digits, shaded darker where it is surer. "
            "Amber dot: changed since the previous step.")
    return text + (" Red: wrong (disagrees with the solution)." if trace.solution is not None else
                   " Red: a digit repeated in its row, column or box (the puzzle has no single solution to judge "
                   "against).")


def _why_it_stops(trace: Trace, step: int) -> None:
    halt, solved = trace.halt_step, trace.first_solved_step
    with st.container(border=True):
        st.markdown("**Why it stops**")
        if halt is None:
            best = max(trace.steps, key=lambda r: r.q_halt_probability)
            p = best.q_halt_probability
            highest = f"{p:.2f}" if p >= 0.01 else f"{p:.1e}"  # 3.1e-05 rather than 0.00, as the chart writes it
            lines = [f"P(halt) never reaches {trace.halt_threshold:.2f} in {len(trace.steps)} steps (highest: "
                     f"{highest} at step {best.step}), so the model would use every step."]
        else:
            record = trace.steps[halt - 1]
            lines = [f"The Q-head says stop at **step {halt}**: P(halt) = {record.q_halt_probability:.2f} ≥ "
                     f"{trace.halt_threshold:.2f}."]
            if record.correct is None:
                lines.append(completion_verdict(trace, record))
            else:
                blank_wrong = int((~record.correct & (trace.puzzle == 0)).sum())
                lines.append("The answer there is **correct**." if record.is_solved else
                             f"The answer there is **not yet correct**: {_cells(blank_wrong)} of "
                             f"{int((trace.puzzle == 0).sum())} blanks wrong" +
                             ("" if blank_wrong == int((~record.correct).sum()) else ", and givens not copied") + ".")
        if trace.solution is not None:
            lines.append(f"First fully correct at **step {solved}**." if solved else
                         "No step solves the whole puzzle.")
            if halt and solved:
                lines.append(_halt_verdict(halt, solved))
        st.markdown("  \n".join(lines))


def _cells(count: int) -> str:
    return f"{count} cell" if count == 1 else f"{count} cells"


def _halt_verdict(halt: int, solved: int) -> str:
    if halt == solved:
        return "It stops exactly when it is done."
    if halt > solved:
        return f"It stops {halt - solved} step(s) after solving: a safety margin."
    return f"It would stop {solved - halt} step(s) too early."


def _accuracy_caption(trace: Trace) -> str:
    if trace.solution is None:
        return "No unique solution to compare with: bars count digits the model repeats in a row, column or box."
    return ("Share of the blanks right after each step; green once the whole grid is solved. The outlined bar is "
            "the current step.")


def _chart(figure, key: str, caption: str, jump: tuple[int, int] | None = None) -> None:
    """Draw a chart; with ``jump`` = (step, n) its x axis is the supervision step and a click jumps there."""
    if jump is None:
        st.plotly_chart(figure, key=key, config=CHART_CONFIG)
    else:
        step_chart(figure, f"{key}_at_{jump[0]}", jump[1])
    st.caption(caption)


def _inside_the_recursion(trace: Trace, step: int) -> None:
    jump = (step, len(trace.steps))
    st.subheader("Inside the recursion", divider="gray")
    movement_col, decoding_col = st.columns(2, gap="large")
    with movement_col:
        view = st.segmented_control("y and z", ["Movement", "Size"], default="Movement", key="solve_yz_view",
                                    required=True, label_visibility="collapsed")
        if view == "Size" and charts.has_norms(trace):
            _chart(charts.norm_figure(trace, step), "solve_chart_norms",
                   "The size of y and z after each inner call. In TRM it is flat: every call ends in an RMSNorm "
                   "without a scale, so each position has norm √D. The flat baseline's residual updates can "
                   "grow. The size says little; switch to Movement to see the recursion settle.", jump=jump)
        elif view == "Size":
            st.info("This trace was saved before y and z sizes were recorded: solve again to see them.")
        else:
            _chart(charts.movement_figure(trace, step), "solve_chart_movement",
                   "How far y (answer) and z (latent) move in each of the inner network calls (their size is "
                   "fixed: see Size). Falling moves mean the recursion is settling.", jump=jump)
    with decoding_col:
        if trace.solution is None:
            st.info("Decoding y and z needs the puzzle's unique solution.")
        else:
            _chart(charts.decoding_figure(trace, step), "solve_chart_decoding", charts.decoding_caption(trace),
                   jump=jump)
    render_when_it_commits(trace)
    if trace.pca is None:
        st.caption(f"The PCA views are computed for runs of up to {PCA_MAX_STEPS} steps (they keep every call's "
                   f"whole y and z in memory)." if len(trace.steps) > PCA_MAX_STEPS else
                   "This trace was saved without its PCA views.")
        return
    state_col, cell_col = st.columns(2, gap="large")
    with state_col:
        _chart(charts.state_path_figure(trace, step), "solve_chart_pca_state",
               "The whole y and z after every inner call, projected on two principal components (one fit for "
               "both). Thick: the current step; big dot: where the step ends. Paths that stop moving have "
               "converged.")
    with cell_col:
        _chart(charts.cell_pca_figure(trace, step), "solve_chart_pca_cells",
               f"Each cell's y vector after step {step}, coloured by the digit predicted there (dark outline: "
               "givens). Clusters by digit mean y encodes the answer.")
