"""The metrics log ``RUN_DIR/metrics.jsonl``: the trainer appends one JSON object per line, everyone else reads it
here, through one tolerant reader.

Records have a ``kind``: "train" (every log_every steps), "eval" (held-out, every eval_every steps) and "event"
("started" and "resumed", each with the device and world size of the process that begins there, and
"ranks_checked"). Every record has an integer ``step``.
"""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from trm.cli_types import strict_json
from trm.runs.layout import METRICS


@dataclass
class MetricsLog:
    """The readable records of one metrics.jsonl, in file order, and what could not be read."""

    records: list[dict] = field(default_factory=list)
    bad_lines: int = 0  # unreadable lines other than a torn last line (a process killed mid-write)
    problem: str = ""  # why lines or the whole file could not be read ("" when all was read, or there is no file)


def append_metrics(run_dir: str | Path, record: dict) -> None:
    """Append ``record`` as one line, flushed at once so the app sees it while the run goes on."""
    with (Path(run_dir) / METRICS).open("a") as handle:
        handle.write(strict_json(record) + "\n")
        handle.flush()


def truncate_metrics(run_dir: str | Path, last_step: int) -> None:
    """Drop the records past ``last_step`` (logged after the checkpoint a resume starts from); the file is
    replaced atomically. Unreadable lines are kept: they are not this function's to judge."""
    path = Path(run_dir) / METRICS
    if not path.exists():
        return
    kept = [line for line in path.read_text().splitlines() if _step_of(_parse_line(line)) <= last_step]
    temporary = path.with_name(METRICS + ".tmp")
    temporary.write_text("".join(line + "\n" for line in kept))
    os.replace(temporary, path)


def read_metrics(run_dir: str | Path, tail_bytes: int | None = None) -> MetricsLog:
    """Read ``run_dir/metrics.jsonl``; never raises: what cannot be read is counted in the result.

    A missing file gives an empty log (a run that has not logged yet). A torn last line is skipped silently;
    other bad lines are counted in ``bad_lines``. ``tail_bytes`` reads only the file's end (the latest records,
    cheaply, for a listing polled every few seconds); the partial line it starts in is skipped.
    """
    path = Path(run_dir) / METRICS
    log = MetricsLog()
    if not path.exists():
        return log
    try:
        lines = _read_lines(path, tail_bytes)
    except (OSError, UnicodeDecodeError) as error:
        log.problem = f"{path} cannot be read ({type(error).__name__}: {error})."
        return log
    for number, line in enumerate(lines, start=1):
        record = _parse_line(line)
        if record is not None:
            log.records.append(record)
        elif number < len(lines) and line.strip():
            log.bad_lines += 1
    if log.bad_lines:
        log.problem = f"{path}: {log.bad_lines} unreadable line(s) skipped; the file is damaged."
    return log


def _read_lines(path: Path, tail_bytes: int | None) -> list[str]:
    if tail_bytes is None:
        return path.read_text(encoding="utf-8").splitlines()
    with path.open("rb") as handle:
        start = max(path.stat().st_size - tail_bytes, 0)
        handle.seek(start)
        lines = handle.read().decode(errors="replace").splitlines()
    return lines[1:] if start > 0 else lines


def _parse_line(line: str) -> dict | None:
    """The record on ``line``, or None when it is not a JSON object with an integer step (or none)."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    return record if isinstance(record, dict) and isinstance(record.get("step", 0), int) else None


def _step_of(record: dict | None) -> int:
    return record.get("step", 0) if record is not None else 0
