import sys

from trm.sudoku.cli import main

sys.exit(main())
