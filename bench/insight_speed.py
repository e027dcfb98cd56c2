"""How long the Insight page takes on a shipped model: from a cold start to its first results, and to the whole set.

    PYTHONPATH=. python bench/insight_speed.py [--case 9 | 4 | 6 | all] [--views 1] [--threads N]
        [--precision auto | float32 | bf16]

Does what the page does, in its order, with the page's batch sizes (trm.evaluate.batch_size_for): load the
model, read the held-out file and its solutions, hash the weights (the cache key), run the first batch (the
page shows its first results then), run the rest, and measure each puzzle's difficulty (the difficulty chart).
Prints one JSON line per case, then a Markdown table against the targets: 200 9x9 puzzles x 16 steps in <= 180 s
with first results in <= 15 s; 500 4x4 puzzles in <= 20 s.
"""

import argparse
import json
import time
from pathlib import Path

import torch

from trm import load_model, weights_fingerprint
from trm.evaluate import InsightRun, batch_size_for, cache_key, fill_solutions, puzzle_backtracks, run_batch
from trm.inference import has_fast_bf16
from trm.sudoku import read_puzzle_csv

ROOT = Path(__file__).resolve().parent.parent
CASES = {  # grid size: (checkpoint, held-out file, puzzles, targets: first results, all)
    9: ("checkpoints/sudoku9-mlp", "assets/puzzles/heldout_forum_hardest_2k.csv", 200, 15.0, 180.0),  # the hardest file
    4: ("checkpoints/sudoku4", "assets/puzzles/heldout_4x4.csv", 500, None, 20.0),
    6: ("checkpoints/sudoku6", "assets/puzzles/heldout_6x6.csv", 500, None, None),
}


def measure(size: int, views: int, bf16: bool) -> dict:
    checkpoint, data, count, first_target, total_target = CASES[size]
    started = time.perf_counter()
    loaded = load_model(ROOT / checkpoint, "cpu")
    table, _ = fill_solutions(read_puzzle_csv(ROOT / data, limit=count))
    cache_key(weights_fingerprint(ROOT / checkpoint), table.puzzles, loaded.config.max_supervision_steps, views, bf16)
    run = InsightRun(total=len(table), steps=loaded.config.max_supervision_steps, views=views)
    ready = time.perf_counter() - started
    run_batch(loaded.model, run, table.puzzles, table.solutions, batch_size_for(run, size), bf16)
    first, first_puzzles = time.perf_counter() - started, run.done
    while not run.finished:
        run_batch(loaded.model, run, table.puzzles, table.solutions, batch_size_for(run, size), bf16)
    computed = time.perf_counter() - started
    puzzle_backtracks(table.puzzles, table.shape)
    total = time.perf_counter() - started
    return {"case": f"{size}x{size}", "checkpoint": checkpoint, "data": Path(data).name, "puzzles": len(table),
            "steps": run.steps, "views": views, "first_batch": first_puzzles,
            "precision": "bf16 autocast" if bf16 else "float32", "threads": torch.get_num_threads(),
            "ready_s": round(ready, 2), "first_results_s": round(first, 2), "all_batches_s": round(computed, 2),
            "total_s": round(total, 2), "solved": round(run.exact_accuracy_by_step()[-1], 4),
            "first_target_s": first_target, "total_target_s": total_target}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", choices=["9", "4", "6", "all"], default="all")
    parser.add_argument("--views", type=int, default=1)
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--precision", choices=["auto", "float32", "bf16"], default="auto",
                        help="auto: bf16 autocast where the CPU has it natively, as the page does")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = []
    for size in ((9, 4, 6) if args.case == "all" else (int(args.case),)):
        bf16 = has_fast_bf16("cpu") if args.precision == "auto" else args.precision == "bf16"
        rows.append(measure(size, args.views, bf16))
        print(json.dumps(rows[-1]), flush=True)
    print("\n| case | puzzles x steps x views | precision | first results | all, with difficulty | target | solved |")
    print("|---|---|---|---:|---:|---|---:|")
    for row in rows:
        target = " and ".join(t for t in (f"first <= {row['first_target_s']:g} s" if row["first_target_s"] else "",
                                          f"all <= {row['total_target_s']:g} s" if row["total_target_s"] else "")
                              if t) or "-"
        print(f"| {row['case']} | {row['puzzles']} x {row['steps']} x {row['views']} | {row['precision']} "
              f"| {row['first_results_s']:.1f} s "
              f"| {row['total_s']:.1f} s | {target} | {row['solved']:.1%} |")


if __name__ == "__main__":
    main()
