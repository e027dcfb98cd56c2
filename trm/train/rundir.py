"""A run's folder: config, lock, status heartbeat and the append-only metrics log the app reads.

``RUN_DIR/run.json`` (preset, configs, command), ``metrics.jsonl`` (one JSON object per line),
``status.json`` (state, pid, step, heartbeat), ``lock`` (pid of the process writing the folder), ``state/``
(resumable state) and ``best/`` (the EMA model with the best held-out accuracy so far).
"""

import json
import os
import time
from pathlib import Path

from trm.checkpoint import read_json, write_json
from trm.errors import TRMError

STATES = ("running", "finished", "stopped", "crashed")


class RunBusyError(TRMError):
    """Another live process is writing this run folder."""


def is_process_alive(pid: int) -> bool:
    """Whether a process with this id exists (a zombie counts as alive: its parent has not reaped it yet)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunDir:
    """The files of one run. Only the rank-0 process writes them."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def acquire(self) -> None:
        """Take the folder's lock; raises RunBusyError if a live process already holds it."""
        self.path.mkdir(parents=True, exist_ok=True)
        lock = self.path / "lock"
        if lock.exists():
            text = lock.read_text().strip()
            if text.isdigit() and int(text) != os.getpid() and is_process_alive(int(text)):
                raise RunBusyError(f"Run folder {self.path} is being written by process {text}; stop it first or "
                                   f"choose another --out folder.")
        lock.write_text(str(os.getpid()))

    def release(self) -> None:
        (self.path / "lock").unlink(missing_ok=True)

    def write_status(self, state: str, step: int, total_steps: int, **fields) -> None:
        assert state in STATES, state
        write_json(self.path / "status.json", {"state": state, "pid": os.getpid(), "step": step,
                                               "total_steps": total_steps, "heartbeat": time.time(), **fields})

    def read_status(self) -> dict:
        return read_json(self.path / "status.json", "Run status")

    def append_metrics(self, record: dict) -> None:
        with (self.path / "metrics.jsonl").open("a") as handle:
            handle.write(json.dumps(record) + "\n")
            handle.flush()

    def truncate_metrics(self, last_step: int) -> None:
        """Drop metric lines past ``last_step`` (logged after the checkpoint a resume starts from)."""
        path = self.path / "metrics.jsonl"
        if not path.exists():
            return
        kept = [line for line in path.read_text().splitlines() if _line_step(line) <= last_step]
        temporary = path.with_name("metrics.jsonl.tmp")
        temporary.write_text("".join(line + "\n" for line in kept))
        os.replace(temporary, path)


def _line_step(line: str) -> int:
    try:
        return int(json.loads(line).get("step", 0))
    except (json.JSONDecodeError, AttributeError, TypeError, ValueError):
        return 0


def read_metrics(path: str | Path) -> list[dict]:
    """Every well-formed record of a metrics.jsonl; a torn last line (process killed mid-write) is skipped."""
    path = Path(path)
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            records.append(record)
    return records
