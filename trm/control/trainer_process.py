"""Trainer processes started from the app: spawned detached, logged to train.log, reaped, and never two at once
in one run folder.

A trainer started here is ``python -m trm.train`` in its own session (it survives page reruns, a closed browser
tab and a restarted app), with stdout and stderr appended to ``RUN_DIR/train.log``; ``RUN_DIR/launch.json``
records its pid and arguments.
"""

import fcntl
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from trm.runs.launch_record import write_launch_record
from trm.runs.layout import LAUNCH_LOCK, REPO, TRAIN_LOG
from trm.runs.listing import read_run
from trm.runs.lock import RunBusyError, process_is_trainer

_CHILDREN: dict[int, subprocess.Popen] = {}  # kept so finished children are reaped (no zombies, no warnings)
_REAPING = threading.Lock()  # every browser session's page polls from its own thread


def reap_children() -> None:
    """Collect the exit status of finished children, so no zombie of ours holds a run's lock."""
    with _REAPING:
        for pid, child in list(_CHILDREN.items()):
            if child.poll() is None and not process_is_trainer(pid):
                try:
                    child.wait(timeout=10)  # exiting now: its command line is gone, its zombie is not there yet
                except subprocess.TimeoutExpired:
                    continue
            if child.returncode is not None:
                _CHILDREN.pop(pid, None)


@contextmanager
def launch_guard(run_dir: Path) -> Iterator[None]:
    """Serialise launches into one folder (two page sessions pressing Start at once): one wins, one is refused."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with (run_dir / LAUNCH_LOCK).open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise RunBusyError(f"Another start of {run_dir} is under way; wait a moment and refresh.") from error
        yield


def refuse_if_alive(run_dir: Path, action: str) -> None:
    """Raise RunBusyError when a trainer is writing ``run_dir``; ``action`` says what the user wanted to do."""
    reap_children()
    run = read_run(run_dir)
    if run.is_alive:
        raise RunBusyError(f"Run {run_dir.name} is being written by process {run.pid}; stop it before you {action}.")


def spawn_trainer(run_dir: Path, args: list[str]) -> int:
    """Run ``python -m trm.train ARGS`` detached, logging to train.log; record it in launch.json; return its pid."""
    command = [sys.executable, "-m", "trm.train", *args]
    environment = {**os.environ, "PYTHONUNBUFFERED": "1",
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    with (run_dir / TRAIN_LOG).open("ab") as log:
        gap = "\n" if log.tell() else ""  # a blank line between launches of one run, none before the first
        log.write(f"{gap}$ {' '.join(command)}\n".encode())
        log.flush()
        child = subprocess.Popen(command, cwd=REPO, env=environment, stdin=subprocess.DEVNULL, stdout=log,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    _CHILDREN[child.pid] = child
    write_launch_record(run_dir, child.pid, args)
    return child.pid
