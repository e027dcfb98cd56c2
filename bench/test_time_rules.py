"""Replay test-time stop rules on recorded views (bench/test_time_record.py), on a CPU, in seconds.

    PYTHONPATH=. python bench/test_time_rules.py \
        --record bench/records/fh2k_a_v32_s64.npz bench/records/fh2k_b_v32_s64.npz
        [--views 1 2 4 8 16 32] [--steps 16 32 64] [--agree 1 2 3] [--threshold 0.5] [--svg F] [--markdown]

A shorter run is a prefix of the recorded one and fewer views are its first views, so every (views, steps) setting
is read from one record. For each it prints: no stop rule (every view runs every step; the Q-head's pick, i.e. the
highest Q-halt logit at the last step, and "any view right"), and the agreement rule of trm.inference.agreement
for each M (each view stops at its own halt; a puzzle once M halted views agree), with the supervision steps per
puzzle each actually runs, all views together. Then the cheapest setting that reaches each accuracy target, and
with --svg the accuracy-compute frontier as a chart.
"""

import argparse
import json
import shlex
import sys
from pathlib import Path

import numpy as np
import torch

from bench.svg_chart import Chart, Series, render_svg
from trm.inference import HaltedViewsAgree

TARGETS = (0.95, 0.97, 0.99, 0.995)


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--record", nargs="+", required=True, help="records of the same views and steps, joined")
    parser.add_argument("--views", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32])
    parser.add_argument("--steps", type=int, nargs="+", default=[16, 32, 64])
    parser.add_argument("--agree", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--threshold", type=float, default=0.5, help="P(halt) at which a view halts")
    parser.add_argument("--svg", help="write the frontier chart here")
    parser.add_argument("--title", default="Test-time views x steps")
    parser.add_argument("--markdown", action="store_true", help="also print the settings as a Markdown table")
    parser.add_argument("--card-json", metavar="F", help="write the results for a model card here "
                        "(python -m trm.export --card-only CHECKPOINT --test-time F)")
    parser.add_argument("--set-name", default="held-out", help="the puzzle set's name in --card-json")
    return parser.parse_args()


def load_records(paths: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict]]:
    """answer ids (N, K, S), solution ids (N,), Q-halt logits (N, K, S) float32, and each record's settings."""
    loaded = [np.load(path) for path in paths]
    shapes = {record["answer_id"].shape[1:] for record in loaded}
    if len(shapes) != 1:
        raise SystemExit(f"records differ in views x steps: {sorted(shapes)}")
    return (np.concatenate([r["answer_id"] for r in loaded]), np.concatenate([r["solution_id"] for r in loaded]),
            np.concatenate([r["q_halt_logit"] for r in loaded]).astype(np.float32),
            [json.loads(str(r["settings"])) for r in loaded])


def no_stop(ids: np.ndarray, solution: np.ndarray, q: np.ndarray) -> tuple[float, float]:
    """Exact accuracy of the highest final Q-halt logit's view, and of "some view right", at the last step."""
    right = ids[:, :, -1] == solution[:, None]
    picked = np.take_along_axis(right, q[:, :, -1].argmax(axis=1)[:, None], axis=1)[:, 0]
    return float(picked.mean()), float(right.any(axis=1).mean())


def with_agreement(ids: np.ndarray, solution: np.ndarray, q: np.ndarray, agree: int,
                   threshold: float) -> tuple[float, float, float]:
    """Accuracy, mean supervision steps per puzzle and share stopped by agreement, under the agreement rule."""
    rule = HaltedViewsAgree(agree, threshold)
    answers, logits = torch.from_numpy(ids.astype(np.int64)), torch.from_numpy(q)
    for step in range(ids.shape[2]):
        rule.update(answers[:, :, step, None], logits[:, :, step])
        if rule.all_stopped:
            break
    outcome = rule.outcome()
    right = outcome.answers[:, 0].numpy() == solution
    return float(right.mean()), float(outcome.view_steps.float().mean()), float(outcome.agreed.float().mean())


