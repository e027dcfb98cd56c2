"""Seconds per held-out evaluation on the plain layers against the Triton kernels, side by side in one process.

    python -m bench.evaluate_speed [--checkpoint checkpoints/sudoku9-fast]
        [--data assets/puzzles/heldout_forum_hardest_2k.csv] [--steps 16] [--limit N] [--batch-size 1024]
        [--repeats 3] [--device cuda]

The checkpoint is loaded twice; one copy is switched to the kernels as ``python -m trm.evaluate`` switches it
(trm.evaluate's use_evaluation_kernels). Each copy evaluates one batch to warm up, then the two alternate (plain,
kernels, plain, ...) so that a drift in clocks or temperature reaches both. Prints one JSON line per timed
evaluation and a summary line: median seconds, puzzles per second, the speed-up and both exact accuracies (the
same maths in bf16: they should agree to within a few puzzles). Where the kernels cannot run (the CPU, float32, a
GPU without Triton) both copies run the plain layers and the summary says so.
"""

import argparse
import json
import statistics
import time

import torch

from trm import encode_grids, load_model
from trm.evaluate import evaluate_model, fill_solutions, use_evaluation_kernels
from trm.sudoku import read_puzzle_csv

DEFAULT_CHECKPOINT = "checkpoints/sudoku9-fast"
DEFAULT_DATA = "assets/puzzles/heldout_forum_hardest_2k.csv"


def _positive(text: str) -> int:
    if not (text.isdecimal() and int(text) >= 1):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.evaluate_speed", description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--checkpoint", default=DEFAULT_CHECKPOINT, help="checkpoint folder to evaluate")
    parser.add_argument("--data", default=DEFAULT_DATA, help="puzzle CSV (with or without solutions)")
    parser.add_argument("--steps", type=_positive, default=16, help="supervision steps per puzzle")
    parser.add_argument("--limit", type=_positive, help="evaluate the first N puzzles only")
    parser.add_argument("--batch-size", type=_positive, default=1024, help="puzzles per batch")
    parser.add_argument("--repeats", type=_positive, default=3, help="timed evaluations of each copy")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                        help="cuda (where the kernels run) or cpu (both copies then run the plain layers)")
    args = parser.parse_args(argv)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        parser.error(f"--device {args.device}: PyTorch sees no GPU here; use --device cpu")
    return args


def _timed(model, inputs: torch.Tensor, labels: torch.Tensor, steps: int, batch_size: int) -> tuple[float, float]:
    """(seconds, exact accuracy) of one evaluation, the device synchronised before each clock read."""
    if inputs.device.type == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    result = evaluate_model(model, inputs, labels, steps=steps, batch_size=batch_size)
    if inputs.device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - started, result.exact_accuracy


def main(argv: list[str] | None = None) -> dict:
    """Run the comparison; returns the summary it prints last."""
    args = _parse_args(argv)
    table, _ = fill_solutions(read_puzzle_csv(args.data, limit=args.limit))
    inputs, labels = encode_grids(table.puzzles, args.device), encode_grids(table.solutions, args.device)
    plain = load_model(args.checkpoint, args.device).model
    kernels = load_model(args.checkpoint, args.device).model
    on_kernels = use_evaluation_kernels(kernels, args.device, None)
    models = {"plain": plain, "kernels" if on_kernels else "plain (second copy)": kernels}
    for model in models.values():  # compile the kernels and fill caches outside the clock
        evaluate_model(model, inputs[:args.batch_size], labels[:args.batch_size], steps=1, batch_size=args.batch_size)
    seconds, accuracy = {name: [] for name in models}, {}
    for repeat in range(args.repeats):
        for name, model in models.items():
            elapsed, accuracy[name] = _timed(model, inputs, labels, args.steps, args.batch_size)
            seconds[name].append(elapsed)
            print(json.dumps({"repeat": repeat, "layers": name, "seconds": round(elapsed, 3),
                              "exact_accuracy": accuracy[name]}), flush=True)
    median = dict(zip(("plain", "kernels"), (statistics.median(values) for values in seconds.values())))
    summary = {"checkpoint": args.checkpoint, "data": args.data, "puzzles": len(inputs), "steps": args.steps,
               "device": torch.cuda.get_device_name() if args.device.startswith("cuda") else args.device,
               "kernels_enabled": on_kernels,
               **{f"{name}_seconds": round(value, 3) for name, value in median.items()},
               **{f"{name}_puzzles_per_second": round(len(inputs) / value, 1) for name, value in median.items()},
               "speedup": round(median["plain"] / median["kernels"], 2) if on_kernels else None,
               **dict(zip(("plain_exact_accuracy", "kernels_exact_accuracy"), accuracy.values()))}
    if not on_kernels:
        summary["note"] = ("the kernels cannot run here (they need a CUDA GPU with Triton, under bf16): both copies "
                           "ran the plain layers, so there is no speed-up to report")
    print(json.dumps(summary), flush=True)
    return summary


if __name__ == "__main__":
    main()
