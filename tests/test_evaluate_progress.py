"""An evaluation's progress bar counts puzzle-steps, so a set that fits one batch still moves at every step."""

import numpy as np

import trm.evaluate.accuracy as accuracy
from trm.evaluate import evaluate_model
from trm.model.build import build_model
from trm.model.config import ModelConfig
from trm.model.tokens import encode_grids


class _Bar:
    def __init__(self, total, **kwargs):
        self.total, self.updates = total, []
        _Bar.made.append(self)

    def update(self, count):
        self.updates.append(count)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_one_batch_moves_the_bar_after_every_step(monkeypatch):
    _Bar.made = []
    monkeypatch.setattr(accuracy, "tqdm", _Bar)
    config = ModelConfig(grid_size=4, hidden_size=16, swiglu_multiple=16, max_supervision_steps=3)
    grids = encode_grids(np.array([[1, 0, 0, 4, 0, 4, 1, 0, 0, 1, 4, 0, 4, 0, 0, 1]] * 5, dtype=np.int8))
    evaluate_model(build_model(config), grids, grids, batch_size=4, show_progress=True)
    bar, = _Bar.made
    assert bar.total == 5 * 3 and bar.updates == [4, 4, 4, 1, 1, 1]  # two batches of 4 and 1, three steps each
