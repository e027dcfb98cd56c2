"""The views panel of the step player: K attempts at one puzzle, and the Q-head choosing among them.

Each view is a symmetry of the puzzle solved in the same batch; its answers are mapped back to the puzzle's
orientation, so the lanes compare cell by cell. At the player's step the panel shows the chosen answer shaded
by how many views agree with each cell, one small grid per view (chosen one outlined, cells that differ from it
tinted, wrong ones red), the views' P(halt) per step, and why the puzzle stops where it does.
"""

import html

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from app_ui import trace_charts as charts
from app_ui.grid_component import sudoku_grid
from app_ui.trace_store import CHART_CONFIG
from app_ui.view_settings import DEFAULT_AGREE, pick_agree
from trm.sudoku import shape_for_size
from trm.trace import Trace, ViewsTrace

_LANE_CSS = """
<style>
.vl-lanes { display: flex; flex-wrap: wrap; gap: 14px; }
.vl-lane { font-size: 0.8rem; }
.vl-title { margin-bottom: 3px; white-space: nowrap; }
.vl-lanes { --vl-line: rgba(128, 128, 128, 0.95); }
.vl-grid { display: grid; width: max-content; border: 2px solid var(--vl-line); border-radius: 3px; }
.vl-lane.chosen .vl-grid { outline: 3px solid #CC79A7; outline-offset: 2px; }
.vl-cell { width: var(--vl-cell); height: var(--vl-cell); font-size: calc(var(--vl-cell) * 0.72);
           line-height: var(--vl-cell); text-align: center;
           border-right: 1px solid rgba(128, 128, 128, 0.25); border-bottom: 1px solid rgba(128, 128, 128, 0.25); }
.vl-cell.given { font-weight: 700; }
.vl-cell.model { color: #0a7f78; }
.vl-cell.differs { background: rgba(230, 159, 0, 0.35); }
.vl-cell.wrong { color: #c62828; font-weight: 700; }
.vl-cell.box-right { border-right: 2px solid var(--vl-line); }
.vl-cell.box-bottom { border-bottom: 2px solid var(--vl-line); }
</style>
"""


def _cell_classes(index: int, size: int, box: tuple[int, int], given: bool, differs: bool, wrong: bool) -> str:
    row, col = divmod(index, size)
    classes = ["vl-cell", "given" if given else "model"]
    classes += ["differs"] if differs else []
    classes += ["wrong"] if wrong else []
    classes += ["box-right"] if (col + 1) % box[1] == 0 and col + 1 < size else []
    classes += ["box-bottom"] if (row + 1) % box[0] == 0 and row + 1 < size else []
    return " ".join(classes)


def lanes_html(views: ViewsTrace, step: int, size: int, box: tuple[int, int]) -> str:
    """One small grid per view at ``step`` (1-based), as HTML; the chosen view is outlined."""
    answers = views.steps[step - 1].answers
    chosen, halt = views.chosen(step), views.halt_probability(step)
    logits, right = views.steps[step - 1].q_halt_logit, views.right(step)
    lanes = []
    for view, answer in enumerate(answers):
        cells = []
        for i, digit in enumerate(answer):
            given = bool(views.puzzle[i])
            wrong = views.solution is not None and not given and digit != views.solution[i]
            classes = _cell_classes(i, size, box, given, not given and digit != answers[chosen][i], wrong)
            shown = int(views.puzzle[i]) if given else int(digit)  # a given is the puzzle's, whatever a view says
            cells.append(f'<div class="{classes}">{shown or ""}</div>')
        name = "the puzzle" if view == 0 else f"view {view}"
        verdict = "" if right is None else (" ✓" if right[view] else " ✗")
        mark = " · chosen" if view == chosen else ""
        title = html.escape(f"{name}{mark}{verdict} · P {halt[view]:.2f} · logit {logits[view]:.1f}")
        lanes.append(f'<div class="vl-lane{" chosen" if view == chosen else ""}"><div class="vl-title">{title}</div>'
                     f'<div class="vl-grid" style="grid-template-columns: repeat({size}, var(--vl-cell))">'
                     f'{"".join(cells)}</div></div>')
    cell = {4: 28, 6: 24}.get(size, 20)  # px: legible on a projector, every lane about as wide as its title
    return _LANE_CSS + f'<div class="vl-lanes" style="--vl-cell: {cell}px">{"".join(lanes)}</div>'


def halting_views_figure(views: ViewsTrace, step: int, threshold: float, agree: int = DEFAULT_AGREE) -> go.Figure:
    """Every view's P(halt) per step; the view chosen at ``step`` thick, the stop rule's step marked."""
    steps = [s.step for s in views.steps]
    halt = np.stack([views.halt_probability(s) for s in steps])  # (steps, K)
    chosen, stop = views.chosen(step), views.halt_step(threshold)
    figure = go.Figure()
    for view in range(views.count):
        is_chosen = view == chosen
        figure.add_scatter(x=steps, y=halt[:, view], mode="lines", showlegend=False,
                           line=dict(color=charts.HALT_COLOUR if is_chosen else charts.MUTED,
                                     width=3 if is_chosen else 1.2),
                           hovertemplate=f"view {view}, step %{{x}}: P(halt) %{{y:.3f}}<extra></extra>")
    figure.add_hline(y=threshold, line=dict(color="#5F6368", dash="dash", width=1.5))
    if stop is not None:
        figure.add_vline(x=stop, line=dict(color=charts.HALT_COLOUR, dash="dot", width=1.5),
                         annotation_text="stop rule halts", annotation_position="top right")
    agreement = views.agreement_outcome(agree, threshold) if views.count > 1 else None
    if agreement is not None and bool(agreement.agreed[0]):
        figure.add_vline(x=int(agreement.stop_step[0]), line=dict(color=charts.MUTED, dash="dash", width=1.5),
                         annotation_text=f"{agree} halted views agree", annotation_position="bottom right")
    figure.add_vrect(x0=step - 0.5, x1=step + 0.5, fillcolor=charts.STEP_SHADE, line_width=0, layer="below")
    # Headroom above P(halt) = 1 holds the "stop rule halts" label clear of views that sit at 1.
    charts.chart_layout(figure, "supervision step", "P(halt) of each view", yaxis_range=[0, 1.2], showlegend=False)
    return figure.update_yaxes(tickvals=[0, 0.2, 0.4, 0.6, 0.8, 1])


