"""Command line: ``python -m trm.sudoku solve|generate|grade|make-pool``.

Exit status 0 on success, 1 for a puzzle that is invalid, has no solution or more than one, 2 for bad usage.
A PUZZLE argument is puzzle text in any format ``parse_puzzle`` accepts, or ``-`` to read it from stdin.
"""

import argparse
import os
import re
import sys
from pathlib import Path

import numpy as np

import trm.cli_types as cli_types
from trm.errors import PuzzleError, TRMError
from trm.sudoku.generator import LEVELS_BY_SIZE, generate_puzzle, make_pool
from trm.sudoku.grade import LEVELS, grade_puzzle
from trm.sudoku.parse import format_grid, grid_to_string, parse_puzzle
from trm.sudoku.shape import SHAPES, shape_for_cells, shape_for_size
from trm.sudoku.solver import SolveStatus, solve


def _read_puzzle(args: argparse.Namespace) -> np.ndarray:
    text = sys.stdin.read() if args.puzzle == "-" else args.puzzle
    try:
        return parse_puzzle(text, args.size)
    except PuzzleError as error:
        if args.puzzle != "-" and _looks_like_a_file_name(args.puzzle):
            raise PuzzleError(f"{error} One puzzle in a file goes in through stdin: python -m trm.sudoku "
                              f"{args.command} - < {args.puzzle}") from error
        raise


def _looks_like_a_file_name(text: str) -> bool:
    """A path or a name with an extension, where a puzzle was expected (puzzles hold no letters)."""
    return Path(text).exists() or bool(re.search(r"[A-Za-z_]", text) and re.search(r"[./\\]", text))


def _solve(args: argparse.Namespace) -> int:
    grid = _read_puzzle(args)
    shape = shape_for_cells(len(grid))
    result = solve(grid, shape, limit=2)
    if result.status is SolveStatus.NO_SOLUTION:
        raise PuzzleError("This puzzle has no solution: its givens cannot all be completed. Check them.")
    if result.status is SolveStatus.MULTIPLE:
        raise PuzzleError("This puzzle has more than one solution (two differ at "
                          f"{int(np.sum(result.solutions[0] != result.solutions[1]))} cells); add givens.")
    print(grid_to_string(result.solution))
    print(format_grid(result.solution, shape))
    return 0


def default_level(size: int) -> str:
    """Medium where the size has it, else its easiest level."""
    return "medium" if "medium" in LEVELS_BY_SIZE[size] else LEVELS_BY_SIZE[size][0]


def _generate(args: argparse.Namespace) -> int:
    shape = shape_for_size(args.size)
    rng = np.random.default_rng(args.seed)
    for _ in range(args.count):
        print(grid_to_string(generate_puzzle(shape, args.level or default_level(args.size), rng).puzzle))
    return 0


def _grade(args: argparse.Namespace) -> int:
    grid = _read_puzzle(args)
    grade = grade_puzzle(grid, shape_for_cells(len(grid)))
    used = ", ".join(f"{name} x{count}" for name, count in grade.techniques.items()) or "none"
    print(f"level: {grade.level}")
    print(f"techniques: {used}")
    print(f"hardest technique: {grade.hardest_technique}")
    print(f"guesses needed: {grade.guesses} (backtracks: {grade.backtracks})")
    return 0


def _make_pool(args: argparse.Namespace) -> int:
    print(make_pool(shape_for_size(args.size), args.count, args.seed, args.out))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``python -m trm.sudoku``."""
    parser = argparse.ArgumentParser(prog="python -m trm.sudoku", description="Solve, generate and grade Sudoku.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, handler, text in (("solve", _solve, "print the solution"), ("grade", _grade, "print the level")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("puzzle", help="puzzle text (0 or . for blanks), or - to read stdin")
        sub.add_argument("--size", type=int, choices=sorted(SHAPES), help="grid size (default: from cell count)")
        sub.set_defaults(handler=handler)
    gen = commands.add_parser("generate", help="print new puzzles, one per line")
    gen.add_argument("--size", type=int, choices=sorted(SHAPES), default=9)
    gen.add_argument("--level", choices=LEVELS, help="default: medium (easy for 4x4, which has no other)")
    gen.add_argument("--count", type=cli_types.positive_int, default=1)
    gen.add_argument("--seed", type=cli_types.seed, default=None, help="seed for a repeatable run")
    gen.set_defaults(handler=_generate)
    pool = commands.add_parser("make-pool", help="write a pool of extreme puzzles for the generator")
    pool.add_argument("--size", type=int, choices=sorted(SHAPES), default=9)
    pool.add_argument("--count", type=cli_types.positive_int, default=300)
    pool.add_argument("--seed", type=cli_types.seed, default=0)
    pool.add_argument("--out", type=Path, default=None, help="CSV path (default: assets/puzzles/...)")
    pool.set_defaults(handler=_make_pool)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "generate" and args.level and args.level not in LEVELS_BY_SIZE[args.size]:
        levels = LEVELS_BY_SIZE[args.size]
        parser.error(f"argument --level: no '{args.level}' level for {args.size}x{args.size} puzzles: "
                     + (f"they come in one, {levels[0]}" if len(levels) == 1 else f"choose one of {', '.join(levels)}"))
    try:
        status = args.handler(args)
        sys.stdout.flush()  # here, so a reader that went away is caught below and not at exit
        return status
    except TRMError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader stopped early (`| head`): what it wanted was written
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the interpreter's own flush would fail too
        return 0
