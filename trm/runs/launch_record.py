"""The launch record ``RUN_DIR/launch.json`` of a run started from the app: the trainer's pid and arguments, when
it started and when a stop was asked for. Written by ``trm.control``; the trainer never reads it."""

import time
from pathlib import Path

from trm.checkpoint import read_json, write_json
from trm.runs.layout import LAUNCH_RECORD


def read_launch_record(run_dir: str | Path) -> dict:
    """The record as written; {} for a run started from the command line. CheckpointError for a damaged file."""
    path = Path(run_dir) / LAUNCH_RECORD
    return read_json(path, "Launch record") if path.exists() else {}


def write_launch_record(run_dir: str | Path, pid: int, args: list[str]) -> None:
    """Record a trainer just launched with ``python -m trm.train ARGS`` as process ``pid``."""
    write_json(Path(run_dir) / LAUNCH_RECORD, {"pid": pid, "args": args, "started_at": time.time()})


def record_stop_request(run_dir: str | Path) -> None:
    """Note the time a stop was asked for, so a trainer that ends before its first status reads as stopped."""
    write_json(Path(run_dir) / LAUNCH_RECORD, {**read_launch_record(run_dir), "stop_requested_at": time.time()})


def launched_args(launch: dict) -> list[str] | None:
    """The trainer's arguments in a launch record, as strings; None when it holds none (or not a list)."""
    args = launch.get("args")
    return [str(arg) for arg in args] if isinstance(args, list) else None
