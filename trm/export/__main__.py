"""Command line: export a run's model into ``checkpoints/<name>/``, or write a checkpoint's card again.

    python -m trm.export --run runs/sudoku9-mlp --name sudoku9-mlp \
        --eval forum-hardest=assets/puzzles/heldout_forum_hardest.csv --extra-steps 32 64 [--limit N] \
        [--difficulty-mix assets/puzzles/sudoku_extreme_train_1k.csv]
    python -m trm.export --card-only checkpoints/sudoku9-mlp [--data data/sudoku9] [--run RUN]   # card only
    python -m trm.export --card-only checkpoints/sudoku9-mlp --eval NAME=PATH ... [--limit N]   # new evaluations

Each evaluation also records its accuracy by difficulty band; with a difficulty mix, the card estimates the
accuracy on a set of that mix from all sets' bands pooled.
"""

import argparse
import json
import sys
from pathlib import Path


import trm.cli_types as cli_types
from trm.errors import TRMError
from trm.export.checkpoint_export import (export_checkpoint, read_checkpoint_eval_sets, reevaluate_checkpoint,
                                          rerender_card)


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m trm.export", description="Export a run into checkpoints/.")
    parser.add_argument("--run", help="run folder (from python -m trm.train); with --card-only: its held-out curve")
    parser.add_argument("--name", help="checkpoint name, e.g. sudoku9-mlp")
    parser.add_argument("--card-only", metavar="CHECKPOINT",
                        help="only write CHECKPOINT/MODEL_CARD.md again from its config.json; with --eval, replace "
                             "its evaluations by new ones of its own files (the weights stay); --compare-run and "
                             "--test-time also record what they add in its config.json")
    parser.add_argument("--data", help="with --card-only: the data folder the model trained on, for provenance")
    parser.add_argument("--compare-run", action="append", default=[], metavar="RUN_DIR",
                        help="with --card-only: show this run of another recipe beside the model (repeatable; "
                             "the runs given replace those shown before)")
    parser.add_argument("--test-time", action="append", default=[], metavar="JSON",
                        help="with --card-only: add a test-time section from bench/test_time_rules.py --card-json")
    parser.add_argument("--dest", help="folder the checkpoint NAME is written into (default: checkpoints)")
    parser.add_argument("--force", action="store_true", help="replace an existing checkpoint DEST/NAME")
    parser.add_argument("--source", choices=["best", "latest"],
                        help="the run's best EMA weights on its held-out evaluations (best/, the default), or those "
                             "of its latest saved state")
    parser.add_argument("--eval", action="append", default=[], metavar="NAME=PATH",
                        help="held-out set: a puzzle CSV, a data folder (its test split), a split .npz, or "
                             "minimal:4 for every minimal 4x4 puzzle (85,632, enumerated)")
    parser.add_argument("--extra-steps", type=cli_types.int_up_to(cli_types.MAX_EVAL_STEPS, "steps"), nargs="+",
                        default=[], help="also evaluate at these step counts")
    parser.add_argument("--limit", type=cli_types.positive_int, help="evaluate the first N puzzles of each set")
    parser.add_argument("--summary", default="",
                        help="the card's opening sentence (default: the model, its preset and step; with --card-only: "
                             "the one it has)")
    parser.add_argument("--status", default="",
                        help="the card's status line (default: the run's, or with --card-only the card's own)")
    parser.add_argument("--device", type=cli_types.device, default=cli_types.default_device(),
                        help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--fp32", action="store_true", help="on CUDA: evaluate in float32 (default: bf16 autocast)")
    parser.add_argument("--bf16", action="store_true", help="on the CPU: evaluate in bf16 autocast, as on CUDA")
    parser.add_argument("--batch-size", type=cli_types.positive_int, default=512, help="puzzles per evaluation batch")
    parser.add_argument("--difficulty-mix", metavar="CSV",
                        help="estimate the accuracy on a set with this CSV's difficulty mix (all sets pooled)")
    args = parser.parse_args(argv)
    problem = _combination_problem(args) or _card_only_problem(args)
    if problem:
        parser.error(problem)
    args.dest, args.source = args.dest or "checkpoints", args.source or "best"
    return args


def _combination_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with how the options are combined, or None."""
    if not args.card_only and not (args.run and args.name):
        return "--run and --name are required (or --card-only CHECKPOINT)"
    for option, given in (("--test-time", args.test_time), ("--compare-run", args.compare_run)):
        if given and (not args.card_only or args.eval):
            return f"{option} goes with --card-only CHECKPOINT, without --eval"
    if args.fp32 and args.bf16:
        return "choose one of --fp32 and --bf16"
    if any("=" not in item for item in args.eval):
        return "--eval takes NAME=PATH"
    if args.dest and Path(args.dest).exists() and not Path(args.dest).is_dir():
        return f"--dest {args.dest} is a file; give the folder the checkpoint goes into"
    return None


def _card_only_problem(args: argparse.Namespace) -> str | None:
    """Options that do nothing where they were given (--card-only rewrites one checkpoint's card in place)."""
    if not args.card_only:
        return "--data goes with --card-only CHECKPOINT" if args.data else None
    export_only = [flag for flag, given in (("--name", args.name), ("--dest", args.dest), ("--force", args.force),
                                            ("--source", args.source)) if given]
    if export_only:
        return f"{', '.join(export_only)}: only for exporting a run; --card-only works on the checkpoint in place"
    evaluation_only = [flag for flag, given in (("--limit", args.limit), ("--extra-steps", args.extra_steps),
                                                ("--fp32", args.fp32), ("--bf16", args.bf16),
                                                ("--difficulty-mix", args.difficulty_mix)) if given]
    if not args.eval and evaluation_only:
        return (f"{', '.join(evaluation_only)}: only with --eval (with --card-only: new evaluations of the "
                f"checkpoint)")
    return None


def _run(args: argparse.Namespace) -> Path:
    """Do what the arguments ask; returns the checkpoint folder written."""
    sets = dict(item.split("=", 1) for item in args.eval)
    autocast = False if args.fp32 else True if args.bf16 else None
    if args.card_only and sets:
        eval_sets = read_checkpoint_eval_sets(Path(args.card_only), sets, args.limit)
        return reevaluate_checkpoint(Path(args.card_only), eval_sets, args.extra_steps, args.device, autocast,
                                     args.batch_size, args.difficulty_mix, args.summary, args.status)
    if args.card_only:
        return rerender_card(Path(args.card_only), args.data, args.run, args.compare_run, args.test_time,
                             args.summary, args.status)
    return export_checkpoint(Path(args.run), args.name, Path(args.dest), args.source, sets, args.extra_steps,
                             args.limit, args.summary, args.status, args.device, autocast=autocast,
                             batch_size=args.batch_size, difficulty_mix=args.difficulty_mix, replace=args.force)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; prints {"checkpoint": PATH} and returns 0, or prints the error and returns 2."""
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    existed = args.name is not None and (Path(args.dest) / args.name).exists()
    try:
        path = _run(args)
    except (TRMError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        written = None if args.card_only or existed else Path(args.dest) / args.name
        if written is not None and written.exists():  # saved before its evaluations: say what it holds
            print(f"\nnote: {written} was written with the evaluations finished so far; its card says "
                  f"which. Export again with --force, or add evaluations with --card-only {written} --eval ...",
                  file=sys.stderr)
        raise
    print(json.dumps({"checkpoint": str(path)}))
    return 0


if __name__ == "__main__":
    sys.exit(cli_types.run_command(main))
