"""``python -m trm.sudoku``: solve, grade and generate puzzles (see trm/sudoku/cli.py)."""

import sys

from trm.sudoku.cli import main

if __name__ == "__main__":
    sys.exit(main())
