"""Does the model settle first the cells a person finds easy? For each technique the logic solver needs for a cell
(naked and hidden singles, locked candidates, pairs, guessing), the mean step from which the model's digit there
never changes again, and how often it is right at the end.

    PYTHONPATH=. python bench/commit_times.py [--checkpoint checkpoints/sudoku9-mlp]
        [--data assets/puzzles/heldout_forum_hardest_2k.csv] [--limit 300] [--steps 16] [--device cuda]

Prints one JSON line per technique, then a Markdown table.
"""

import argparse
import json
import time

import torch

from trm import TRMError, load_model
from trm.evaluate import commit_by_technique, fill_solutions
from trm.sudoku import read_puzzle_csv


def main() -> None:
    parser = argparse.ArgumentParser(description="Does the model settle first the cells a person finds easy?")
    parser.add_argument("--checkpoint", default="checkpoints/sudoku9-mlp")
    parser.add_argument("--data", default="assets/puzzles/heldout_forum_hardest_2k.csv")
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    loaded = load_model(args.checkpoint, args.device)
    table, _ = fill_solutions(read_puzzle_csv(args.data, limit=args.limit))
    size, plays = table.shape.size, loaded.config.grid_size
    if size != plays:
        raise SystemExit(f"error: {args.data} holds {size}x{size} puzzles, but {args.checkpoint} plays "
                         f"{plays}x{plays}: give --data and --checkpoint of one size")
    started = time.perf_counter()
    rows = commit_by_technique(loaded.model, table.puzzles, table.solutions, table.shape, args.steps,
                               show_progress=True)
    for row in rows:
        print(json.dumps({**row.__dict__, "puzzles": len(table), "seconds": round(time.perf_counter() - started, 1)}))
    print("\n| technique a person needs | cells | mean step the model settles | right at the end |")
    print("|---|---:|---:|---:|")
    for row in rows:
        print(f"| {row.technique} | {row.cells:,} | {row.mean_settle_step:.2f} | {row.right_at_end:.1%} |")


if __name__ == "__main__":
    try:
        main()
    except (TRMError, ValueError) as error:  # a bad file or setting: one line, not a traceback
        raise SystemExit(f"error: {error}") from None
