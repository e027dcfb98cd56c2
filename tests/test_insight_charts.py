"""Insight's charts read right on small samples: whole puzzles on the halting histogram, each difficulty bar's
count on the bar, and no zoom bar over the legends."""

from app_ui import insight_charts
from trm import load_model
from trm.evaluate import InsightRun, fill_solutions, run_batch
from trm.sudoku import read_puzzle_csv


def _run(count: int) -> tuple[InsightRun, list[int]]:
    table, _ = fill_solutions(read_puzzle_csv("assets/puzzles/heldout_4x4.csv", limit=count))
    run = InsightRun(total=len(table), steps=2)
    run_batch(load_model("checkpoints/sudoku4").model, run, table.puzzles, table.solutions, batch_size=count)
    return run, [0] * count


def test_a_small_sample_counts_whole_puzzles_and_labels_each_difficulty_bar():
    run, backtracks = _run(3)
    halting = insight_charts.halting_figure(run, 0.5)
    assert halting.layout.yaxis.tickformat == "d" and halting.layout.yaxis.dtick == 1
    bars = insight_charts.difficulty_figure(run, backtracks)
    assert list(bars.data[0].text) == ["3"]
    assert insight_charts.CONFIG["modeBarButtons"] == [["toImage"]]
