"""Command line: evaluate a checkpoint on a puzzle CSV (``python -m trm.evaluate``).

    python -m trm.evaluate --checkpoint checkpoints/sudoku9-mlp --data assets/puzzles/heldout.csv
                           [--limit N] [--steps K] [--threshold 0.5] [--bf16] [--json]
                           [--by-difficulty] [--difficulty-mix OTHER.csv] [--predictions ROWS.csv]

Prints exact and cell accuracy, accuracy at every supervision step, the halting-step histogram at the
threshold, and the Q-head's calibration; optionally exact accuracy by difficulty band and what it implies on
another set's difficulty mix. Solutions missing from the CSV are computed by the exact solver; puzzles without
a unique solution are skipped (and counted). ``--predictions`` instead writes one row per puzzle (every puzzle
of the file): the grid at the last step, the step where P(halt) first reached the threshold and the final
Q-halt logit, for comparing models or a converted checkpoint with its original.
"""

import argparse
import sys
from pathlib import Path

import torch

import trm.cli_types as cli_types
from trm.checkpoint import load_model
from trm.errors import DataError, TRMError
from trm.evaluate.accuracy import EvalResult, evaluate_model
from trm.evaluate.difficulty import BandAccuracy, MixEstimate, accuracy_by_band, estimate_for_mix, puzzle_backtracks
from trm.evaluate.sources import read_eval_set
from trm.evaluate.agreement import evaluate_agreement
from trm.evaluate.gpu_kernels import use_evaluation_kernels
from trm.evaluate.predictions import COLUMNS as PREDICTION_COLUMNS, predict, write_predictions_csv
from trm.evaluate.views import ViewsResult, evaluate_views
from trm.inference.selection import SELECTIONS
from trm.model.tokens import encode_grids
from trm.progress_bars import progress_bar
from trm.sudoku.csv_io import PuzzleTable, read_puzzle_csv


