"""The Solve page's model picker: what trm.catalog finds, loaded once per process and described in a line."""

import streamlit as st

from trm import LoadedModel, default_device, load_model
from trm.catalog import origin_summary, training_summary
from trm.inference import compile_status, is_compile_enabled, prepare_for_solving

HOW_TO_GET_ONE = {
    4: "`python -m trm.train --preset sudoku4-tiny --out runs/sudoku4` (minutes on a laptop CPU)",
    6: "`python -m trm.train --preset sudoku6-small --out runs/sudoku6` (CPU, a few minutes)",
    9: "`python -m trm.train --preset sudoku9-mlp --out runs/sudoku9` (GPU), or copy a trained folder to "
       "`checkpoints/sudoku9-mlp/`",
}


def device_name() -> str:
    return default_device()


@st.cache_resource(max_entries=4, show_spinner="Loading the model…")
def load_shared_model(path: str, mtime: float, device: str) -> LoadedModel:
    """Load a checkpoint once per process (keyed by path and mtime); shared by every session, so read-only.

    Starts compiling the network in the background when that pays (trm.inference). Raises CheckpointError.
    """
    del mtime  # part of the cache key only
    loaded = load_model(path, device)
    loaded.model.requires_grad_(False)
    prepare_for_solving(loaded.model)
    return loaded


def describe(loaded: LoadedModel) -> str:
    """One line about the model: size, recursion, training metrics when the checkpoint has them."""
    c = loaded.config
    parameters = sum(p.numel() for p in loaded.model.parameters())
    text = (f"{c.grid_size}×{c.grid_size} {c.display_name}, "
            f"{parameters / 1e6:.2f} M parameters, D={c.hidden_size}, T={c.answer_cycles} cycles × "
            f"(n={c.latent_steps} z-updates + 1 y-update) = {c.calls_per_step} calls per step, "
            f"up to {c.max_supervision_steps} steps")
    metadata = loaded.metadata if isinstance(loaded.metadata, dict) else {}
    return text + origin_summary(metadata) + training_summary(metadata)


def _seconds(seconds: float) -> str:
    return "under a second" if seconds < 1 else f"{seconds:.0f} s"


def compile_note(loaded: LoadedModel) -> str:
    """Where the fast path stands, in words for the page."""
    status = compile_status(loaded.model)
    return {
        "compiling": "Compiling the network in the background; solves run eager (slower) until it is ready.",
        "ready": f"Compiled network in use (compiled in {_seconds(status.seconds)}).",
        "failed": f"Compiling failed, running eager: {status.message}",
    }.get(status.state, "Running eager (no compilation for this model)." if is_compile_enabled() else
          "Running eager: compilation is switched off (TRM_COMPILE=0).")
