"""Start, stop, resume, delete and export training runs from another process (the app), without Streamlit.

Stopping sends SIGTERM: the trainer saves a checkpoint and exits "stopped". Every action first reaps finished
children and refuses a folder whose trainer is alive where the action would race it.
"""

import dataclasses
import os
import shutil
import signal
from pathlib import Path

from trm.checkpoint import check_folder_name
from trm.data import check_grid_size
from trm.control.trainer_process import launch_guard, reap_children, refuse_if_alive, spawn_trainer
from trm.errors import CheckpointError, ConfigError, TRMError
from trm.export import export_checkpoint
from trm.runs.launch_record import launched_args, read_launch_record, record_stop_request
from trm.runs.layout import BEST, METRICS, RUN_CONFIG, STATE, STATUS, data_root, is_inside_data_root, resolve_run_path
from trm.runs.listing import read_run
from trm.runs.tensorboard_log import TENSORBOARD, tensorboard_available
from trm.runs.run_config import read_run_config
from trm.train.config import get_preset



class RunStateError(TRMError):
    """The run is not in a state that allows the action (stop a finished run, resume without a checkpoint...)."""


def start_run(runs_root: Path, name: str, preset: str, *, data_dir: str | None = None, steps: int | None = None,
              batch_size: int | None = None, lr: float | None = None, seed: int | None = None,
              device: str | None = None, train_overrides: dict[str, int | float | str] | None = None,
              model_overrides: dict[str, int | float | str] | None = None, tensorboard: bool = False) -> Path:
    """Start a new run ``runs_root/name`` from ``preset`` in the background; returns its folder.

    The overrides are validated here (ConfigError names the bad field) so a bad value fails at once rather than
    in the log. ``tensorboard`` also writes TensorBoard events to the run's ``tensorboard/`` folder. Raises
    ConfigError for a bad name, a folder that already holds a run or tensorboard asked for but not installed,
    RunBusyError while another process writes the folder.
    """
    run_dir = Path(runs_root) / check_folder_name(name, "Run name")
    if data_dir is not None and not is_inside_data_root(data_dir):
        raise ConfigError(f"The data set folder must lie inside {data_root()} (the trainer builds a missing data set "
                          f"there), got {data_dir!r}.")
    fields = {"data_dir": data_dir, "total_steps": steps, "batch_size": batch_size, "lr": lr, "seed": seed,
              **(train_overrides or {})}
    fields = {key: value for key, value in fields.items() if value is not None}
    train = dataclasses.replace(get_preset(preset).train, **fields)  # raises ConfigError naming a bad field
    model = dataclasses.replace(get_preset(preset).model, **(model_overrides or {}))
    check_grid_size(resolve_run_path(train.data_dir), model.grid_size)  # the run would crash at its first step
    if tensorboard and not tensorboard_available():
        raise ConfigError("TensorBoard logging needs the tensorboard package: pip install tensorboard.")
    args = ["--preset", preset, "--out", str(run_dir.resolve())]
    args += [item for key, value in fields.items() for item in ("--set", f"train.{key}={value}")]
    args += [item for key, value in (model_overrides or {}).items() for item in ("--set", f"model.{key}={value}")]
    args += ["--tensorboard", str(run_dir.resolve() / TENSORBOARD)] if tensorboard else []
    args += ["--device", device] if device else []
    with launch_guard(run_dir):
        refuse_if_alive(run_dir, "start it again")
        if any((run_dir / name).exists() for name in (RUN_CONFIG, STATE, METRICS, STATUS)):
            raise ConfigError(f"{run_dir} already holds a run: resume it, delete it, or choose another name.")
        spawn_trainer(run_dir, args)
    return run_dir


def stop_run(run_dir: Path) -> int:
    """Ask the run's trainer to save a checkpoint and exit (SIGTERM); returns its pid. RunStateError if not alive."""
    reap_children()
    run = read_run(run_dir)
    if run.pid is None:
        raise RunStateError(f"Run {run.name} is not running (it is {run.state}); there is nothing to stop.")
    record_stop_request(run_dir)
    os.kill(run.pid, signal.SIGTERM)
    return run.pid


