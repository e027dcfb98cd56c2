"""Command line: ``python -m trm.data build --size 9 --out data/sudoku9`` (see ``--help``)."""

import argparse
import json
import sys
from pathlib import Path

import trm.cli_types as cli_types
from trm.data.build import build
from trm.data.generated import MINIMAL_SOURCE, write_minimal_puzzles
from trm.data.splits import load_split
from trm.data.heldout import make_heldout_samples
from trm.errors import ConfigError, DataError, TRMError


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
    make.add_argument("--force", action="store_true",
                      help="replace a data set in --out that was built with another seed, test limit or extra files")
    minimal = commands.add_parser("minimal", help="write a CSV of random minimal puzzles (no given can go)")
    minimal.add_argument("--size", type=int, choices=(4, 6), required=True, help="grid size")
    minimal.add_argument("--count", type=cli_types.non_negative_int, required=True,
                         help="puzzles to write; 0 with --size 4 writes all 85,632")
    minimal.add_argument("--seed", type=cli_types.seed, default=0, help="seed of the random puzzles")
    minimal.add_argument("--out", required=True,
                         help="CSV file to write; an existing one only if this command wrote it")
    minimal.add_argument("--force", action="store_true", help="let --out replace any existing file")
    minimal.add_argument("--unlike", metavar="DATA_DIR",
                         help="leave out puzzles equivalent to one in this data folder's train split")
    heldout = commands.add_parser("heldout", help="remake the held-out 9x9 samples in assets/puzzles")
    heldout.add_argument("--shared-dir", required=True, help="folder holding the full tdoku_*.csv lists")
    heldout.add_argument("--seed", type=cli_types.seed, default=0, help="seed of the samples")
    return parser


def _unlike_puzzles(folder: str, size: int):
    """The train puzzles of --unlike's data set, which must hold puzzles of the size drawn (DataError else)."""
    train = load_split(Path(folder), "train")
    if train.shape.size != size:
        raise DataError(f"--unlike {folder} holds {train.shape.size}x{train.shape.size} puzzles, but --size is "
                        f"{size}: give a {size}x{size} data set.")
    return train.puzzles


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status (2 with a message on stderr for a TRMError)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    problem = args.command == "minimal" and cli_types.output_file_problem(
        "--out", args.out, force=args.force, inputs=(args.unlike,), own_header="puzzle,solution,source",
        own_row_part=f",{MINIMAL_SOURCE}|", parent_must_exist=False)
    if args.command == "minimal" and args.count == 0 and args.size != 4:
        problem = "--count 0 (every minimal puzzle) is for --size 4 only: give how many 6x6 puzzles to draw"
    if problem:
        parser.error(problem)
    try:
        if args.command == "build":
            if args.test_limit is not None and args.test_limit < 1:
                raise ConfigError(f"--test-limit must be at least 1, got {args.test_limit}.")
            meta = build(args.size, args.out, test_limit=args.test_limit, seed=args.seed,
                         extra_train_files=tuple(args.extra_train), force=args.force)
            keys = ("size", "counts", "dedupe", "extra_train_dedupe", "build_seconds")
            print(json.dumps({k: meta[k] for k in keys if k in meta}, indent=2))
            for name, counts in meta.get("extra_train_dedupe", {}).items():
                if counts["kept"] == 0:
                    print(f"note: none of {name}'s {counts['rows']:,} puzzles joined the training split: each is "
                          f"already in it or equal or equivalent to a held-out puzzle", file=sys.stderr)
        elif args.command == "minimal":
            unlike = _unlike_puzzles(args.unlike, args.size) if args.unlike else None
            written = write_minimal_puzzles(args.size, args.count, args.seed, Path(args.out), unlike)
            if unlike is not None and written < args.count:  # 4x4 has too few kinds of puzzle to draw more
                print(f"note: {args.count - written} of the {args.count} puzzles drawn are equivalent to one in "
                      f"{args.unlike}'s train split and were left out", file=sys.stderr)
            print(json.dumps({"size": args.size, "puzzles": written, "out": args.out}))
        else:
            stats = make_heldout_samples(args.shared_dir, seed=args.seed)
            print(json.dumps({name: s.to_dict() for name, s in stats.items()}, indent=2))
    except TRMError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(cli_types.run_command(main))
