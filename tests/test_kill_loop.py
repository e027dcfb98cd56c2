"""SIGKILL a small training run again and again - at a random moment, while it writes its state, and between the
two renames of the state swap (held open by a test hook) - resuming after each kill: it ends with exactly the
weights of a run that was never interrupted."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from trm.checkpoint import HOLD_SWAP_ENV
from trm.runs import load_run_state

REPO = Path(__file__).resolve().parents[1]
TINY = ["--batch-size", "8", "--set", "model.hidden_size=16", "--set", "model.latent_steps=1",
        "--set", "model.answer_cycles=2", "--set", "model.max_supervision_steps=3", "--set", "model.prefix_len=2",
        "--set", "train.augmentations=2", "--set", "train.eval_puzzles=16", "--set", "train.eval_every=4",
        "--set", "train.log_every=2", "--set", "train.checkpoint_every=4", "--set", "train.warmup_steps=2"]
STEPS = 24


@pytest.fixture(scope="module")
def data_dir(train_data_9x9) -> Path:
    return train_data_9x9


def _start(args: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO), HOLD_SWAP_ENV: "0.4"}
    return subprocess.Popen([sys.executable, "-m", "trm.train", *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _kill_when(process: subprocess.Popen, ready, deadline_seconds: float = 90) -> bool:
    """SIGKILL ``process`` as soon as ``ready()``; False if it ended first."""
    deadline = time.time() + deadline_seconds
    while time.time() < deadline and process.poll() is None:
        if ready():
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True
        time.sleep(0.01)
    process.kill()
    process.wait()
    return False


def test_killed_again_and_again_it_ends_with_the_uninterrupted_weights(data_dir, tmp_path):
    straight = tmp_path / "straight"  # a process like the killed ones: this one's thread count may have been changed
    assert subprocess.run([sys.executable, "-m", "trm.train", "--preset", "sudoku9-mlp", "--out", str(straight),
                           "--steps", str(STEPS), "--data", str(data_dir), "--device", "cpu", *TINY],
                          env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True).returncode == 0
    run = tmp_path / "killed"
    first = ["--preset", "sudoku9-mlp", "--out", str(run), "--steps", str(STEPS), "--data", str(data_dir),
             "--device", "cpu", *TINY]
    again = ["--resume", str(run), "--steps", str(STEPS)]
    delay = random.Random(7).uniform(2, 6)  # seconds after the start: in the imports, a step or a save
    moments = {
        "inside the swap": lambda started: (run / "state.old").exists(),
        "while writing the state": lambda started: any(run.glob("state.tmp-*")),
        "at a random moment": lambda started: time.time() > started + delay,
    }
    kills = 0
    for name, ready in moments.items():
        args = first if not (run / "run.json").exists() else again
        started = time.time()
        killed = _kill_when(_start(args), lambda: ready(started))
        kills += killed
        assert (run / "run.json").exists(), f"nothing written before the kill {name}"
    assert kills >= 2  # the swap and the write are long enough to be caught
    finish = subprocess.run([sys.executable, "-m", "trm.train", *again], env={**os.environ, "PYTHONPATH": str(REPO)},
                            capture_output=True)
    assert finish.returncode in (0, 2)  # 2: a run that had already finished says so
    finished, expected = load_run_state(run), load_run_state(straight)
    assert finished.step == STEPS
    for key, tensor in expected.weights.items():
        assert torch.equal(tensor, finished.weights[key]), key
    assert sorted(p.name for p in run.glob("state*")) == ["state"]
