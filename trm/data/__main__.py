"""Command line: ``python -m trm.data build --size 9 --out data/sudoku9`` (see ``--help``)."""

import argparse
import json
import sys

import trm.cli_types as cli_types
from trm.data.build import build
from trm.data.heldout import make_heldout_samples
from trm.errors import ConfigError, TRMError


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m trm.data`` argument parser with its ``build`` and ``heldout`` commands."""
    parser = argparse.ArgumentParser(prog="python -m trm.data", description="Build Sudoku train/test data sets.")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("build", help="write train.npz, test.npz and meta.json for one size")
    make.add_argument("--size", type=int, choices=(4, 6, 9), required=True, help="grid size")
    make.add_argument("--out", required=True, help="output directory, e.g. data/sudoku9")
    make.add_argument("--test-limit", type=int, default=None,
                      help="cap the test split (seeded sample)")
    make.add_argument("--seed", type=cli_types.seed, default=0, help="seed of every random choice")
    make.add_argument("--extra-train", action="append", default=[], metavar="CSV",
                      help="9x9: add this file's puzzles to the training split (minus any equivalent to a test "
                           "puzzle); repeatable")
    heldout = commands.add_parser("heldout", help="remake the held-out 9x9 samples in assets/puzzles")
    heldout.add_argument("--shared-dir", required=True, help="folder holding the full tdoku_*.csv lists")
    heldout.add_argument("--seed", type=cli_types.seed, default=0, help="seed of the samples")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status (2 with a message on stderr for a TRMError)."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "build":
            if args.test_limit is not None and args.test_limit < 1:
                raise ConfigError(f"--test-limit must be at least 1, got {args.test_limit}.")
            meta = build(args.size, args.out, test_limit=args.test_limit, seed=args.seed,
                         extra_train_files=tuple(args.extra_train))
            keys = ("size", "counts", "dedupe", "extra_train_dedupe", "build_seconds")
            print(json.dumps({k: meta[k] for k in keys if k in meta}, indent=2))
        else:
            stats = make_heldout_samples(args.shared_dir, seed=args.seed)
            print(json.dumps({name: s.to_dict() for name, s in stats.items()}, indent=2))
    except TRMError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