def resume_run(run_dir: Path, steps: int | None = None, device: str | None = None) -> int:
    """Continue a stopped, crashed or finished run from its last checkpoint in the background; returns the pid.

    ``steps`` raises the run's total (needed to continue a finished run). A run that died before its first
    checkpoint starts again from step 0 with its original command (its partial metrics are dropped). Raises
    RunBusyError while it runs, RunStateError when there is nothing to continue from, ConfigError for bad steps.
    """
    run_dir = Path(run_dir)
    with launch_guard(run_dir):
        refuse_if_alive(run_dir, "resume it")
        run = read_run(run_dir)
        if run.is_diverged:
            raise RunStateError(f"Run {run.name} diverged: resuming at its learning rate would diverge again. "
                                f"Start a new run with a lower learning rate.")
        if steps is not None and steps <= run.step:
            raise ConfigError(f"To continue, the step to resume up to must be above the run's step {run.step}; "
                              f"got {steps}.")
        if run.state == "finished" and steps is None:
            raise RunStateError(f"Run {run.name} finished its {run.total_steps} steps; raise the total steps to "
                                f"train it further.")
        if run.is_resumable:
            args = ["--resume", str(run_dir.resolve()), *(["--steps", str(steps)] if steps else [])]
            return spawn_trainer(run_dir, args + (["--device", device] if device else []))
        return _restart(run_dir, steps)


def _restart(run_dir: Path, steps: int | None) -> int:
    """Start a launched run that died before its first checkpoint again from step 0, with its own arguments."""
    args = launched_args(read_launch_record(run_dir))
    if args is None:
        raise RunStateError(f"Run {run_dir.name} has no checkpoint (state/) to resume from and was not "
                            f"started from the app; start a new run instead.")
    shutil.rmtree(run_dir / BEST, ignore_errors=True)  # left by a session whose progress is lost
    for stale in (METRICS, STATUS):
        (run_dir / stale).unlink(missing_ok=True)
    return spawn_trainer(run_dir, args + (["--set", f"train.total_steps={steps}"] if steps else []))


def delete_run(run_dir: Path) -> None:
    """Delete a run folder with its checkpoints; RunBusyError while its trainer is alive."""
    run_dir = Path(run_dir)
    refuse_if_alive(run_dir, "delete it")
    if not run_dir.is_dir():
        raise RunStateError(f"Run folder {run_dir} does not exist (already deleted?).")
    shutil.rmtree(run_dir)


def export_run(run_dir: Path, name: str, checkpoints_root: Path, limit: int | None = 2_000) -> Path:
    """Export the run's best model to ``checkpoints_root/name`` with a model card; returns the folder.

    The card's held-out accuracy is measured on the exported bf16 weights over the run's test split (first
    ``limit`` puzzles). Raises RunBusyError while the run trains, ConfigError for a bad or taken name,
    CheckpointError when the run has no best model yet.
    """
    run_dir = Path(run_dir)
    destination = Path(checkpoints_root) / check_folder_name(name, "Checkpoint name")
    refuse_if_alive(run_dir, "export it")
    if destination.exists():
        raise ConfigError(f"{destination} already exists: choose another checkpoint name.")
    if not (run_dir / BEST / "config.json").exists():
        raise CheckpointError(f"Run {run_dir.name} has no best model yet (best/ is written at the first held-out "
                              f"evaluation); train it longer, then export.")
    config = read_run_config(run_dir)
    data_dir = resolve_run_path(str(config.get("train", {}).get("data_dir", "")))
    sets = {"held-out": str(data_dir)} if (data_dir / "test.npz").exists() else {}
    return export_checkpoint(run_dir, name, Path(checkpoints_root), "best", sets, limit=limit,
                             summary=f"Exported from run {run_dir.name} ({config.get('preset', '?')}).")
