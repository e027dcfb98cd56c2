"""A run's curves for the app: its metrics log split by kind, debiased EMA smoothing, speed and ETA."""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from trm.runs.metrics import read_metrics


@dataclass
class Curves:
    """The records of one metrics.jsonl, split by kind, in file order (steps increase within a kind)."""

    train: list[dict] = field(default_factory=list)
    evals: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    bad_lines: int = 0  # unreadable lines other than a torn last line (a process killed mid-write)
    problem: str = ""  # what could not be read ("" when all was, or the file is simply not there yet)

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
    """The run's metrics log split by kind; never raises (see ``read_metrics``: problems are in the result).

    Records without a known ``kind`` are left out.
    """
    log = read_metrics(run_dir)
    curves = Curves(bad_lines=log.bad_lines, problem=log.problem)
    by_kind = {"train": curves.train, "eval": curves.evals, "event": curves.events}
    for record in log.records:
        by_kind.get(record.get("kind"), []).append(record)
    return curves


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
