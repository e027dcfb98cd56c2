"""Faster-recipe options of the trainer, each off by default: the CGAR depth curriculum recurses shallower early in
training and never in evaluation."""

import pytest
import torch

from trm.data import load_split
from trm.errors import ConfigError
from trm.model.config import ModelConfig
from trm.train.config import TrainConfig
from trm.train.curriculum import recursion_depth
from trm.train.device import setup_runtime
from trm.train.trainer import Trainer

TINY = ModelConfig(grid_size=4, hidden_size=16, layers=1, answer_cycles=3, latent_steps=6, max_supervision_steps=3,
                   prefix_len=2, swiglu_multiple=16)


def _trainer(data, **train) -> Trainer:
    config = TrainConfig(data_dir=str(data), batch_size=8, augmentations=2, warmup_steps=1, **train)
    return Trainer(TINY, config, load_split(data, "train"), setup_runtime("cpu"))


def _calls_per_step(trainer: Trainer, steps: int) -> list[int]:
    counted, original = [], trainer.model.net.step

    def counting(state, injection):
        counted[-1] += 1
        return original(state, injection)

    trainer.model.net.step = counting
    for _ in range(steps):
        counted.append(0)
        trainer.train_step()
    return counted


def test_cgar_recurses_a_third_then_two_thirds_then_fully_deep(sudoku4_data):
    trainer = _trainer(sudoku4_data, total_steps=10, depth_curriculum="cgar")
    calls = _calls_per_step(trainer, 10)
    # (n, T) = (2, 1) for steps 1-3, (4, 2) for 4-6, then (6, 3): T * (n + 1) network calls each
    assert calls == [3] * 3 + [10] * 3 + [21] * 4
    assert trainer.model.training_depth is None  # only around the trainer's own forward
    evaluated = _calls_per_step(_trainer(sudoku4_data, total_steps=10), 1)
    assert evaluated == [21]  # no curriculum: the full depth from the first step


def test_the_schedule_scales_the_models_depth_and_depends_only_on_the_step():
    paper = ModelConfig()  # n = 6, T = 3
    assert [recursion_depth("cgar", paper, step, 1000) for step in (1, 300, 301, 600, 601, 1000)] == \
        [(2, 1), (2, 1), (4, 2), (4, 2), None, None]
    deeper = ModelConfig(latent_steps=9, answer_cycles=6)
    assert recursion_depth("cgar", deeper, 1, 100) == (3, 2) and recursion_depth("cgar", deeper, 31, 100) == (6, 4)
    assert recursion_depth("none", paper, 1, 100) is None
    with pytest.raises(ConfigError, match="depth_curriculum"):
        TrainConfig(depth_curriculum="fast")


def test_the_ema_copy_and_inference_run_the_full_depth_during_a_curriculum(sudoku4_data):
    trainer = _trainer(sudoku4_data, total_steps=10, depth_curriculum="cgar")
    trainer.train_step()
    model = trainer.ema_model()
    assert model.training_depth is None
    calls = []
    model.net.step = lambda state, injection, original=model.net.step: calls.append(1) or original(state, injection)
    with torch.no_grad():
        y, z = model.initial_state(1)
        model(torch.ones(1, 16, dtype=torch.long) + 1, y, z)
    assert len(calls) == 21
