"""Augmentation throughput: grids/s of augment_batch for each size, on CPU and (when present) CUDA.

Usage (from the repo root): python -m bench.bench_augment [--batch 768] [--steps 50]
"""

import argparse
import time

import torch

from trm.data import augment_batch
from trm.sudoku import SHAPES


def _time_device(device: str, batch: int, steps: int) -> None:
    for size, shape in SHAPES.items():
        generator = torch.Generator(device=device).manual_seed(0)
        puzzles = torch.randint(0, size + 1, (batch, shape.cells), dtype=torch.int8, device=device)
        solutions = torch.randint(1, size + 1, (batch, shape.cells), dtype=torch.int8, device=device)
        for _ in range(5):  # warm-up: allocator, kernels
            augment_batch(puzzles, solutions, shape, generator)
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(steps):
            augment_batch(puzzles, solutions, shape, generator)
        if device == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - start
        print(f"{device:4s} size {size}: batch {batch}, {seconds / steps * 1e3:7.3f} ms/batch, "
              f"{batch * steps / seconds:12,.0f} pairs/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=768)
    parser.add_argument("--steps", type=int, default=50)
    args = parser.parse_args()
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        _time_device(device, args.batch, args.steps)


if __name__ == "__main__":
    main()
