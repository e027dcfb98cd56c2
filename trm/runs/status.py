"""The status heartbeat ``RUN_DIR/status.json``: the trainer's own word on its state, rewritten at every
checkpoint and when it ends. Readers correct it with the process table (``trm.runs.listing``)."""

import contextlib
import json
import os
import time
from pathlib import Path

from trm.checkpoint import read_json, write_json
from trm.runs.layout import STATUS

STATES = ("running", "finished", "stopped", "crashed")


def write_status(run_dir: str | Path, state: str, step: int, total_steps: int, **fields) -> None:
    """Replace the status atomically with ``state`` at ``step`` of ``total_steps``, this pid and the time now;
    ``fields`` (device, best accuracy, a message) are stored beside them."""
    assert state in STATES, state
    write_json(Path(run_dir) / STATUS, {"state": state, "pid": os.getpid(), "step": step, "total_steps": total_steps,
                                        "heartbeat": time.time(), **fields})


def write_crash_status(run_dir: str | Path, step: int, total_steps: int, **fields) -> None:
    """write_status("crashed"), also on a full disk: the atomic write needs a new file's space, so if it fails the
    old status.json is rewritten in place, reusing its own blocks (the crash status is about as long)."""
    try:
        write_status(run_dir, "crashed", step, total_steps, **fields)
    except OSError:
        data = json.dumps({"state": "crashed", "pid": os.getpid(), "step": step, "total_steps": total_steps,
                           "heartbeat": time.time(), **fields}).encode()
        with contextlib.suppress(OSError), open(Path(run_dir) / STATUS, "r+b") as handle:
            handle.truncate(0)
            handle.write(data)


def read_status(run_dir: str | Path) -> dict:
    """The status as written; {} before the trainer wrote one. Raises CheckpointError for a damaged file."""
    path = Path(run_dir) / STATUS
    return read_json(path, "Run status") if path.exists() else {}
