"""Log-scale axes carry whole-number labels at 1-2-5 of each decade (Plotly's own labels its minor ticks with a
bare digit, "3" for 30 above "10"), on the trace's movement chart and the Train page's log charts."""

from pathlib import Path

from app_ui.log_ticks import MOST_TICKS, log_axis_ticks, tick_label
from app_ui.trace_charts import movement_figure
from app_ui.training_charts import Series, curve_figure
from trm.trace.json_form import read_trace_file

TRACE = Path(__file__).resolve().parents[1] / "assets" / "traces" / "easter-monster-16.json"


def test_ticks_are_the_sparsest_of_decades_1_2_5_or_digits_giving_three_labels():
    assert log_axis_ticks([3.1, 30.5]) == {"tickvals": [5.0, 10.0, 20.0], "ticktext": ["5", "10", "20"]}
    assert log_axis_ticks([0.004, 2.0])["ticktext"] == ["0.01", "0.1", "1"]
    assert log_axis_ticks([0.3, 0.62])["ticktext"] == ["0.3", "0.4", "0.5", "0.6"]
    many = log_axis_ticks([1e-12, 1e3])
    assert len(many["tickvals"]) <= MOST_TICKS and many["ticktext"][0] == "1e-12"
    assert log_axis_ticks([0.0, -1.0, float("nan"), float("inf")]) == {}
    assert [tick_label(v) for v in (2e-6, 0.005, 20.0, 1e5)] == ["2e-6", "0.005", "20", "1e5"]


def test_the_movement_chart_labels_its_log_axis_with_whole_values_inside_the_data():
    trace = read_trace_file(TRACE)
    figure = movement_figure(trace, 3)
    axis = figure.layout.yaxis
    values = [v for scatter in figure.data for v in scatter.y]
    assert axis.type == "log" and len(axis.tickvals) >= 3
    assert min(values) <= min(axis.tickvals) and max(axis.tickvals) <= max(values)
    assert list(axis.ticktext) == [tick_label(v) for v in axis.tickvals]


def test_a_log_scale_training_chart_gets_the_same_ticks():
    loss = Series("run", [0, 100, 200], [2.5, 0.9, 0.31], "#123456")
    figure = curve_figure("LM loss", [loss], 0.0, is_log_y=True)
    assert figure.layout.yaxis.type == "log" and list(figure.layout.yaxis.ticktext) == ["0.5", "1", "2"]
    assert curve_figure("empty", [], 0.0, is_log_y=True).layout.yaxis.tickvals is None
