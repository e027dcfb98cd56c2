"""Build the model a config describes: TRM (token-mixing MLP or attention) or the flat gated-MLP baseline."""

import torch

from trm.model.config import ModelConfig
from trm.model.flat import FlatRecursiveModel
from trm.model.trm import RecursiveModel, TinyRecursiveModel


def build_model(config: ModelConfig, generator: torch.Generator | None = None) -> RecursiveModel:
    """A freshly initialised model for ``config`` (seeded by ``generator`` when given)."""
    if config.is_flat_baseline:
        return FlatRecursiveModel(config, generator)
    return TinyRecursiveModel(config, generator)
