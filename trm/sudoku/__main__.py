"""``python -m trm.sudoku``: solve, grade and generate puzzles (see trm/sudoku/cli.py)."""

import sys

import trm.cli_types as cli_types
from trm.sudoku.cli import main

if __name__ == "__main__":
    sys.exit(cli_types.run_command(main))
