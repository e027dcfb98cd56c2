"""``python -m trm.evaluate``: see trm.evaluate.cli."""

import sys

from trm.evaluate.cli import main

sys.exit(main())
