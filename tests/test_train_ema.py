"""The EMA that is evaluated and exported: it can follow the live weights until a start step, then averages."""

import pytest
import torch

from trm.data import load_split
from trm.errors import ConfigError
from trm.model.config import ModelConfig
from trm.train.config import TrainConfig
from trm.train.device import setup_runtime
from trm.train.trainer import Trainer

TINY = ModelConfig(grid_size=4, hidden_size=16, layers=1, answer_cycles=2, latent_steps=2, max_supervision_steps=3,
                   prefix_len=2, swiglu_multiple=16)


def _trainer(data, **train) -> Trainer:
    config = TrainConfig(data_dir=str(data), batch_size=8, augmentations=2, warmup_steps=1, **train)
    return Trainer(TINY, config, load_split(data, "train"), setup_runtime("cpu"))


def test_the_ema_follows_the_weights_until_its_start_step_then_averages(sudoku4_data):
    trainer = _trainer(sudoku4_data, total_steps=6, ema_start_step=3, ema_rate=0.9)
    names = list(trainer.ema.shadow)
    live = lambda: {n: p.detach().clone() for n, p in trainer.model.named_parameters() if n in names}  # noqa: E731
    for _ in range(2):  # steps 1 and 2: before the start, the average is the live weights
        trainer.train_step()
        assert all(torch.equal(trainer.ema.shadow[n], w) for n, w in live().items())
    before = {n: t.clone() for n, t in trainer.ema.shadow.items()}
    trainer.train_step()  # step 3: the first averaging step, 0.9 old + 0.1 new
    after = live()
    for n in names:
        torch.testing.assert_close(trainer.ema.shadow[n], 0.9 * before[n] + 0.1 * after[n])
    assert any(not torch.equal(trainer.ema.shadow[n], after[n]) for n in names)
    with pytest.raises(ConfigError, match="ema_start_step must be >= 0"):
        TrainConfig(ema_start_step=-1)
