"""The player's per-step charts share one x range, so their steps line up one above the other."""

from dataclasses import replace
from pathlib import Path

from app_ui.trace_charts import accuracy_figure, decoding_caption, halting_figure, logit_figure, two_runs_figure
from trm.trace.json_form import read_trace_file

TRACE = Path(__file__).resolve().parents[1] / "assets" / "traces" / "easter-monster-16.json"


def test_the_logit_chart_spans_the_same_steps_as_the_bar_charts():
    trace = read_trace_file(TRACE)
    steps = len(trace.steps)
    assert list(logit_figure(trace, steps).layout.xaxis.range) == [0.5, steps + 0.5]  # bars span step +- 0.5
    for bars in (halting_figure(trace, steps), accuracy_figure(trace, steps)):
        assert sorted({x for bar in bars.data for x in bar.x}) == list(range(1, steps + 1))


def test_the_threshold_label_sits_below_its_line_when_the_line_tops_the_chart():
    trace = read_trace_file(TRACE)  # Easter Monster in 16 steps: the logit stays below the threshold throughout
    assert max(record.q_halt_probability for record in trace.steps) < trace.halt_threshold
    label = logit_figure(trace, 1).layout.annotations[0]
    assert label.text.startswith("threshold") and label.yanchor == "top"  # hangs under the line, inside the chart
    lowest = min(record.q_halt_probability for record in trace.steps)
    lower = replace(trace, halt_threshold=lowest / 2)  # a threshold under every logit: the label goes above it
    assert logit_figure(lower, 1).layout.annotations[0].yanchor == "bottom"


def test_a_run_that_never_halts_says_so_on_its_halting_chart():
    trace = read_trace_file(TRACE)  # P(halt) stays under the threshold in all 16 steps
    texts = [note.text for note in halting_figure(trace, 1).layout.annotations]
    highest = max(record.q_halt_probability for record in trace.steps)
    assert any(text.startswith("never halts: P(halt) at most") and text.endswith("in 16 steps") for text in texts)
    assert f"{highest:.2g}" in " ".join(texts) or f"{highest:.2f}" in " ".join(texts)
    halted = replace(trace, halt_threshold=highest / 2)
    assert not any("never halts" in note.text for note in halting_figure(halted, 1).layout.annotations)


def test_the_comparison_chart_starts_at_step_1_and_both_lines_show_where_they_agree():
    trace = read_trace_file(TRACE)
    figure = two_runs_figure(trace, trace, ("above", "compared"), 1)  # the same run twice: the lines coincide
    assert list(figure.layout.xaxis.range) == [0.5, len(trace.steps) + 0.5]  # from step 1, not 0
    first, second = (line for line in figure.data if line.type == "scatter")
    assert second.line.dash == "dash" and second.line.width < first.line.width  # the top one lets the other show


def test_the_decoding_caption_says_what_this_solve_shows_about_z():
    early = read_trace_file(TRACE)  # 16 steps of Easter Monster: y ahead of z
    assert "Here y reads as the answer and z does not (57% and 38% of cells right" in decoding_caption(early)
    solved = read_trace_file(TRACE.with_name("easter-monster-64.json"))  # z decodes the solved grid as well
    assert "Here z reads almost as well as y (100% and 100% of cells right" in decoding_caption(solved)


def test_the_threshold_label_moves_right_when_the_model_halts_early():
    trace = read_trace_file(TRACE)
    first = replace(trace.steps[0], q_halt_probability=0.9)
    early = replace(trace, steps=[first, *trace.steps[1:]])  # halts at step 1, under the label's usual place
    label = next(note for note in halting_figure(early, 1).layout.annotations if note.text.startswith("threshold"))
    assert label.xanchor == "right"
    late = replace(trace, steps=[*trace.steps[:-1], replace(trace.steps[-1], q_halt_probability=0.9)])
    label = next(note for note in halting_figure(late, 1).layout.annotations if note.text.startswith("threshold"))
    assert label.xanchor == "left"


def test_the_accuracy_chart_counts_the_blanks_as_the_blanks_right_figure_does():
    trace = read_trace_file(TRACE)
    blanks = trace.puzzle == 0
    bars = accuracy_figure(trace, 1).data[0]
    assert bars.y[0] == trace.steps[0].correct[blanks].mean() < trace.steps[0].correct.mean()


def test_a_click_anywhere_in_a_step_column_of_the_logit_chart_lands_on_a_bar_of_that_step():
    trace = read_trace_file(TRACE)
    figure = logit_figure(trace, 1)
    columns, = [data for data in figure.data if data.type == "bar"]
    low, high = figure.layout.yaxis.range
    assert list(columns.x) == list(range(1, len(trace.steps) + 1)) and columns.width == 1.0
    assert columns.base == low and all(value == high - low for value in columns.y)  # the chart's whole height
    assert columns.marker.color == "rgba(0,0,0,0)" and columns.hoverinfo == "none"  # unseen, and clickable


def _with_logits(trace, logits):
    return replace(trace, steps=[replace(record, q_halt_logit=logit) for record, logit in zip(trace.steps, logits)])


def test_the_threshold_stays_on_the_logit_chart_when_every_logit_is_below_it():
    trace = read_trace_file(TRACE)  # logits near -11 all the way, the threshold's logit is 0
    low, high = logit_figure(trace, 1).layout.yaxis.range
    assert low < -11 and high >= 0.0


def test_the_threshold_label_leaves_the_corner_where_the_line_crosses_it():
    trace = read_trace_file(TRACE)
    crossing_early = [-0.5, 0.4, 3, 5, 6, 7, 7.5, 8, 8, 8, 8, 8, 8, 8, 8, 8]  # crosses the threshold at steps 1-2
    figure = logit_figure(_with_logits(trace, crossing_early), 1)
    label = next(note for note in figure.layout.annotations if note.text.startswith("threshold"))
    assert label.xanchor == "right"
    crossing_late = [-8, -8, -8, -8, -8, -8, -8, -8, -8, -8, -8, -8, -8, -6, -0.3, 3]
    label = next(note for note in logit_figure(_with_logits(trace, crossing_late), 1).layout.annotations
                 if note.text.startswith("threshold"))
    assert (label.xanchor, label.yanchor) == ("left", "bottom")  # the usual place: above the line, at the left


def test_the_change_label_of_an_intervention_sits_on_the_roomier_side_of_its_line():
    trace = read_trace_file(TRACE)  # 16 steps
    def change_label(after):
        figure = two_runs_figure(trace, trace, ("untouched", "altered"), 1, change_after=after)
        return next(note for note in figure.layout.annotations if note.text == "change")
    assert change_label(1).xanchor == "left"  # right of the line after step 1, clear of the y axis's ticks
    assert change_label(12).xanchor == "right"


def test_axis_titles_are_as_large_as_the_page_text_and_ticks_nearly_so():
    from app_ui.training_charts import Series, curve_figure
    trace = read_trace_file(TRACE)
    figures = [logit_figure(trace, 1), halting_figure(trace, 1), accuracy_figure(trace, 1),
               curve_figure("loss", [Series("run", [1, 2], [0.5, 0.4], "#123456")], smoothing=0.0)]
    for figure in figures:  # Streamlit's theme would draw 12 px ticks, small on a projector
        for axis in (figure.layout.xaxis, figure.layout.yaxis):
            assert axis.title.font.size >= 16 and axis.tickfont.size >= 14
