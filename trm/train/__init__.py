"""Training: configs and presets, optimisers, the trainer, resumable runs and the ``python -m trm.train`` CLI."""

from trm.train.config import PRESETS, Preset, TrainConfig, get_preset

__all__ = ["PRESETS", "Preset", "TrainConfig", "get_preset"]
