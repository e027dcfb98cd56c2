"""Training: configs and presets, optimisers, the trainer, resumable runs, the ``python -m trm.train`` CLI, and
the background-run API the Training page uses (start, stop, resume, delete, export, list, curves)."""

from trm.train.config import PRESETS, Preset, TrainConfig, get_preset
from trm.train.curves import read_curves, smooth
from trm.train.launcher import delete_run, detect_device, export_run, resume_run, start_run, stop_run
from trm.train.runs import RunInfo, list_runs, read_run

__all__ = ["PRESETS", "Preset", "RunInfo", "TrainConfig", "delete_run", "detect_device", "export_run", "get_preset",
           "list_runs", "read_curves", "read_run", "resume_run", "smooth", "start_run", "stop_run"]
