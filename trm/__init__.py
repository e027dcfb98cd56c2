"""TRM Studio's engine: Sudoku domain, data, the Tiny Recursive Model, training, evaluation and tracing.

Runs headless and never imports streamlit. The public API is this package's ``__all__`` plus the ``__all__`` of
the public modules listed in ``PUBLIC_MODULES`` (the README's Layout section says what each owns); the app and
the benches import nothing else (tests/test_architecture.py checks).
"""

import os

# PyTorch's OpenMP threads spin while they wait. With a second busy process on a 2-core machine (the app beside a
# training run) a 9x9 network call took 352 ms instead of 22 ms; passive waiting avoids that. Must precede torch.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from trm.checkpoint import LoadedModel, load_model, save_model  # noqa: E402 - after the OpenMP setting
from trm.errors import CheckpointError, ConfigError, DataError, PuzzleError, TRMError  # noqa: E402
from trm.model.build import build_model  # noqa: E402
from trm.model.config import ModelConfig  # noqa: E402
from trm.model.tokens import decode_tokens, encode_grids  # noqa: E402
from trm.model.trm import RecursiveModel, count_parameters  # noqa: E402

PUBLIC_MODULES = ("trm", "trm.sudoku", "trm.data", "trm.kernels", "trm.model", "trm.inference", "trm.trace",
                  "trm.evaluate", "trm.catalog", "trm.runs", "trm.train", "trm.export", "trm.control")

__all__ = ["CheckpointError", "ConfigError", "DataError", "LoadedModel", "ModelConfig", "PUBLIC_MODULES",
           "PuzzleError", "RecursiveModel", "TRMError", "build_model", "count_parameters", "decode_tokens",
           "encode_grids", "load_model", "save_model"]
