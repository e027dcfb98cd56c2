"""The 4x4 CPU preset (also the app's live training demo) reaches 100% held-out exact accuracy.

The whole preset takes about 2 minutes on a 2-core machine, so by default the test runs its first third (the
learning rate is constant after the warm-up: the same steps as the whole run's) and asks for 97%; with
``TRM_FULL_CHECKS=1`` it runs the whole preset and asks for the README's 100%.
"""

import os

import pytest

from trm.runs import read_metrics
from trm.train import get_preset
from trm.train.__main__ import main as train_main

FULL = os.environ.get("TRM_FULL_CHECKS") == "1"
PRESET = get_preset("sudoku4-tiny")


@pytest.mark.slow
def test_sudoku4_preset_solves_every_held_out_puzzle(tmp_path, sudoku4_data):
    # Where on the way it first reaches 100% depends on the processor's rounding (step 900 on one laptop CPU, step
    # 1,500 on an AVX-512 server), the end does not; both were at 99.8% or more by step 600.
    steps = PRESET.train.total_steps if FULL else PRESET.train.total_steps // 3
    assert PRESET.train.lr_schedule == "constant" and PRESET.train.warmup_steps < steps
    assert train_main(["--preset", "sudoku4-tiny", "--out", str(tmp_path / "run"), "--data", str(sudoku4_data),
                       "--device", "cpu", "--steps", str(steps)]) == 0
    evals = [r for r in read_metrics(tmp_path / "run").records if r["kind"] == "eval"]
    assert evals[-1]["count"] == 500 and evals[-1]["step"] == steps
    assert evals[-1]["exact_accuracy"] >= (1.0 if FULL else 0.97), evals[-1]
