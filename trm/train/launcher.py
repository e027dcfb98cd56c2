"""Start, stop, resume, delete and export training runs from another process (the app), without Streamlit.

A run started here is ``python -m trm.train`` in its own session (it survives page reruns, a closed browser tab
and a restarted app), with stdout and stderr appended to ``RUN_DIR/train.log``. ``RUN_DIR/launch.json`` records
its pid, command line and start time. Stopping sends SIGTERM: the trainer saves a checkpoint and exits "stopped".
"""

import dataclasses
import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import torch

from trm.checkpoint import read_json, write_json
from trm.errors import CheckpointError, ConfigError, TRMError
from trm.train.config import get_preset
from trm.train.rundir import RunBusyError
from trm.train.runs import REPO, process_is_trainer, read_run

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_CHILDREN: dict[int, subprocess.Popen] = {}  # kept so finished children are reaped (no zombies, no warnings)


class RunStateError(TRMError):
    """The run is not in a state that allows the action (stop a finished run, resume without a checkpoint...)."""


@dataclass(frozen=True)
class DeviceInfo:
    """Where a new run will train: the trainer picks CUDA when PyTorch sees it."""

    is_cuda: bool
    name: str  # "CPU" or the GPU's name
    dtype: str  # "bfloat16" on CUDA (autocast), "float32" on the CPU
    is_compiled: bool  # torch.compile is used on CUDA when the preset's train.compile is on

    def describe(self) -> str:
        if self.is_cuda:
            return f"{self.name} (CUDA) · bf16 autocast · torch.compile"
        return "CPU · float32 (no CUDA GPU found)"


def detect_device() -> DeviceInfo:
    """The device ``python -m trm.train`` would choose on this machine (CUDA when available)."""
    if torch.cuda.is_available():
        return DeviceInfo(True, torch.cuda.get_device_name(0), "bfloat16", True)
    return DeviceInfo(False, "CPU", "float32", False)


def check_name(name: str, what: str = "Run name") -> str:
    """``name`` if it is a safe folder name (letters, digits, ``.``, ``_``, ``-``; 64 at most); else ConfigError."""
    if not NAME_PATTERN.fullmatch(name or ""):
        raise ConfigError(f"{what} {name!r} is not allowed: use 1-64 letters, digits, '.', '_' or '-', starting "
                          f"with a letter or digit.")
    return name


def _reap_children() -> None:
    """Collect the exit status of finished children, so no zombie of ours holds a run's lock."""
    for pid, child in list(_CHILDREN.items()):
        if child.poll() is None and not process_is_trainer(pid):
            try:
                child.wait(timeout=10)  # exiting right now: its command line is gone, its zombie is not there yet
            except subprocess.TimeoutExpired:
                continue
        if child.returncode is not None:
            del _CHILDREN[pid]


@contextmanager
def _launch_guard(run_dir: Path) -> Iterator[None]:
    """Serialise launches into one folder (two page sessions pressing Start at once): one wins, one is refused."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with (run_dir / ".launch.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise RunBusyError(f"Another start of {run_dir} is under way; wait a moment and refresh.") from error
        yield


def _refuse_if_alive(run_dir: Path, action: str) -> None:
    _reap_children()
    run = read_run(run_dir)
    if run.is_alive:
        raise RunBusyError(f"Run {run_dir.name} is being written by process {run.pid}; stop it before you {action}.")


def _spawn(run_dir: Path, args: list[str]) -> int:
    """Run ``python -m trm.train ARGS`` detached, logging to train.log; record it in launch.json; return its pid."""
    command = [sys.executable, "-m", "trm.train", *args]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
                   "PYTHONUNBUFFERED": "1"}
    with (run_dir / "train.log").open("ab") as log:
        log.write(f"\n$ {' '.join(command)}\n".encode())
        log.flush()
        child = subprocess.Popen(command, cwd=REPO, env=environment, stdin=subprocess.DEVNULL, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    _CHILDREN[child.pid] = child
    write_json(run_dir / "launch.json", {"pid": child.pid, "args": args, "started_at": time.time()})
    return child.pid


def start_run(runs_root: Path, name: str, preset: str, *, data_dir: str | None = None, steps: int | None = None,
              batch_size: int | None = None, lr: float | None = None, seed: int | None = None,
              device: str | None = None, train_overrides: dict[str, int | float] | None = None) -> Path:
    """Start a new run ``runs_root/name`` from ``preset`` in the background; returns its folder.

    The overrides are validated here (ConfigError names the bad field) so a bad value fails at once rather than
    in the log. Raises ConfigError for a bad name or a folder that already holds a run, RunBusyError while
    another process writes the folder.
    """
    run_dir = Path(runs_root) / check_name(name)
    fields = {"data_dir": data_dir, "total_steps": steps, "batch_size": batch_size, "lr": lr, "seed": seed,
              **(train_overrides or {})}
    fields = {key: value for key, value in fields.items() if value is not None}
    dataclasses.replace(get_preset(preset).train, **fields)  # raises ConfigError naming a bad field
    args = ["--preset", preset, "--out", str(run_dir.resolve())]
    args += [item for key, value in fields.items() for item in ("--set", f"train.{key}={value}")]
    args += ["--device", device] if device else []
    with _launch_guard(run_dir):
        _refuse_if_alive(run_dir, "start it again")
        if any((run_dir / name).exists() for name in ("run.json", "state", "metrics.jsonl", "status.json")):
            raise ConfigError(f"{run_dir} already holds a run: resume it, delete it, or choose another name.")
        _spawn(run_dir, args)
    return run_dir


def stop_run(run_dir: Path) -> int:
    """Ask the run's trainer to save a checkpoint and exit (SIGTERM); returns its pid. RunStateError if not alive."""
    _reap_children()
    run = read_run(run_dir)
    if run.pid is None:
        raise RunStateError(f"Run {run.name} is not running (it is {run.state}); there is nothing to stop.")
    launch_file = Path(run_dir) / "launch.json"
    launch = read_json(launch_file, "Launch record") if launch_file.exists() else {}
    write_json(launch_file, {**launch, "stop_requested_at": time.time()})
    os.kill(run.pid, signal.SIGTERM)
    return run.pid


