"""TRM Studio's engine: Sudoku domain, data, the Tiny Recursive Model, training, evaluation and tracing.

Runs headless and never imports streamlit. The public API is listed in ``__all__``.
"""

from trm.errors import CheckpointError, ConfigError, DataError, PuzzleError, TRMError

__all__ = ["CheckpointError", "ConfigError", "DataError", "PuzzleError", "TRMError"]
