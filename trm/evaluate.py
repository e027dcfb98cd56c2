"""Command line: evaluate a checkpoint on a puzzle CSV.

    python -m trm.evaluate --checkpoint checkpoints/sudoku9-mlp --data assets/puzzles/heldout.csv
                           [--limit N] [--steps K] [--threshold 0.5] [--json]

Prints exact and cell accuracy, accuracy at every supervision step, the halting-step histogram at the
threshold, and the Q-head's calibration. Solutions missing from the CSV are computed by the exact solver;
puzzles without a unique solution are skipped (and counted).
"""

import argparse
import json
import sys

import numpy as np
import torch

from trm.checkpoint import load_model
from trm.errors import DataError, TRMError
from trm.evaluation import EvalResult, evaluate_model
from trm.sudoku.csv_io import PuzzleTable, read_puzzle_csv
from trm.sudoku.solver import SolveStatus, solve


def fill_solutions(table: PuzzleTable) -> tuple[PuzzleTable, int]:
    """The table with solutions (computed where missing) and how many puzzles were dropped as not unique."""
    if table.solutions is not None:
        return table, 0
    keep, solutions = [], []
    for i, puzzle in enumerate(table.puzzles):
        result = solve(puzzle, table.shape)
        if result.status == SolveStatus.UNIQUE:
            keep.append(i)
            solutions.append(result.solutions[0])
    if not keep:
        raise DataError("No puzzle in the file has a unique solution; nothing to evaluate.")
    return PuzzleTable(table.shape, table.puzzles[keep], np.stack(solutions), [table.sources[i] for i in keep]), \
        len(table) - len(keep)


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m trm.evaluate", description="Evaluate a TRM checkpoint.")
    parser.add_argument("--checkpoint", required=True, help="checkpoint folder (config.json + model*.safetensors)")
    parser.add_argument("--data", required=True, help="CSV with a puzzle column (and optionally solution)")
    parser.add_argument("--limit", type=int, help="evaluate the first N puzzles")
    parser.add_argument("--steps", type=int, help="supervision steps (default: the model's maximum; more = test-time)")
    parser.add_argument("--threshold", type=float, default=0.5, help="P(halt) at which the Q-head halts")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--fp32", action="store_true", help="on CUDA: float32 throughout (default: bf16 autocast)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser.parse_args(argv)


def _print_report(result: EvalResult, skipped: int) -> None:
    print(f"puzzles: {result.count}" + (f" ({skipped} skipped: no unique solution)" if skipped else "")
          + f"   precision: {result.precision}")
    print(f"exact accuracy after {result.steps} steps: {result.exact_accuracy:.2%}   cell accuracy: "
          f"{result.cell_accuracy:.2%}")
    print(f"halting at P(halt) >= {result.halt_threshold}: accuracy {result.halted_exact_accuracy:.2%}, "
          f"mean step {result.mean_halt_step:.2f}, Q-head agreement {result.q_halt_accuracy:.2%}")
    print("step  exact    cells    halted here")
    for step, (exact, cells, halted) in enumerate(zip(result.accuracy_by_step, result.cell_accuracy_by_step,
                                                      result.halt_step_histogram), start=1):
        print(f"{step:>4}  {exact:7.2%}  {cells:7.2%}  {halted:>6}")


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    try:
        loaded = load_model(args.checkpoint, args.device)
        table, skipped = fill_solutions(read_puzzle_csv(args.data, limit=args.limit))
        if table.shape.size != loaded.config.grid_size:
            raise DataError(f"{args.data} holds {table.shape.size}x{table.shape.size} puzzles but the checkpoint "
                            f"was trained on {loaded.config.grid_size}x{loaded.config.grid_size}.")
    except TRMError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    inputs = torch.as_tensor(table.puzzles, dtype=torch.long, device=args.device) + 1
    labels = torch.as_tensor(table.solutions, dtype=torch.long, device=args.device) + 1
    result = evaluate_model(loaded.model, inputs, labels, steps=args.steps, batch_size=args.batch_size,
                            halt_threshold=args.threshold, show_progress=not args.json, autocast=not args.fp32)
    if args.json:
        print(json.dumps({**result.to_dict(), "checkpoint": str(loaded.path), "data": args.data, "skipped": skipped}))
    else:
        _print_report(result, skipped)
    return 0


if __name__ == "__main__":
    sys.exit(main())
