"""TRM Studio's engine: Sudoku domain, data, the Tiny Recursive Model, training, evaluation and tracing.

Runs headless and never imports streamlit. The public API is listed in ``__all__``.
"""

import os

# PyTorch's OpenMP threads spin while they wait. With a second busy process on a 2-core machine (the app beside a
# training run) a 9x9 network call took 352 ms instead of 22 ms; passive waiting avoids that. Must precede torch.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from trm.errors import CheckpointError, ConfigError, DataError, PuzzleError, TRMError

__all__ = ["CheckpointError", "ConfigError", "DataError", "PuzzleError", "TRMError"]