def measure(ids, solution, q, args) -> list[dict]:
    rows = []
    for views in [v for v in args.views if v <= ids.shape[1]]:
        for steps in [s for s in args.steps if s <= ids.shape[2]]:
            part = (ids[:, :views, :steps], solution, q[:, :views, :steps])
            picked, any_right = no_stop(*part)
            row = {"views": views, "steps": steps, "steps_per_puzzle": views * steps, "exact_q": round(picked, 4),
                   "exact_any": round(any_right, 4)}
            for agree in [m for m in args.agree if m <= views]:
                accuracy, cost, stopped = with_agreement(*part, agree, args.threshold)
                row[f"agree{agree}"] = {"exact": round(accuracy, 4), "steps_per_puzzle": round(cost, 1),
                                        "stopped": round(stopped, 4)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def _settings(rows: list[dict]) -> list[tuple[str, float, float]]:
    """(name, steps per puzzle, exact) of every setting measured, with and without the agreement rule."""
    out = []
    for row in rows:
        out.append((f"{row['views']} x {row['steps']}, no stop", row["steps_per_puzzle"], row["exact_q"]))
        out.extend((f"{row['views']} x {row['steps']}, {key[5:]} halted agree", value["steps_per_puzzle"],
                    value["exact"]) for key, value in row.items() if key.startswith("agree"))
    return out


def cheapest(rows: list[dict]) -> list[str]:
    lines = []
    for target in TARGETS:
        reached = [s for s in _settings(rows) if s[2] >= target]
        best = min(reached, key=lambda s: s[1]) if reached else None
        lines.append(f">= {target:.1%}: " + (f"{best[0]}: {best[2]:.2%} at {best[1]:.1f} supervision steps per "
                                              f"puzzle" if best else "not reached by any setting measured"))
    return lines


def markdown(rows: list[dict], agrees: list[int]) -> str:
    head = "| views x steps | no stop (Q-head's pick) | any view right |" + "".join(
        f" {m} halted agree: exact, steps per puzzle |" for m in agrees)
    lines = [head, "|---" * (3 + len(agrees)) + "|"]
    for row in rows:
        cells = [f"{row['views']} x {row['steps']} = {row['steps_per_puzzle']}", f"{row['exact_q']:.2%}",
                 f"{row['exact_any']:.2%}"]
        cells += [f"{row[f'agree{m}']['exact']:.2%}, {row[f'agree{m}']['steps_per_puzzle']:.0f}"
                  if f"agree{m}" in row else "-" for m in agrees]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def frontier_chart(rows: list[dict], title: str, agrees: list[int]) -> Chart:
    """Exact accuracy against supervision steps per puzzle: one line per step count without a stop rule (views
    grow along it), one per agreement M at the largest step count."""
    step_counts = sorted({r["steps"] for r in rows})
    series = [Series(f"no stop, {steps} steps", [(r["steps_per_puzzle"], r["exact_q"]) for r in rows
                                                 if r["steps"] == steps]) for steps in step_counts]
    longest = max(r["steps"] for r in rows)
    for agree in agrees:
        points = [(r[f"agree{agree}"]["steps_per_puzzle"], r[f"agree{agree}"]["exact"]) for r in rows
                  if r["steps"] == longest and f"agree{agree}" in r]
        if points:
            series.append(Series(f"{agree} halted agree", points, dashed=True))
    low = min(y for s in series for _, y in s.points)
    return Chart(title, "supervision steps per puzzle (all views together, log scale)", "exact accuracy", series,
                 y_range=(max(0.0, np.floor(low * 20) / 20), 1.0), y_lines=[0.995])


def _without_card_json(argv: list[str]) -> list[str]:
    """The command line to print in a card: the replay itself, without where this copy of its results went."""
    drop = {i for i, arg in enumerate(argv) if arg == "--card-json" for i in (i, i + 1)}
    return [arg for i, arg in enumerate(argv) if i not in drop and not arg.startswith("--card-json=")]


def main() -> None:
    args = _args()
    ids, solution, q, settings = load_records(args.record)
    print(json.dumps({"records": args.record, "puzzles": len(ids), "views": ids.shape[1], "steps": ids.shape[2],
                      "threshold": args.threshold, "recorded_with": settings}))
    rows = measure(ids, solution, q, args)
    print("\n".join(cheapest(rows)))
    if args.markdown:
        print(markdown(rows, args.agree))
    if args.card_json:
        card = {"set": args.set_name, "puzzles": len(ids), "threshold": args.threshold,
                "command": "PYTHONPATH=. python " + shlex.join(_without_card_json(sys.argv)),
                "recorded_with": settings[0],
                "precision": "float32" if settings[0].get("device") == "cpu" else "bf16 autocast",
                "rows": rows, "cheapest": cheapest(rows)}
        Path(args.card_json).write_text(json.dumps(card, indent=1) + "\n")
    if args.svg:
        Path(args.svg).write_text(render_svg(frontier_chart(rows, args.title, args.agree)))
        print(f"wrote {args.svg}")


if __name__ == "__main__":
    main()
