"""The Tiny Recursive Model, its config, the ACT carry and loss, and FLOP counts."""

from trm.model.config import MAX_SUPERVISION_STEPS, ModelConfig
from trm.model.flops import peak_flops, training_flops_per_sample
from trm.model.layers import rms_norm
from trm.model.trm import TinyRecursiveModel, count_parameters

__all__ = ["MAX_SUPERVISION_STEPS", "ModelConfig", "TinyRecursiveModel", "count_parameters", "peak_flops", "rms_norm",
           "training_flops_per_sample"]
