"""Weights that go on training from a shipped model (``--init-from``, run after run) keep every earlier run on
record: each export's card names where its weights started, the runs before, oldest first, and their wall time."""

import json

from trm.export.checkpoint_export import export_checkpoint
from trm.train.__main__ import main as train_main


def _train(data, out, steps: int, init_from=None) -> None:
    args = ["--preset", "sudoku4-tiny", "--out", str(out), "--steps", str(steps), "--data", str(data),
            "--device", "cpu", "--set", "train.eval_every=2", "--set", "train.checkpoint_every=2",
            "--set", "train.log_every=1", "--set", "train.warmup_steps=1"]
    assert train_main([*args, *(["--init-from", str(init_from)] if init_from else [])]) == 0


def test_each_export_of_a_chain_lists_the_runs_its_weights_went_through(sudoku4_data, tmp_path):
    checkpoints = tmp_path / "checkpoints"
    _train(sudoku4_data, tmp_path / "first", 2)
    first = export_checkpoint(tmp_path / "first", "first", checkpoints, source="latest")
    first_card = (first / "MODEL_CARD.md").read_text()
    assert "Earlier runs" not in first_card and "started from" not in first_card  # random weights: nothing to say

    _train(sudoku4_data, tmp_path / "second", 4, init_from=first)
    second = export_checkpoint(tmp_path / "second", "second", checkpoints, source="latest")
    card = (second / "MODEL_CARD.md").read_text()
    assert f"- Weights: started from `{first}` (step 2 of its run, its bfloat16 files)" in card
    assert "- Earlier runs these weights went through, oldest first:" in card
    assert f"--out {tmp_path / 'first'} --steps 2" in card and "2 of 2 planned steps in" in card
    assert "- Wall time of both runs: " in card

    _train(sudoku4_data, tmp_path / "third", 2, init_from=second)
    third = export_checkpoint(tmp_path / "third", "third", checkpoints, source="latest")
    card = (third / "MODEL_CARD.md").read_text()
    earlier = json.loads((third / "config.json").read_text())["metadata"]["training"]["init_from"]["earlier"]
    assert [run["step"] for run in earlier] == [2, 4]  # oldest first, each run's own steps
    assert card.index(f"--out {tmp_path / 'first'}") < card.index(f"--out {tmp_path / 'second'}")
    assert "- Wall time of all 3 runs: " in card
    assert "- Optimiser steps of all 3 runs: 8\n" in card  # 2 + 4 + 2: what these weights went through


def test_the_total_wall_time_counts_an_older_record_that_kept_only_hours():
    from trm.export.card import render_model_card
    from trm.model.config import ModelConfig

    shipped = {"command": "python -m trm.train --preset sudoku4-tiny", "step": 8000, "total_steps": 8000,
               "wall_hours": 0.12, "hardware": "CPU"}  # a card written before wall_seconds was kept
    training = {"command": "python -m trm.train --init-from checkpoints/sudoku4", "step": 20, "total_steps": 20,
                "wall_seconds": 30.0, "hardware": "CPU",
                "init_from": {"path": "checkpoints/sudoku4", "step": 8000, "dtype": "bfloat16", "earlier": [shipped]}}
    card = render_model_card("tuned", ModelConfig(grid_size=4, hidden_size=16), {"training": training}, [])
    assert "- Wall time: 30 s on CPU" in card and "8,000 of 8,000 planned steps in 0.12 h on CPU" in card
    assert "- Wall time of both runs: 7.7 min" in card  # 432 s + 30 s
    assert "- Optimiser steps of both runs: 8,020" in card
    assert "- Status: n/a" in card
    training["heldout_curve"] = [{"step": 20, "count": 50, "steps": 4, "exact_accuracy": 0.5, "cell_accuracy": 0.8}]
    card = render_model_card("tuned", ModelConfig(grid_size=4, hidden_size=16), {"training": training}, [])
    assert "Only the last of its runs: the steps count from that run's start." in card  # 20, not 8,020


def test_weights_started_from_a_runs_best_folder_name_that_run(sudoku4_data, tmp_path):
    _train(sudoku4_data, tmp_path / "first", 2)
    _train(sudoku4_data, tmp_path / "second", 2, init_from=tmp_path / "first" / "best")
    card = (export_checkpoint(tmp_path / "second", "second", tmp_path / "checkpoints") / "MODEL_CARD.md").read_text()
    assert f"- Weights: started from `{tmp_path / 'first' / 'best'}` (step 2 of its run" in card
    earlier = next(line for line in card.splitlines() if line.startswith("  - `"))  # python or python3 first
    assert f" -m trm.train --preset sudoku4-tiny --out {tmp_path / 'first'} --steps 2" in earlier
    assert "- Wall time of both runs: " in card
