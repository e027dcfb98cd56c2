"""The Tiny Recursive Model, its config, the ACT carry and loss, and FLOP counts."""

from trm.model.config import ModelConfig
from trm.model.trm import TinyRecursiveModel, count_parameters

__all__ = ["ModelConfig", "TinyRecursiveModel", "count_parameters"]
