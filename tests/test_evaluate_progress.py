"""An evaluation's progress bar counts puzzle-steps, so a set that fits one batch still moves at every step."""

import numpy as np
import pytest
import torch

import trm.evaluate.progress as progress
from trm.evaluate import evaluate_model
from trm.evaluate.agreement import evaluate_agreement
from trm.evaluate.predictions import predict
from trm.evaluate.views import evaluate_views
from trm.model.build import build_model
from trm.model.config import ModelConfig
from trm.model.tokens import encode_grids

PUZZLE = [1, 0, 0, 4, 0, 4, 1, 0, 0, 1, 4, 0, 4, 0, 0, 1]
SOLUTION = [1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1]


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


def _tiny_model():
    torch.manual_seed(0)
    return build_model(ModelConfig(grid_size=4, hidden_size=16, swiglu_multiple=16, max_supervision_steps=3))


def test_one_batch_moves_the_bar_after_every_step(monkeypatch):
    _Bar.made = []
    monkeypatch.setattr(progress, "progress_bar", _Bar)
    grids = encode_grids(np.array([PUZZLE] * 5, dtype=np.int8))
    evaluate_model(_tiny_model(), grids, grids, batch_size=4, show_progress=True)
    bar, = _Bar.made
    assert bar.total == 5 * 3 and bar.updates == [4, 4, 4, 1, 1, 1]  # two batches of 4 and 1, three steps each


@pytest.mark.parametrize("run", [
    lambda model, puzzles, solutions: evaluate_views(model, puzzles, solutions, 3, batch_size=4, show_progress=True),
    lambda model, puzzles, solutions: predict(model, puzzles.numpy(), batch_size=4, show_progress=True),
])
def test_views_and_predictions_move_the_bar_after_every_step_of_a_batch(run, monkeypatch):
    _Bar.made = []
    monkeypatch.setattr(progress, "progress_bar", _Bar)
    run(_tiny_model(), torch.tensor([PUZZLE] * 5), torch.tensor([SOLUTION] * 5))
    bar, = _Bar.made
    assert bar.total == 5 * 3 and bar.updates == [4, 4, 4, 1, 1, 1]  # per puzzle, however many views it has


def test_agreement_fills_the_bar_even_where_its_puzzles_stop_early(monkeypatch):
    _Bar.made = []
    monkeypatch.setattr(progress, "progress_bar", _Bar)
    evaluate_agreement(_tiny_model(), torch.tensor([PUZZLE] * 5), torch.tensor([SOLUTION] * 5), views=2, agree=1,
                       threshold=1e-6, batch_size=4, show_progress=True)  # every view halts at once
    bar, = _Bar.made
    assert bar.total == 5 * 3 and sum(bar.updates) == 15 and bar.updates[0] == 4  # step 1 of the first batch