def resume_run(run_dir: Path, steps: int | None = None, device: str | None = None) -> int:
    """Continue a stopped, crashed or finished run from its last checkpoint in the background; returns the pid.

    ``steps`` raises the run's total (needed to continue a finished run). A run that died before its first
    checkpoint starts again from step 0 with its original command (its partial metrics are dropped). Raises
    RunBusyError while it runs, RunStateError when there is nothing to continue from, ConfigError for bad steps.
    """
    run_dir = Path(run_dir)
    with _launch_guard(run_dir):
        _refuse_if_alive(run_dir, "resume it")
        run = read_run(run_dir)
        if steps is not None and steps <= run.step:
            raise ConfigError(f"Total steps must be above the run's step {run.step} to continue; got {steps}.")
        if run.state == "finished" and steps is None:
            raise RunStateError(f"Run {run.name} finished its {run.total_steps} steps; raise the total steps to "
                                f"train it further.")
        if run.is_resumable:
            args = ["--resume", str(run_dir.resolve()), *(["--steps", str(steps)] if steps else [])]
            return _spawn(run_dir, args + (["--device", device] if device else []))
        launch_file = run_dir / "launch.json"
        launch = read_json(launch_file, "Launch record") if launch_file.exists() else {}
        if not isinstance(launch.get("args"), list):
            raise RunStateError(f"Run {run_dir.name} has no checkpoint (state/) to resume from and was not "
                                f"started from the app; start a new run instead.")
        shutil.rmtree(run_dir / "best", ignore_errors=True)  # left by a session whose progress is lost
        for stale in ("metrics.jsonl", "status.json"):
            (run_dir / stale).unlink(missing_ok=True)
        args = [str(a) for a in launch["args"]] + (["--set", f"train.total_steps={steps}"] if steps else [])
        return _spawn(run_dir, args)


def delete_run(run_dir: Path) -> None:
    """Delete a run folder with its checkpoints; RunBusyError while its trainer is alive."""
    run_dir = Path(run_dir)
    _refuse_if_alive(run_dir, "delete it")
    if not run_dir.is_dir():
        raise RunStateError(f"Run folder {run_dir} does not exist (already deleted?).")
    shutil.rmtree(run_dir)


def export_run(run_dir: Path, name: str, checkpoints_root: Path, limit: int | None = 2_000) -> Path:
    """Export the run's best model to ``checkpoints_root/name`` with a model card; returns the folder.

    The card's held-out accuracy is measured on the exported bf16 weights over the run's test split (first
    ``limit`` puzzles). Raises RunBusyError while the run trains, ConfigError for a bad or taken name,
    CheckpointError when the run has no best model yet.
    """
    from trm.export import export_checkpoint  # trm.export imports trm.train: import here to avoid a cycle

    run_dir = Path(run_dir)
    destination = Path(checkpoints_root) / check_name(name, "Checkpoint name")
    _refuse_if_alive(run_dir, "export it")
    if destination.exists():
        raise ConfigError(f"{destination} already exists: choose another checkpoint name.")
    if not (run_dir / "best" / "config.json").exists():
        raise CheckpointError(f"Run {run_dir.name} has no best model yet (best/ is written at the first held-out "
                              f"evaluation); train it longer, then export.")
    config = read_json(run_dir / "run.json", "Run config")
    data_dir = Path(str(config.get("train", {}).get("data_dir", "")))
    data_dir = data_dir if data_dir.is_absolute() else REPO / data_dir
    sets = {"held-out": str(data_dir)} if (data_dir / "test.npz").exists() else {}
    return export_checkpoint(run_dir, name, Path(checkpoints_root), "best", sets, limit=limit,
                             summary=f"Exported from run {run_dir.name} ({config.get('preset', '?')}).")
