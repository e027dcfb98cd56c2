"""Where runs live and the name of every file in a run folder: the one place that spells them.

A run folder ``RUN_DIR`` is written by ``python -m trm.train`` (rank 0 only) and read by the app and the export:

- ``run.json``: preset, model and train configs, the command that started the run and each that resumed it;
- ``metrics.jsonl``: the append-only metrics log (``trm.runs.metrics``);
- ``status.json``: state, pid, step and heartbeat (``trm.runs.status``);
- ``lock``: the pid of the process writing the folder (``trm.runs.lock``);
- ``state/``: the resumable state (``trm.runs.state``); ``best/``: the EMA model with the best held-out accuracy;
- ``launch.json`` and ``train.log``: only for runs started from the app (``trm.runs.launch_record``).
"""

import os
from pathlib import Path

RUNS_ENV = "TRM_STUDIO_RUNS"  # moves the runs root (tests point it at a temporary folder)
REPO = Path(__file__).resolve().parents[2]  # a launched trainer runs here, so a run's relative paths start here

RUN_CONFIG = "run.json"
METRICS = "metrics.jsonl"
STATUS = "status.json"
LOCK = "lock"
STATE = "state"
BEST = "best"
LAUNCH_RECORD = "launch.json"
TRAIN_LOG = "train.log"
LAUNCH_LOCK = ".launch.lock"  # serialises two launches into one folder; not a sign of a run by itself

RUN_FILES = (RUN_CONFIG, STATUS, LAUNCH_RECORD, METRICS, TRAIN_LOG, LOCK)  # any of them makes a folder a run


def runs_root() -> Path:
    """Where runs live: ``$TRM_STUDIO_RUNS`` when set, else ``runs/`` in the repository."""
    return Path(os.environ.get(RUNS_ENV) or REPO / "runs")


def resolve_run_path(path: str | Path) -> Path:
    """A path from a run's config (its data folder, say) as the trainer sees it: relative ones start at REPO."""
    path = Path(path)
    return path if path.is_absolute() else REPO / path


DATA_ENV = "TRM_STUDIO_DATA"


def data_root() -> Path:
    """Where the app's runs read and build their data sets: ``$TRM_STUDIO_DATA``, else ``data/``."""
    return Path(os.environ.get(DATA_ENV) or REPO / "data")


def is_inside_data_root(path: str | Path) -> bool:
    """Whether ``path`` (as the trainer resolves it) lies in the data root, after following ``..`` and links: a
    run started from the app builds a missing data set there, so it must not write anywhere else."""
    root = data_root().resolve()
    target = resolve_run_path(path).resolve()
    return target != root and root in target.parents


def may_start_run_in(folder: str | Path) -> bool:
    """Whether a new run may write ``folder``: it does not exist yet, is empty, or is already a run (one of
    RUN_FILES, or the app's launch lock, is there). Any other folder is someone else's and is never written."""
    folder = Path(folder)
    if not folder.exists():
        return True
    if not folder.is_dir() or folder.is_symlink():
        return False
    return not any(folder.iterdir()) or any((folder / name).exists() for name in (*RUN_FILES, LAUNCH_LOCK))
