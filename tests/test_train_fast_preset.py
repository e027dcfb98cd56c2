"""The sudoku9-fast preset is the recipe of the measured run it stands for (recipe try 6, whose logs are in
training_state/recipe-sic-k1-8k), it is the Train page's first 9x9 choice, and it trains on the CPU (its best/
model recording the softmax loss it trained with)."""

import json
from pathlib import Path

from app_ui.training_form import presets_for
from trm.train import get_preset
from trm.train.__main__ import main as train_main
from trm.runs import read_run
from tests.test_train import TINY

MEASURED_RUN = Path(__file__).parent.parent / "training_state" / "recipe-sic-k1-8k" / "run.json"
BOOKKEEPING = {"checkpoint_every"}  # how often a state is saved changes nothing the model learns


def test_the_preset_is_the_measured_run_s_recipe():
    measured = json.loads(MEASURED_RUN.read_text())
    preset = get_preset("sudoku9-fast")
    assert preset.model.to_dict() == measured["model"]
    train = preset.train.to_dict()
    differing = {name for name in train if train[name] != measured["train"][name]}
    assert differing == BOOKKEEPING, differing


def test_it_is_the_first_9x9_preset_offered():
    assert presets_for(9)[0] == "sudoku9-fast"


def test_it_trains_on_the_cpu(train_data_9x9, tmp_path):
    run = tmp_path / "fast"
    assert train_main(["--preset", "sudoku9-fast", "--out", str(run), "--steps", "6", "--data", str(train_data_9x9),
                       "--device", "cpu", *TINY]) == 0
    assert read_run(run).state == "finished"
    config = json.loads((run / "run.json").read_text())
    assert config["preset"] == "sudoku9-fast" and config["train"]["optimizer"] == "muon"
    assert config["model"]["swiglu"] == "normed" and config["train"]["answer_loss"] == "softmax"
    best = json.loads((run / "best" / "config.json").read_text())["metadata"]
    assert best["answer_loss"] == "softmax"  # its confidences are softmax probabilities (trm.trained_loss)