def why_views_stop(views: ViewsTrace, threshold: float, agree: int = DEFAULT_AGREE) -> list[str]:
    """Sentences on where the stop rule halts, which view the Q-head picks there, and whether it is right."""
    k, last = views.count, views.steps[-1].step
    stop = views.halt_step(threshold)
    at = stop or last
    chosen, same = views.chosen(at), views.same_as_chosen(at)
    name = "the puzzle itself" if chosen == 0 else f"view {chosen}"
    if stop is None:
        lines = [f"No view's P(halt) reaches {threshold:.2f} in {last} steps, so all {k} views use every step. "
                 f"At the end the Q-head picks **{name}** (highest logit)."]
    else:
        lines = [f"The puzzle stops at **step {stop}**, the first step where a view's P(halt) reaches "
                 f"{threshold:.2f}: **{name}**, the view with the highest Q-halt logit, is chosen."]
    lines.append(f"{same} of {k} views give exactly that grid.")
    right = views.right(at)
    if right is not None:
        lines.append(f"The chosen answer is **{'right' if right[chosen] else 'wrong'}**; {int(right.sum())} of "
                     f"{k} views are right there.")
    if k > 1:
        lines.append(_why_agreement(views, threshold, agree))
    return lines


def _why_agreement(views: ViewsTrace, threshold: float, agree: int) -> str:
    """The agreement rule's account: where ``agree`` halted views agree, what it costs, and whether it is right."""
    k, last = views.count, views.steps[-1].step
    outcome = views.agreement_outcome(agree, threshold)
    halts = outcome.halt_step[0]
    spent = int(outcome.view_steps[0])
    rule = "a view halts" if agree == 1 else f"{agree} halted views give the same grid"
    intro = (f"**With agreement** (each view stops when its own P(halt) reaches {threshold:.2f}; the puzzle once "
             f"{rule})")
    stop, halted = int(outcome.stop_step[0]), int((halts > 0).sum())
    if bool(outcome.agreed[0]):
        text = f"{intro}: it stops at **step {stop}**, where {halted} of {k} views have halted"
    elif halted == 0:
        text = f"{intro}: no view halts in {last} steps, so the view with the highest final Q-halt logit is kept"
    else:
        ended = f"all {k} views have halted by step {stop}" if halted == k else f"no {agree} agree in {last} steps"
        text = f"{intro}: {ended}, so the grid most halted views give is kept"
    text += f", after {spent} supervision steps in all instead of {k * last}."
    if views.solution is not None:
        text += f" That answer is **{'right' if (outcome.answers[0].numpy() == views.solution).all() else 'wrong'}**."
    return text


def render_views_panel(trace: Trace, step: int, threshold: float) -> None:
    """The whole panel for a trace solved with views (nothing when it has none)."""
    views = trace.views
    if views is None:
        return
    st.subheader(f"{views.count} views, one judge", divider="gray")
    size = trace.grid_size
    shape = shape_for_size(size)
    box = (shape.box_rows, shape.box_cols)
    chosen_col, side_col = st.columns([1, 1], gap="large")
    with chosen_col:
        chosen = views.steps[step - 1].answers[views.chosen(step)]
        blank = trace.puzzle == 0
        wrong = (chosen != trace.solution) & blank if trace.solution is not None else np.zeros_like(blank)
        overlay = {"digits": chosen.tolist(), "confidence": views.agreement(step).tolist(),
                   "changed": [False] * len(chosen), "wrong": wrong.tolist()}
        sudoku_grid(trace.puzzle.tolist(), size, key="solve_views_chosen", givens=trace.puzzle.tolist(),
                    readonly=True, overlay=overlay)
        st.caption(f"The chosen view's answer at step {step}, shaded by agreement: the darker a cell, the more of "
                   f"the {views.count} views give the same digit there.")
    with side_col:
        with st.container(border=True):
            st.markdown("**Why it stops, with views**")
            agree = pick_agree(views.count)
            st.markdown("  \n".join(why_views_stop(views, threshold, agree)))
        st.plotly_chart(halting_views_figure(views, step, threshold, agree), key=f"solve_chart_views_halt_{step}",
                        config=CHART_CONFIG)
        st.caption("P(halt) of every view per step; the thick line is the view the Q-head picks at this step.")
    st.html(lanes_html(views, step, size, box))
    noise = f" Every view but the puzzle's own starts from y and z moved by noise of size {views.noise:g}." \
        if views.noise else ""
    st.caption("Each view is the puzzle under a random symmetry (relabelled digits, swapped rows, columns, bands, "
               "stacks, transposed), solved in the same batch and mapped back." + noise + " Outlined: the chosen "
               "view. Amber: differs from the chosen answer. Red: wrong.")
