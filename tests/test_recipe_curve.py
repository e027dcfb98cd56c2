"""bench/recipe_curve.py reads runs' held-out curves from their logs: the shipped run and the first recipe try
side by side, with the wall time at which each first reached each target (or "not reached")."""

import sys
from pathlib import Path

from bench import recipe_curve

REPO = Path(__file__).resolve().parents[1]


def test_the_recipe_table_compares_the_shipped_run_with_a_try(monkeypatch, capsys):
    runs = [REPO / "training_state" / "sudoku9-mlp", REPO / "training_state" / "recipe-muon-normed-3k"]
    points = recipe_curve.curve(runs[1])
    assert [step for step, *_ in points] == [1000, 2000, 3000] and points[-1][2] > 0.16
    assert all(wall is not None and wall > 0 for _, wall, _, _ in points)
    monkeypatch.setattr(sys, "argv", ["recipe_curve.py", *map(str, runs), "--targets", "0.1", "0.737"])
    recipe_curve.main()
    table = capsys.readouterr().out.splitlines()
    assert "| 3,000 | 2.30 | 8.2 | 16.9% | 66.6% |" in table  # 3,000 steps of 768 puzzles
    assert "| sudoku9-mlp | 25.9 | 102.3 |" in table  # 18.1% first at 10,000 steps, 74.1% at 46,000
    assert "| recipe-muon-normed-3k | 8.2 | not reached |" in table


def test_a_folder_without_a_metrics_log_is_refused_by_name(tmp_path):
    import pytest

    with pytest.raises(SystemExit, match="is not a training run: it has no metrics.jsonl"):
        recipe_curve.curve(tmp_path)


def test_a_run_list_with_a_folder_that_is_no_run_prints_no_table(tmp_path, monkeypatch, capsys):
    import pytest

    monkeypatch.setattr("sys.argv", ["recipe_curve.py", str(tmp_path)])
    with pytest.raises(SystemExit):
        recipe_curve.main()
    captured = capsys.readouterr()
    assert captured.out == "" and f"not a training run (no metrics.jsonl): {tmp_path}" in captured.err
