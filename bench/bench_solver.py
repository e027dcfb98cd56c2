"""Exact solver speed on the forum-hardest collection: puzzles/s, ms per puzzle and search statistics.

Without ``--file`` it reads the full list where the project's shared data sits beside the repository, else the
2,000-puzzle sample shipped in assets/puzzles.

Run from the repository root: ``python -m bench.bench_solver [--limit N] [--file CSV] [--solutions K]``.
Every solution is checked against the file's known one; a mismatch stops the run.
"""

import argparse
import time
from pathlib import Path

import numpy as np

from trm import DataError
from trm.sudoku import read_puzzle_csv, solve

REPO = Path(__file__).resolve().parents[1]
FULL_LIST = REPO.parent / "shared" / "data" / "tdoku_forum_hardest_1905_11plus.csv"  # where the project's data sits
SHIPPED_SAMPLE = REPO / "assets" / "puzzles" / "heldout_forum_hardest_2k.csv"  # 2,000 of it, in every clone
DEFAULT_FILE = FULL_LIST if FULL_LIST.is_file() else SHIPPED_SAMPLE
WARMUP_PUZZLES = 20


def _percentiles(values: list[float]) -> str:
    array = np.asarray(values)
    return f"median {np.median(array):.2f}, p95 {np.percentile(array, 95):.2f}, max {array.max():.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE,
                        help=f"puzzle CSV with solutions (default: {DEFAULT_FILE.relative_to(REPO.parent)})")
    parser.add_argument("--limit", type=int, default=None, help="first N puzzles only (default: all)")
    parser.add_argument("--solutions", type=int, default=2, help="solve(limit=...): 2 proves uniqueness")
    args = parser.parse_args()
    try:
        table = read_puzzle_csv(args.file, limit=args.limit)
    except DataError as error:
        parser.error(str(error))
    if table.solutions is None:
        parser.error(f"{args.file} has no solution column: every answer is checked against it")
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
