"""A model trained with softmax cross-entropy shows softmax confidences, one trained with stable-max stable-max
ones: load_model reads the loss from the checkpoint's record of its training (an export's card data, a run's
best/ folder or the run beside it, a converted model's source), and the trace reads the logits through it."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from trm.checkpoint import load_model, save_model
from trm.model.build import build_model
from trm.model.config import ModelConfig
from trm.model.stablemax import stablemax_probabilities
from trm.trace import run_trace
from trm.trained_loss import trained_answer_loss

CONFIG = ModelConfig(grid_size=4, hidden_size=16, answer_cycles=2, latent_steps=2, max_supervision_steps=2,
                     prefix_len=2, swiglu_multiple=16)
PUZZLE = np.array([1, 0, 0, 4, 0, 4, 1, 0, 0, 1, 4, 0, 4, 0, 0, 1], dtype=np.int8)
REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("metadata, expected", [
    ({"training": {"answer_loss": "softmax"}}, "softmax"),  # an export
    ({"answer_loss": "softmax", "step": 3}, "softmax"),  # a run's best/
    ({"converted_from": {"loss_type": "softmax_cross_entropy"}}, "softmax"),  # the reference's or nano-trm's
    ({"converted_from": {"loss_type": "stablemax_cross_entropy"}}, "stablemax"),
    ({"training": {"answer_loss": "something else"}}, "stablemax"),
    ({}, "stablemax"),
])
def test_the_loss_comes_from_the_checkpoint_s_record(metadata, expected, tmp_path):
    assert trained_answer_loss(metadata, tmp_path / "model") == expected


def test_a_run_s_best_folder_without_a_record_reads_the_run_beside_it(tmp_path):
    (tmp_path / "run.json").write_text(json.dumps({"train": {"answer_loss": "softmax"}}))
    assert trained_answer_loss({"step": 5}, tmp_path / "best") == "softmax"
    (tmp_path / "run.json").write_text("{not json")
    assert trained_answer_loss({"step": 5}, tmp_path / "best") == "stablemax"


def test_a_softmax_model_s_trace_shows_softmax_confidences(tmp_path):
    model = build_model(CONFIG)
    save_model(tmp_path / "soft", model, {"training": {"answer_loss": "softmax"}})
    save_model(tmp_path / "stable", model, {})
    soft, stable = load_model(tmp_path / "soft").model, load_model(tmp_path / "stable").model
    assert (soft.answer_loss, stable.answer_loss) == ("softmax", "stablemax")
    soft_trace, stable_trace = (run_trace(m, PUZZLE, steps=1, with_pca=False, compiled=False) for m in (soft, stable))
    with torch.no_grad():
        logits = next(iter_logits(soft))
    np.testing.assert_allclose(soft_trace.steps[0].confidence, torch.softmax(logits.double(), -1).max(-1).values,
                               rtol=1e-5)
    np.testing.assert_allclose(stable_trace.steps[0].confidence, stablemax_probabilities(logits).max(-1).values,
                               rtol=1e-5)


def iter_logits(model):
    from trm.inference import iter_steps
    from trm.model.tokens import encode_grids
    for output in iter_steps(model, encode_grids(PUZZLE[None]), 1, compiled=False):
        yield output.logits[0]


def test_the_shipped_models_read_their_own_losses():
    assert load_model(REPO / "checkpoints" / "sudoku9-fast").model.answer_loss == "softmax"
    assert load_model(REPO / "checkpoints" / "sudoku9-mlp").model.answer_loss == "stablemax"
