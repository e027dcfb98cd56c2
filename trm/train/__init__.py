"""Training: configs and presets, optimisers, the sampler, the trainer, the loop that drives one run, the device
and process group it runs on, and the ``python -m trm.train`` CLI.

The run folder it writes belongs to ``trm.runs`` (a layer below). Starting runs from another process belongs to
``trm.control`` and exporting them to ``trm.export`` (layers above), which nothing here imports.
"""

from trm.train.config import COMPILE_MODES, PRESETS, Preset, TrainConfig, get_preset
from trm.train.device import Runtime, setup_runtime
from trm.train.overrides import override_config, parse_settings
from trm.train.trainer import Trainer

__all__ = ["COMPILE_MODES", "PRESETS", "Preset", "Runtime", "TrainConfig", "Trainer", "get_preset",
           "override_config", "parse_settings", "setup_runtime"]
