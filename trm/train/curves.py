"""A run's curves for the app: metrics.jsonl read defensively, debiased EMA smoothing, speed and ETA.

The trainer appends one JSON object per line to ``RUN_DIR/metrics.jsonl``: ``kind`` "train" (every log_every
steps), "eval" (held-out, every eval_every steps) and "event" ("started" and "resumed", each with the device and world size of
the process that begins there).
"""

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Curves:
    """The records of one metrics.jsonl, split by kind, in file order (steps increase within a kind)."""

    train: list[dict] = field(default_factory=list)
    evals: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    bad_lines: int = 0  # unreadable lines other than a torn last line (a process killed mid-write)
    problem: str = ""  # why the file could not be read at all ("" when it was, or is simply not there yet)

    @property
    def last_step(self) -> int:
        """The highest step any record mentions (0 when there are none)."""
        return max((int(r.get("step", 0)) for r in (*self.train, *self.evals, *self.events)), default=0)

    def session_train(self) -> list[dict]:
        """Train records written by the process running now (after the last "resumed" event)."""
        resumed = [r for r in self.events if r.get("event") == "resumed"]
        if not resumed:
            return self.train
        start = int(resumed[-1].get("step", 0))
        return [r for r in self.train if int(r.get("step", 0)) > start]

    def series(self, kind: str, key: str) -> tuple[list[int], list[float]]:
        """(steps, values) of ``key`` in the "train" or "eval" records that have it as a number."""
        records = self.train if kind == "train" else self.evals
        pairs = [(int(r["step"]), float(r[key])) for r in records
                 if isinstance(r.get(key), (int, float)) and isinstance(r.get("step"), int)]
        return [s for s, _ in pairs], [v for _, v in pairs]


def read_curves(run_dir: str | Path) -> Curves:
    """Read ``run_dir/metrics.jsonl``; never raises: an unreadable file or line is counted in the result.

    A missing file gives empty curves (a run that has not logged yet). Records without a known ``kind`` are
    ignored; a torn last line is skipped silently, other bad lines are counted in ``bad_lines``.
    """
    path = Path(run_dir) / "metrics.jsonl"
    curves = Curves()
    if not path.exists():
        return curves
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        curves.problem = f"{path} cannot be read ({type(error).__name__}: {error})."
        return curves
    for number, line in enumerate(lines, start=1):
        record = _parse_line(line)
        if record is None:
            curves.bad_lines += number < len(lines) and bool(line.strip())
            continue
        {"train": curves.train, "eval": curves.evals, "event": curves.events}.get(record.get("kind"), []).append(record)
    if curves.bad_lines:
        curves.problem = f"{path}: {curves.bad_lines} unreadable line(s) skipped; the file is damaged."
    return curves


def _parse_line(line: str) -> dict | None:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return None
    return record if isinstance(record, dict) and isinstance(record.get("step", 0), int) else None


def smooth(values: Sequence[float], weight: float) -> list[float]:
    """Debiased exponential moving average (TensorBoard's smoothing): same length as ``values``.

    ``weight`` in [0, 1): 0 returns the values unchanged. Dividing by 1 - weight**k removes the pull towards
    zero of the first points. Non-finite values are passed through and do not enter the average.
    """
    if not 0 <= weight < 1:
        raise ValueError(f"smoothing weight must be in [0, 1), got {weight}.")
    smoothed, average, count = [], 0.0, 0
    for value in values:
        if not math.isfinite(value):
            smoothed.append(value)
            continue
        average = average * weight + (1 - weight) * value
        count += 1
        smoothed.append(average / (1 - weight**count))
    return smoothed


def steps_per_second(curves: Curves, batch_size: int) -> float | None:
    """Training speed of the current session, in optimiser steps per training second; None before a log line.

    Measured only over this process's records (a resumed run may run on other hardware), from its first log
    line to its last, so a slow first window (torch.compile, warm-up) does not count. With one line, that
    line's samples/s is used.
    """
    records = curves.session_train()
    if len(records) >= 2:
        first, last = records[0], records[-1]
        seconds = float(last.get("wall_seconds", 0)) - float(first.get("wall_seconds", 0))
        if seconds > 0:
            return (int(last["step"]) - int(first["step"])) / seconds
    if records and float(records[-1].get("samples_per_second", 0)) > 0:
        return float(records[-1]["samples_per_second"]) / batch_size
    return None


def eta_seconds(step: int, total_steps: int, speed: float | None) -> float | None:
    """Seconds left to ``total_steps`` at ``speed`` steps/s; None when the speed is unknown."""
    if speed is None or speed <= 0:
        return None
    return max(total_steps - step, 0) / speed


def format_duration(seconds: float | None) -> str:
    """``"1 h 02 min"``, ``"3 min 05 s"``, ``"42 s"``; "unknown" for None."""
    if seconds is None or not math.isfinite(seconds):
        return "unknown"
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"