MAX_STEPS = cli_types.MAX_EVAL_STEPS  # shared with trm.export --extra-steps
MAX_VIEWS = 64  # twice the Solve page's 32; each view is a full copy of the batch in memory


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m trm.evaluate", description="Evaluate a TRM checkpoint.")
    parser.add_argument("--checkpoint", required=True, help="checkpoint folder (config.json + model*.safetensors)")
    parser.add_argument("--data", required=True,
                        help="puzzle CSV (a puzzle column, optionally solution), a built data folder (its test "
                             "split), a split's .npz file, or minimal:4 (every minimal 4x4 puzzle)")
    parser.add_argument("--limit", type=cli_types.positive_int, help="evaluate the first N puzzles")
    parser.add_argument("--steps", type=cli_types.int_up_to(MAX_STEPS, "steps"),
                        help="supervision steps (default: the model's maximum; more = test-time)")
    parser.add_argument("--threshold", type=cli_types.probability, default=0.5,
                        help="P(halt) at which the Q-head halts")
    parser.add_argument("--batch-size", type=cli_types.positive_int, default=256)
    parser.add_argument("--device", type=cli_types.device, default=cli_types.default_device(),
                        help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--fp32", action="store_true", help="on CUDA: float32 throughout (default: bf16 autocast)")
    parser.add_argument("--bf16", action="store_true",
                        help="on the CPU: bf16 autocast, as on CUDA (about 2x faster on CPUs with AVX512-BF16)")
    parser.add_argument("--by-difficulty", action="store_true",
                        help="also report exact accuracy by the exact solver's backtracks (0, 1-50, ..., 201+)")
    parser.add_argument("--difficulty-mix", metavar="CSV",
                        help="estimate the accuracy on a set with this CSV's difficulty mix (implies --by-difficulty)")
    parser.add_argument("--predictions", metavar="ROWS.csv",
                        help="write one row per puzzle (prediction, halting step, final Q-halt logit) instead; "
                             "an existing file is replaced only if it holds such rows")
    parser.add_argument("--force", action="store_true", help="let --predictions replace any existing file")
    parser.add_argument("--views", type=cli_types.int_up_to(MAX_VIEWS, "views"), default=1,
                        help="K views per puzzle (the puzzle, then K-1 random Sudoku symmetries of it), one chosen")
    parser.add_argument("--select", choices=SELECTIONS,  # None: not given (q), so --agree can refuse it given
                        help="with --views: the view with the highest Q-halt logit (q, default) or the majority grid")
    parser.add_argument("--agree", type=cli_types.positive_int, metavar="M",
                        help="with --views: the agreement stop rule instead (each view stops when its P(halt) "
                             "reaches --threshold; a puzzle once M halted views give the same grid; only unfinished "
                             "views are computed)")
    parser.add_argument("--noise", type=cli_types.non_negative_float, default=0.0,
                        help="with --views: std of Gaussian noise on the initial y and z of every view but the first")
    parser.add_argument("--seed", type=cli_types.seed, default=0,
                        help="with --views: seed of the symmetries and the noise")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    _check_combinations(parser, args)
    return args


def _check_combinations(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Usage errors no single option's type can see, raised before the long part."""
    if args.fp32 and args.bf16:
        parser.error("choose one of --fp32 and --bf16")
    several = args.views > 1 or args.agree or args.noise
    difficulty = args.by_difficulty or args.difficulty_mix
    if args.predictions and (several or difficulty):
        parser.error("--predictions writes one view's rows; it does not combine with --views, --agree, --noise, "
                     "--by-difficulty or --difficulty-mix")
    if several and difficulty:
        parser.error("--by-difficulty and --difficulty-mix measure one view; they do not combine with --views, "
                     "--agree or --noise")
    given = [option for option, used in (("--select vote", args.select == "vote"), ("--noise", args.noise)) if used]
    if given and args.views == 1:
        parser.error(f"{' and '.join(given)} {'work' if len(given) > 1 else 'works'} on several views of each "
                     "puzzle: add --views K (K >= 2)")
    if args.agree and args.agree > args.views:
        parser.error(f"--agree {args.agree} can never be met by {args.views} view(s): give --views {args.agree} "
                     "or more")
    if args.agree and not 0.0 < args.threshold < 1.0:
        parser.error(f"--agree counts views whose P(halt) reaches --threshold, so it needs one strictly between 0 "
                     f"and 1 (got {args.threshold:g}): at 0 every view would halt at once, at 1 none ever would")
    if args.agree and args.select is not None:
        parser.error("--agree picks the grid its agreeing views give; --select chooses among views without it: "
                     "give one of them")
    args.select = args.select or "q"
    problem = args.predictions and cli_types.output_file_problem(  # checked before the long part
        "--predictions", args.predictions, force=args.force, inputs=(args.data, args.difficulty_mix, args.checkpoint),
        own_header=",".join(PREDICTION_COLUMNS))
    if problem:
        parser.error(problem)
    if args.force and not args.predictions:
        parser.error("--force goes with --predictions (it lets them replace an existing file)")


def _puzzles_line(count: int, skipped: int, details: str) -> str:
    return f"puzzles: {count}" + (f" ({skipped} skipped: no unique solution)" if skipped else "") + details


def _print_report(result: EvalResult, skipped: int) -> None:
    print(_puzzles_line(result.count, skipped, f"   precision: {result.precision}"))
    print(f"exact accuracy after {result.steps} steps: {result.exact_accuracy:.2%}   cell accuracy: "
          f"{result.cell_accuracy:.2%}")
    print(f"halting at P(halt) >= {result.halt_threshold}: accuracy {result.halted_exact_accuracy:.2%}, "
          f"mean step {result.mean_halt_step:.2f}, Q-head agreement {result.q_halt_accuracy:.2%} (over every "
          f"step, P(halt) >= 0.5 exactly where the grid is right)")
    print("step  exact    cells    halted here (the last step also counts puzzles that never halted)")
    for step, (exact, cells, halted) in enumerate(zip(result.accuracy_by_step, result.cell_accuracy_by_step,
                                                      result.halt_step_histogram), start=1):
        print(f"{step:>4}  {exact:7.2%}  {cells:7.2%}  {halted:>6}")
    _print_calibration(result.calibration)


def _print_calibration(bins: list[dict]) -> None:
    """The Q-head's reliability over every (puzzle, step): in each P(halt) bin, how often the grid was right."""
    print("calibration: P(halt) bin, (puzzle, step) pairs, mean P(halt), share really solved")
    for row in bins:
        if row["count"]:
            print(f"{row['bin']:>8}  {row['count']:>8}  {row['mean_probability']:6.3f}  {row['accuracy']:7.2%}")


def _print_difficulty(bands: list[BandAccuracy], mix: MixEstimate | None, mix_path: str | None) -> None:
    print("exact accuracy by difficulty (the exact solver's backtracks)")
    print("backtracks  puzzles    exact")
    for band in bands:
        accuracy = "-" if band.accuracy is None else f"{band.accuracy:.2%}"
        print(f"{band.band:>10}  {band.count:>7}  {accuracy:>7}")
    if mix is None:
        return
    if mix.accuracy is None:
        print(f"no estimate for the difficulty mix of {mix_path}: no evaluated puzzle in band(s) "
              f"{', '.join(mix.missing)}")
    else:
        print(f"expected exact accuracy on the difficulty mix of {mix_path}: {mix.accuracy:.2%} "
              f"(standard error {mix.standard_error:.2%})")


def _read_mix(mix_path: str | None, table: PuzzleTable) -> PuzzleTable | None:
    """The --difficulty-mix puzzles, read and checked before the evaluation (the long part)."""
    if mix_path is None:
        return None
    mix = read_puzzle_csv(mix_path)
    if mix.shape != table.shape:
        raise DataError(f"{mix_path} holds {mix.shape.size}x{mix.shape.size} puzzles, not "
                        f"{table.shape.size}x{table.shape.size}.")
    return mix


def _difficulty(table: PuzzleTable, correct: list[bool], mix: PuzzleTable | None,
                quiet: bool) -> tuple[list[BandAccuracy], MixEstimate | None]:
    puzzles = progress_bar(table.puzzles, desc="backtracks", unit="puzzle", disable=quiet)
    bands = accuracy_by_band(puzzle_backtracks(puzzles, table.shape), correct)
    if mix is None:
        return bands, None
    return bands, estimate_for_mix(bands, puzzle_backtracks(mix.puzzles, mix.shape))


def _autocast(args: argparse.Namespace) -> bool | None:
    return False if args.fp32 else True if args.bf16 else None


def _print_views_report(result: ViewsResult, skipped: int) -> None:
    print(_puzzles_line(result.count, skipped,
                        f"   views: {result.views}   noise: {result.noise}   precision: {result.precision}"))
    print(f"exact accuracy after {result.steps} steps, answer chosen by {result.select}: {result.exact_accuracy:.2%}"
          f"   (views agreeing with it: {result.mean_agreement:.1%} of cells)")
    print(f"stopping each puzzle once its most confident view's P(halt) >= {result.halt_threshold}: "
          f"{result.accuracy_with_stop_by_step[-1]:.2%} after {result.mean_steps_with_stop_by_step[-1]:.1f} steps "
          f"per view on average ({result.views * result.mean_steps_with_stop_by_step[-1]:.0f} per puzzle)")
    print("step  Q-head     vote   view 0  any view")
    rules = result.accuracy_by_rule
    for step, row in enumerate(zip(rules["q"], rules["vote"], rules["view0"], rules["any"]), start=1):
        print(f"{step:>4}  " + "  ".join(f"{value:7.2%}" for value in row))


def _evaluate_agreement(args: argparse.Namespace, loaded, table: PuzzleTable, skipped: int) -> int:
    puzzles = torch.as_tensor(table.puzzles, device=args.device).long()
    solutions = torch.as_tensor(table.solutions, device=args.device).long()
    result = evaluate_agreement(loaded.model, puzzles, solutions, args.views, args.agree, args.steps, args.threshold,
                                args.noise, args.batch_size, _autocast(args), args.seed, show_progress=not args.json)
    if args.json:
        print(cli_types.strict_json({**result.to_dict(), "checkpoint": str(loaded.path), "data": args.data,
                                     "skipped": skipped}))
        return 0
    print(_puzzles_line(result.count, skipped, f"   views: {result.views}   noise: {result.noise}   "
                                                f"precision: {result.precision}"))
    print(f"each view stopping when its P(halt) >= {result.threshold}, a puzzle once {result.agree} halted views "
          f"agree (at most {result.steps} steps): exact accuracy {result.exact_accuracy:.2%}")
    print(f"{result.steps_per_puzzle:.1f} supervision steps per puzzle, all views together; stopped by agreement: "
          f"{result.stopped_by_agreement:.1%}; mean stop step {result.mean_stop_step:.1f}; "
          f"{result.seconds / result.count:.3f} s per puzzle")
    return 0


def _evaluate_views(args: argparse.Namespace, loaded, table: PuzzleTable, skipped: int) -> int:
    puzzles = torch.as_tensor(table.puzzles, device=args.device).long()
    solutions = torch.as_tensor(table.solutions, device=args.device).long()
    result = evaluate_views(loaded.model, puzzles, solutions, args.views, args.steps, args.select, args.noise,
                            args.batch_size, _autocast(args), args.seed, show_progress=not args.json,
                            halt_threshold=args.threshold)
    if args.json:
        print(cli_types.strict_json({**result.to_dict(), "checkpoint": str(loaded.path), "data": args.data,
                          "skipped": skipped}))
    else:
        _print_views_report(result, skipped)
    return 0


def _write_predictions(args: argparse.Namespace) -> int:
    try:
        loaded = load_model(args.checkpoint, args.device)
        table, _ = read_eval_set(args.data, args.limit, solve=False)
        if table.shape.size != loaded.config.grid_size:
            raise DataError(f"{args.data} holds {table.shape.size}x{table.shape.size} puzzles but the checkpoint "
                            f"solves {loaded.config.grid_size}x{loaded.config.grid_size}.")
        autocast = _autocast(args)
        bf16 = autocast if autocast is not None else args.device.startswith("cuda")  # as evaluate_model
        use_evaluation_kernels(loaded.model, args.device, autocast)
        predictions = predict(loaded.model, table.puzzles, args.steps, args.threshold, args.batch_size, bf16,
                              show_progress=not args.json)
        write_predictions_csv(Path(args.predictions), table, predictions)
    except (TRMError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    summary = {"predictions": args.predictions, "puzzles": len(table),
               "halted_at_threshold": int((predictions.halt_step > 0).sum())}
    if table.solutions is not None:
        summary["exact_accuracy"] = float((predictions.grids == table.solutions).all(axis=1).mean())
    print(cli_types.strict_json(summary) if args.json else
          ", ".join(f"{key}: {value}" for key, value in summary.items()))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    if args.predictions:
        return _write_predictions(args)
    try:
        loaded = load_model(args.checkpoint, args.device)
        dropped: list[int] = []
        table, skipped = read_eval_set(args.data, args.limit, dropped=dropped)
        if dropped and not args.json:
            print(f"note: skipped puzzle{'s' if len(dropped) > 1 else ''} {', '.join(map(str, dropped[:10]))}"
                  f"{', ...' if len(dropped) > 10 else ''} of {args.data} (counted from 1): no unique solution, "
                  "from conflicting givens or too few of them", file=sys.stderr)
        if table.shape.size != loaded.config.grid_size:
            raise DataError(f"{args.data} holds {table.shape.size}x{table.shape.size} puzzles but the checkpoint "
                            f"was trained on {loaded.config.grid_size}x{loaded.config.grid_size}.")
        mix_table = _read_mix(args.difficulty_mix, table)
        use_evaluation_kernels(loaded.model, args.device, _autocast(args))
    except TRMError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.agree:
        return _evaluate_agreement(args, loaded, table, skipped)
    if args.views > 1 or args.noise:
        return _evaluate_views(args, loaded, table, skipped)
    inputs, labels = encode_grids(table.puzzles, args.device), encode_grids(table.solutions, args.device)
    result = evaluate_model(loaded.model, inputs, labels, steps=args.steps, batch_size=args.batch_size,
                            halt_threshold=args.threshold, show_progress=not args.json, autocast=_autocast(args))
    report = {**result.to_dict(), "checkpoint": str(loaded.path), "data": args.data, "skipped": skipped}
    bands, mix = None, None
    if args.by_difficulty or args.difficulty_mix:
        bands, mix = _difficulty(table, result.puzzle_correct, mix_table, quiet=args.json)
        report["accuracy_by_difficulty"] = [band.to_dict() for band in bands]
        if mix is not None:
            report["difficulty_mix"] = {"data": args.difficulty_mix, **mix.to_dict()}
    if args.json:
        print(cli_types.strict_json(report))
        return 0
    _print_report(result, skipped)
    if bands is not None:
        _print_difficulty(bands, mix, args.difficulty_mix)
    return 0

