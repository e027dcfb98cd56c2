"""Held-out curves of training runs side by side, for the recipe table: at each evaluation the step, the training
samples seen so far (step x batch, to compare batch sizes), the wall time so far and the exact / cell accuracy; then
the wall time at which each run first reached each target accuracy.

    PYTHONPATH=. python bench/recipe_curve.py training_state/sudoku9-mlp runs/muon_normed [--targets 0.2 0.5 0.737]

A run folder needs its metrics.jsonl (and its run.json for the samples). Wall time is the trainer's own clock
(evaluations included), so runs on different GPUs compare only as far as their hardware does: the table names
the device of each run's start.
"""

import argparse
import json
from pathlib import Path

from trm.runs import read_curves


def _wall_at(train: list[dict], step: int) -> float | None:
    """The wall seconds of the last train line at or before ``step`` (evaluations are logged without it)."""
    earlier = [r["wall_seconds"] for r in train if r["step"] <= step and "wall_seconds" in r]
    return earlier[-1] if earlier else None


def curve(run_dir: Path) -> list[tuple[int, float | None, float, float]]:
    """(step, wall seconds, exact accuracy, cell accuracy) at each held-out evaluation of the run."""
    if not (run_dir / "metrics.jsonl").is_file():
        raise SystemExit(f"{run_dir} is not a training run: it has no metrics.jsonl.")
    curves = read_curves(run_dir)
    if curves.problem:
        raise SystemExit(f"{run_dir}: {curves.problem}")
    return [(e["step"], _wall_at(curves.train, e["step"]), e["exact_accuracy"], e["cell_accuracy"])
            for e in curves.evals]


def _device(run_dir: Path) -> str:
    events = read_curves(run_dir).events
    return next((e["device"] for e in events if e.get("device")), "device not recorded")


def _batch_size(run_dir: Path) -> int | None:
    """The run's global batch from its run.json; None when the file is missing or damaged."""
    try:
        return json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["train"]["batch_size"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run folders (each with metrics.jsonl)")
    parser.add_argument("--targets", nargs="+", type=float, default=[0.2, 0.5, 0.737],
                        help="held-out exact accuracies as fractions (default: 0.2 0.5 0.737)")
    args = parser.parse_args()
    not_runs = [str(run_dir) for run_dir in args.runs if not (run_dir / "metrics.jsonl").is_file()]
    if not_runs:  # before any table: a half-printed one would look like a run with no evaluations
        parser.error(f"not a training run (no metrics.jsonl): {', '.join(not_runs)}")
    for run_dir in args.runs:
        print(f"\n{run_dir} ({_device(run_dir)})\n")
        batch = _batch_size(run_dir)
        print("| step | samples (M) | wall min | held-out exact | held-out cells |\n|---:|---:|---:|---:|---:|")
        for step, wall, exact, cells in curve(run_dir):
            samples = "-" if batch is None else f"{step * batch / 1e6:.2f}"
            print(f"| {step:,} | {samples} | {_minutes(wall)} | {exact:.1%} | {cells:.1%} |")
    print("\n| run | " + " | ".join(f"min to {t:.1%}" for t in args.targets) + " |")
    print("|---|" + "---:|" * len(args.targets))
    for run_dir in args.runs:
        points = curve(run_dir)
        reached = [next((wall for _, wall, exact, _ in points if exact >= t), None) for t in args.targets]
        print(f"| {run_dir.name} | " + " | ".join(_minutes(wall) if wall is not None else "not reached"
                                                   for wall in reached) + " |")


if __name__ == "__main__":
    main()
