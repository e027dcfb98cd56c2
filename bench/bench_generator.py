"""Generator speed per size and level: median and p95 seconds per puzzle (the app's Generate button).

Run from the repository root: ``python -m bench.bench_generator [--count N] [--sizes 9 6 4] [--seed S]``.
9x9 extreme is timed twice: drawn from the shipped pool (what the app does) and generated on demand.
"""

import argparse
import time

import numpy as np

from trm.sudoku import LEVELS_BY_SIZE, SHAPES, generate_puzzle, load_pool


def _time_level(size: int, level: str, count: int, seed: int, use_pool: bool) -> list[float]:
    rng = np.random.default_rng(seed)
    generate_puzzle(SHAPES[size], level, rng, use_pool=use_pool)  # warm-up: caches, pool loading
    seconds = []
    for _ in range(count):
        begin = time.perf_counter()
        made = generate_puzzle(SHAPES[size], level, rng, use_pool=use_pool)
        seconds.append(time.perf_counter() - begin)
        assert made.grade.level == level
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30, help="puzzles per size and level")
    parser.add_argument("--sizes", type=int, nargs="+", default=[9, 6, 4], choices=sorted(SHAPES))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"{'size':>5} {'level':<20} {'median s':>9} {'p95 s':>8} {'max s':>8}")
    for size in args.sizes:
        for level in LEVELS_BY_SIZE[size]:
            has_pool = level == "extreme" and load_pool(SHAPES[size]) is not None
            modes = [(True, " (pool)"), (False, " (on demand)")] if has_pool else [(False, "")]
            for use_pool, label in modes:
                seconds = _time_level(size, level, args.count, args.seed, use_pool)
                print(f"{size}x{size:<3} {level + label:<20} {np.median(seconds):9.3f} "
                      f"{np.percentile(seconds, 95):8.3f} {max(seconds):8.3f}")


if __name__ == "__main__":
    main()
