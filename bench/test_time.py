"""Test-time depth and breadth: exact accuracy against compute, for K views x N supervision steps.

    python bench/test_time.py --checkpoint checkpoints/sudoku9-mlp --data assets/puzzles/heldout_forum_hardest_2k.csv
        [--limit N] [--views 1 2 4 8] [--steps 16 32 64] [--batch-size 256] [--noise S] [--device cuda]

One run per view count, to the largest step count (a shorter run is a prefix of it). Prints one JSON line per
(views, steps): supervision steps per puzzle (views x steps), exact accuracy of the Q-head's pick, the vote, the
puzzle alone (view 0) and any view right, the same budget with the stop rule (a puzzle stops once its most
confident view's P(halt) >= 0.5: accuracy and mean supervision steps per puzzle), and seconds: the run's wall
time (synchronised) times steps / largest steps, the cost of stopping there. Then the frontier: for each budget
of supervision steps per puzzle, the best accuracy reached with it.

With ``--agree M [M ...]`` it runs the agreement stop rule live instead (trm.evaluate.evaluate_agreement: each
view stops at its own halt, a puzzle once M halted views agree, finished views leave the batch), one line per
(views, M) at the largest step count: exact accuracy, supervision steps per puzzle and seconds per puzzle;
``--card-json F --set-name S`` also writes those lines as the model card's input (trm.export --card-only C
--test-time F), or, with ``--from-lines L``, turns the lines an earlier run printed into one without rerunning.
"""

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

import torch

from trm import TRMError, load_model
from trm.evaluate import evaluate_agreement, evaluate_views, fill_solutions
from trm.sudoku import read_puzzle_csv


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", default="checkpoints/sudoku9-mlp")
    parser.add_argument("--data", default="assets/puzzles/heldout_forum_hardest_2k.csv")
    parser.add_argument("--limit", type=_positive_int)
    parser.add_argument("--views", type=_positive_int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--steps", type=_positive_int, nargs="+", default=[16, 32, 64])
    parser.add_argument("--batch-size", type=_positive_int, default=256,
                        help="puzzles per batch (each brings its views)")
    parser.add_argument("--noise", type=float, default=0.0)
    parser.add_argument("--agree", type=_positive_int, nargs="+", help="run the agreement stop rule live with these M")
    parser.add_argument("--threshold", type=float, default=0.5, help="with --agree: P(halt) at which a view halts")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--card-json", help="with --agree: write the lines as a model card's test-time input here")
    parser.add_argument("--set-name", help="with --card-json: the set's name in the card")
    parser.add_argument("--from-lines", help="with --card-json: read the JSON lines of an earlier --agree run "
                                             "(its command and device are taken from --command and --on)")
    parser.add_argument("--command", help="with --from-lines: the command that printed them")
    parser.add_argument("--on", help="with --from-lines: the device they ran on")
    args = parser.parse_args()
    if not 0 < args.threshold < 1:
        parser.error("--threshold is a probability between 0 and 1")
    if args.card_json and not args.set_name:
        parser.error("--card-json needs --set-name")
    if args.from_lines and not (args.card_json and args.command and args.on):
        parser.error("--from-lines needs --card-json, --command and --on")
    return args


def _card_entry(lines: list[dict], set_name: str, command: str, device: str) -> dict:
    """The model card's input for live agreement runs over one set (trm.export.card_test_time)."""
    puzzles = {line["puzzles"] for line in lines}
    if len(puzzles) != 1:
        raise SystemExit(f"the lines cover different puzzle counts {sorted(puzzles)}: one set per card entry")
    return {"set": set_name, "puzzles": puzzles.pop(), "command": command, "device": device,
            "precision": lines[0]["precision"],
            "live": sorted(lines, key=lambda r: (r["noise"], r["views"], r["steps"], r["agree"]))}


def _rows(result, views: int, step_counts: list[int], seconds: float) -> list[dict]:
    rules = result.accuracy_by_rule
    return [{"views": views, "steps": steps, "supervision_steps_per_puzzle": views * steps,
             "exact_q": round(rules["q"][steps - 1], 4), "exact_vote": round(rules["vote"][steps - 1], 4),
             "exact_view0": round(rules["view0"][steps - 1], 4), "exact_any": round(rules["any"][steps - 1], 4),
             "exact_q_with_stop": round(result.accuracy_with_stop_by_step[steps - 1], 4),
             "supervision_steps_per_puzzle_with_stop": round(views * result.mean_steps_with_stop_by_step[steps - 1], 1),
             "seconds": round(seconds * steps / result.steps, 1), "puzzles": result.count,
             "precision": result.precision} for steps in step_counts]


def _agreement_rows(model, puzzles, solutions, args) -> list[dict]:
    lines = []
    for views in args.views:
        for agree in [m for m in args.agree if m <= views]:
            result = evaluate_agreement(model, puzzles, solutions, views, agree, max(args.steps), args.threshold,
                                        args.noise, args.batch_size)
            lines.append({"views": views, "agree": agree, "steps": result.steps, "noise": result.noise,
                          "exact": round(result.exact_accuracy, 4),
                          "supervision_steps_per_puzzle": round(result.steps_per_puzzle, 1),
                          "stopped_by_agreement": round(result.stopped_by_agreement, 4),
                          "seconds_per_puzzle": round(result.seconds / result.count, 4),
                          "puzzles": result.count, "precision": result.precision})
            print(json.dumps(lines[-1]), flush=True)
    return lines


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def main() -> None:
    args = _args()
    if args.from_lines:
        lines = [json.loads(text) for text in Path(args.from_lines).read_text().splitlines() if text.strip()]
        entry = _card_entry([line for line in lines if "agree" in line], args.set_name, args.command, args.on)
        Path(args.card_json).write_text(json.dumps(entry, indent=1))
        return
    model = load_model(args.checkpoint, args.device).model
    table, _ = fill_solutions(read_puzzle_csv(args.data, limit=args.limit))
    puzzles = torch.as_tensor(table.puzzles, device=args.device).long()
    solutions = torch.as_tensor(table.solutions, device=args.device).long()
    if args.agree:
        lines = _agreement_rows(model, puzzles, solutions, args)
        if args.card_json:
            device = torch.cuda.get_device_name() if args.device.startswith("cuda") else "CPU"
            command = "PYTHONPATH=. python " + shlex.join(sys.argv)
            Path(args.card_json).write_text(json.dumps(_card_entry(lines, args.set_name, command, device), indent=1))
        return
    rows = []
    for views in args.views:
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        started = time.perf_counter()
        result = evaluate_views(model, puzzles, solutions, views, max(args.steps), noise=args.noise,
                                batch_size=args.batch_size)
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        for row in _rows(result, views, sorted(args.steps), time.perf_counter() - started):
            rows.append(row)
            print(json.dumps(row), flush=True)
    best = {}
    for row in sorted(rows, key=lambda r: r["supervision_steps_per_puzzle"]):
        budget = row["supervision_steps_per_puzzle"]
        best[budget] = max(best.get(budget, 0), row["exact_q"])
    print(json.dumps({"frontier_exact_q_by_supervision_steps_per_puzzle": best}))


if __name__ == "__main__":
    try:
        main()
    except (TRMError, ValueError) as error:  # a bad file or setting: one line, not a traceback
        raise SystemExit(f"error: {error}") from None
