"""Exact solver speed on the forum-hardest collection: puzzles/s, ms per puzzle and search statistics.

Run from the repository root: ``python -m bench.bench_solver [--limit N] [--file CSV] [--solutions K]``.
Every solution is checked against the file's known one; a mismatch stops the run.
"""

import argparse
import time
from pathlib import Path

import numpy as np

from trm.sudoku import read_puzzle_csv, solve

DEFAULT_FILE = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "tdoku_forum_hardest_1905_11plus.csv"
WARMUP_PUZZLES = 20


def _percentiles(values: list[float]) -> str:
    array = np.asarray(values)
    return f"median {np.median(array):.2f}, p95 {np.percentile(array, 95):.2f}, max {array.max():.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--limit", type=int, default=None, help="first N puzzles only (default: all)")
    parser.add_argument("--solutions", type=int, default=2, help="solve(limit=...): 2 proves uniqueness")
    args = parser.parse_args()
    table = read_puzzle_csv(args.file, limit=args.limit)
    for puzzle in table.puzzles[:WARMUP_PUZZLES]:
        solve(puzzle, table.shape, args.solutions)
    seconds, backtracks, guesses = [], [], []
    start = time.perf_counter()
    for row, puzzle in enumerate(table.puzzles):
        begin = time.perf_counter()
        result = solve(puzzle, table.shape, args.solutions)
        seconds.append(time.perf_counter() - begin)
        if not np.array_equal(result.solution, table.solutions[row]):
            raise SystemExit(f"row {row + 2}: wrong solution ({result.status.value})")
        backtracks.append(result.backtracks)
        guesses.append(result.guesses)
    total = time.perf_counter() - start
    print(f"{args.file.name}: {len(table)} puzzles, solve(limit={args.solutions}), all solutions correct")
    print(f"throughput: {len(table) / total:.1f} puzzles/s ({total:.1f} s in all)")
    print(f"ms/puzzle: {_percentiles([s * 1000 for s in seconds])}, mean {1000 * total / len(table):.2f}")
    print(f"backtracks: median {np.median(backtracks):.0f}, p90 {np.percentile(backtracks, 90):.0f}, "
          f"max {max(backtracks)}; guesses: median {np.median(guesses):.0f}")


if __name__ == "__main__":
    main()
