"""TRM Studio's engine: Sudoku domain, data, the Tiny Recursive Model, training, evaluation and tracing.

Runs headless and never imports streamlit. The public API is this package's ``__all__`` plus the ``__all__`` of
the modules in ``PUBLIC_MODULES`` (the README's Layout section says what each owns); the app and the benches
import nothing else (tests/test_architecture.py checks).
"""

import importlib
import os

# PyTorch's OpenMP threads spin while they wait. With a second busy process on a 2-core machine (the app beside a
# training run) a 9x9 network call took 352 ms instead of 22 ms; passive waiting avoids that. Must precede torch.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from trm.errors import CheckpointError, ConfigError, DataError, PuzzleError, TRMError  # noqa: E402

PUBLIC_MODULES = ("trm", "trm.sudoku", "trm.data", "trm.kernels", "trm.model", "trm.inference", "trm.trace",
                  "trm.evaluate", "trm.catalog", "trm.runs", "trm.train", "trm.export", "trm.render",
                  "trm.convert", "trm.control")

# The rest of the facade loads on first use, so ``import trm.sudoku`` (or any light part) does not import torch.
_LAZY_EXPORTS = {"LoadedModel": "trm.checkpoint", "load_model": "trm.checkpoint", "save_model": "trm.checkpoint",
                 "build_model": "trm.model.build", "ModelConfig": "trm.model.config",
                 "decode_tokens": "trm.model.tokens", "encode_grids": "trm.model.tokens",
                 "RecursiveModel": "trm.model.trm", "count_parameters": "trm.model.trm",
                 "weights_fingerprint": "trm.checkpoint", "check_folder_name": "trm.checkpoint",
                 "default_device": "trm.cli_types"}

__all__ = ["CheckpointError", "ConfigError", "DataError", "LoadedModel", "ModelConfig", "PUBLIC_MODULES",
           "PuzzleError", "RecursiveModel", "TRMError", "build_model", "check_folder_name", "count_parameters",
           "decode_tokens", "default_device",
           "encode_grids", "load_model", "save_model", "weights_fingerprint"]


def __getattr__(name: str):
    if name in _LAZY_EXPORTS:
        return getattr(importlib.import_module(_LAZY_EXPORTS[name]), name)
    raise AttributeError(f"module 'trm' has no attribute {name!r}")
