"""The shipped checkpoints load, and `python -m trm.evaluate` reproduces the accuracy their model cards state."""

import json
import subprocess
from pathlib import Path

import pytest

from trm.evaluate.cli import main as evaluate_main

REPO = Path(__file__).resolve().parents[1]


def _shipped() -> list[Path]:
    """The checkpoints the repository ships: those git tracks (a user's own exports in checkpoints/ are not
    checked against the shipped cards' standards); every folder where there is no git checkout."""
    folders = [p for p in (REPO / "checkpoints").glob("*") if (p / "config.json").exists()]
    try:
        tracked = subprocess.run(["git", "ls-files", "checkpoints"], cwd=REPO, capture_output=True, text=True,
                                 check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return sorted(folders)
    return sorted(p for p in folders if f"checkpoints/{p.name}/config.json" in tracked)


CHECKPOINTS = _shipped()
SMALL = [p for p in CHECKPOINTS if json.loads((p / "config.json").read_text())["model"]["grid_size"] <= 6]


def test_small_models_ship_for_4x4_and_6x6():
    assert {p.name for p in SMALL} >= {"sudoku4", "sudoku6"}


@pytest.mark.parametrize("checkpoint", SMALL, ids=lambda p: p.name)
def test_evaluate_reproduces_the_model_card(checkpoint, capsys):
    card = json.loads((checkpoint / "config.json").read_text())["metadata"]["evaluations"][0]
    data = REPO / card["data"]
    assert data.exists(), f"the card's held-out set {card['data']} must ship with the repo"
    assert evaluate_main(["--checkpoint", str(checkpoint), "--data", str(data), "--device", "cpu", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["count"] == card["result"]["count"]
    assert result["precision"] == "float32"  # bf16 autocast is for CUDA only
    assert result["exact_accuracy"] == pytest.approx(card["result"]["exact_accuracy"], abs=0.005)
    assert result["accuracy_by_step"] == pytest.approx(card["result"]["accuracy_by_step"], abs=0.005)
    assert (checkpoint / "MODEL_CARD.md").read_text().count("%") > 3


LARGE = [p for p in CHECKPOINTS if p not in SMALL]
SAMPLE_PUZZLES = 4  # the paper-size model costs ~410 GFLOP per puzzle at 16 steps: a CPU smoke check, not a rerun
SAMPLE_STEPS = 8  # the card records the accuracy after every step: half the steps check it at half the cost


@pytest.mark.slow
@pytest.mark.parametrize("checkpoint", LARGE, ids=lambda p: p.name)
def test_large_model_reproduces_its_card_on_a_small_sample(checkpoint, capsys):
    card = json.loads((checkpoint / "config.json").read_text())["metadata"]["evaluations"][0]
    assert evaluate_main(["--checkpoint", str(checkpoint), "--data", str(REPO / card["data"]), "--limit",
                          str(SAMPLE_PUZZLES), "--steps", str(SAMPLE_STEPS), "--device", "cpu", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["count"] == SAMPLE_PUZZLES and result["steps"] == SAMPLE_STEPS
    expected = card["result"]["cell_accuracy_by_step"][SAMPLE_STEPS - 1]
    assert result["cell_accuracy"] == pytest.approx(expected, abs=0.1)
