"""The run's config ``RUN_DIR/run.json``: preset, model and train configs, whether the optimiser state is saved,
the command that started the run and each command that resumed it. ``--resume`` needs nothing else."""

from pathlib import Path

from trm.checkpoint import read_json, write_json
from trm.runs.layout import RUN_CONFIG


def read_run_config(run_dir: str | Path) -> dict:
    """The run's config as saved; raises CheckpointError when it is missing or damaged."""
    return read_json(Path(run_dir) / RUN_CONFIG, "Run config")


def write_run_config(run_dir: str | Path, record: dict) -> None:
    """Replace the run's config atomically with ``record`` (a JSON object)."""
    write_json(Path(run_dir) / RUN_CONFIG, record)
