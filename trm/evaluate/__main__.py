"""``python -m trm.evaluate``: see trm.evaluate.cli."""

import sys

import trm.cli_types as cli_types
from trm.evaluate.cli import main

sys.exit(cli_types.run_command(main))
