"""bench/train_step.py times a recipe's settings: --set changes the model and the training config it runs."""

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

from trm.model.flops import training_flops_per_sample
from trm.train import get_preset

REPO = Path(__file__).resolve().parents[1]


def test_set_changes_the_timed_model_and_config(sudoku4_data):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "bench/train_step.py", "--preset", "sudoku4-tiny", "--steps", "2", "--warmup", "1",
               "--device", "cpu", "--set", "model.answer_cycles=1", "--set", f"train.data_dir={sudoku4_data}",
               "--set", "train.batch_size=8"]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-1500:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["batch_size"] == 8 and "model.answer_cycles=1" in report["settings"]
    preset = get_preset("sudoku4-tiny").model
    shallow = dataclasses.replace(preset, answer_cycles=1)
    assert report["gflop_per_sample_step"] == round(training_flops_per_sample(shallow) / 1e9, 2)
    assert report["gflop_per_sample_step"] != round(training_flops_per_sample(preset) / 1e9, 2)
    bad = subprocess.run([*command[:-2], "--set", "train.nonsense=1"], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode != 0 and "Unknown train field 'nonsense'" in bad.stderr


def test_a_flag_and_a_set_naming_the_same_field_are_refused():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for flags, message in ((["--batch-size", "16", "--set", "train.batch_size=8"], "--batch-size and --set "
                            "train.batch_size both set"),
                           (["--no-compile", "--set", "train.compile=true"], "--no-compile and --set train.compile"),
                           (["--compile-mode", "reduce-overhead", "--set", "train.compile_mode=default"],
                            "--compile-mode and --set train.compile_mode")):
        done = subprocess.run([sys.executable, "bench/train_step.py", "--preset", "sudoku4-tiny", "--device", "cpu",
                               *flags], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and message in done.stderr, done.stderr[-500:]
