"""The 4x4 CPU preset (also the app's live training demo) reaches 100% held-out exact accuracy."""

import pytest

from trm.train.__main__ import main as train_main
from trm.runs import read_metrics


@pytest.mark.slow
def test_sudoku4_preset_solves_every_held_out_puzzle(tmp_path, sudoku4_data):
    assert train_main(["--preset", "sudoku4-tiny", "--out", str(tmp_path / "run"), "--data", str(sudoku4_data),
                       "--device", "cpu"]) == 0
    evals = [r for r in read_metrics(tmp_path / "run").records if r["kind"] == "eval"]
    assert evals[-1]["count"] == 500
    assert max(r["exact_accuracy"] for r in evals) == 1.0
