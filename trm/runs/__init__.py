"""Run folders: the one owner of what ``python -m trm.train`` writes under ``RUN_DIR`` and of every read of it.

The layout (file names, the runs root), the metrics log (one writer, one tolerant reader), the status heartbeat,
the writer's lock, the resumable state, the run's config and launch record, the listing the app shows (RunInfo),
the curves (smoothing, speed, ETA) and the history a model card tells (held-out curve, hardware, compared runs).
It imports nothing from training, export or run control: they all build on it.
"""

from trm.runs.curves import Curves, eta_seconds, format_duration, read_curves, smooth, steps_per_second
from trm.runs.history import compared_run, data_provenance, training_curve, training_hardware, training_metadata
from trm.runs.layout import data_root, is_inside_data_root, resolve_run_path, runs_root
from trm.runs.listing import RunInfo, list_runs, read_run
from trm.runs.lock import RunBusyError
from trm.runs.metrics import MetricsLog, read_metrics
from trm.runs.state import RunState, load_run_state
from trm.runs.tensorboard_log import tensorboard_available
from trm.runs.train_log import log_tail

__all__ = ["Curves", "MetricsLog", "RunBusyError", "RunInfo", "RunState", "compared_run", "data_provenance",
           "data_root", "eta_seconds", "format_duration", "is_inside_data_root", "list_runs", "load_run_state",
           "log_tail", "read_curves", "read_metrics", "read_run", "resolve_run_path", "runs_root", "smooth",
           "steps_per_second", "tensorboard_available", "training_curve", "training_hardware", "training_metadata"]
