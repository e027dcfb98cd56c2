"""The player's per-step charts share one x range, so their steps line up one above the other."""

from pathlib import Path

from app_ui.trace_charts import accuracy_figure, halting_figure, logit_figure
from trm.trace.json_form import read_trace_file

TRACE = Path(__file__).resolve().parents[1] / "assets" / "traces" / "easter-monster-16.json"


def test_the_logit_chart_spans_the_same_steps_as_the_bar_charts():
    trace = read_trace_file(TRACE)
    steps = len(trace.steps)
    assert list(logit_figure(trace, steps).layout.xaxis.range) == [0.5, steps + 0.5]  # bars span step +- 0.5
    for bars in (halting_figure(trace, steps), accuracy_figure(trace, steps)):
        assert sorted({x for bar in bars.data for x in bar.x}) == list(range(1, steps + 1))
