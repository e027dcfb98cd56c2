"""The compiled network: compile a model's one network once, in a background thread, else run eager.

One supervision step of the paper's 9x9 model is 21 calls of the same small network (2 blocks, 97 tokens,
batch 1); on a CPU each eager call spends much of its time in unfused elementwise ops and RMSNorms, which
``torch.compile`` fuses (about 2x on a 2-core CPU). Compiling takes tens of seconds, so it runs in a daemon
thread while the caller keeps using the eager network; :func:`network_for` hands the inference core the
compiled one once it is ready and has matched the eager one on a probe input, for the shapes it was compiled
for (batch 1, float32: one solve), so a caller with other shapes never waits for a recompilation. Any failure
(no C++ compiler, an inductor error, a mismatch) leaves the eager network in place and records why. The model
itself is never modified, so a model shared between users (``st.cache_resource``) stays read-only.

Set ``TRM_COMPILE=0`` to switch compilation off (tests, debugging).
"""

import os
import threading
import time
import weakref
from dataclasses import dataclass

import torch

from trm.model.config import ModelConfig
from trm.model.trm import Network, RecursiveModel

PROBE_TOLERANCE = 1e-3  # max |compiled - eager| on the probe; fusion reorders float32 sums (~1e-6 seen)
COMPILE_ENV = "TRM_COMPILE"
COMPILED_BATCH, COMPILED_DTYPE = 1, torch.float32  # the shapes of one traced solve


@dataclass
class CompileStatus:
    """Where compilation of one model's network stands: "eager" (off), "compiling", "ready" or "failed"."""

    state: str
    message: str = ""  # why it failed, or why compilation is off
    seconds: float = 0.0  # compile + probe time once finished


class _Compilation:
    def __init__(self, model: RecursiveModel):
        self.status = CompileStatus("compiling")
        self.network: Network | None = None
        self.thread = threading.Thread(target=self._run, args=(weakref.ref(model),), daemon=True,
                                       name="trm-compile")

    def _run(self, model_ref: "weakref.ref[RecursiveModel]") -> None:
        started = time.perf_counter()
        model = model_ref()
        if model is None:
            return
        try:
            network = torch.compile(model.network_function(), dynamic=False)
            _check_against_eager(model, network)
        except Exception as error:  # noqa: BLE001 - any compiler failure means: stay eager, say why
            self.status = CompileStatus("failed", f"{type(error).__name__}: {error}".strip()[:500],
                                        time.perf_counter() - started)
            return
        self.network = network
        self.status = CompileStatus("ready", "", time.perf_counter() - started)


_COMPILATIONS: "weakref.WeakKeyDictionary[RecursiveModel, _Compilation]" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _check_against_eager(model: RecursiveModel, network: Network) -> None:
    """Compile by calling ``network`` on a probe (the shapes and grad mode the core uses) and compare."""
    device = next(model.parameters()).device
    generator = torch.Generator(device="cpu").manual_seed(0)
    shape = (COMPILED_BATCH, model.config.seq_len, model.config.hidden_size)
    state, injection = (model.to_working(torch.randn(shape, generator=generator).to(device)) for _ in range(2))
    with torch.inference_mode():
        compiled, eager = network(state, injection), model.network_function()(state, injection)
        difference = float((compiled.float() - eager.float()).abs().max())
    if not difference <= PROBE_TOLERANCE:
        raise RuntimeError(f"compiled network differs from eager by {difference:.2e} (> {PROBE_TOLERANCE})")


def is_compile_enabled() -> bool:
    """False when the environment variable TRM_COMPILE is 0/false/no/off."""
    return os.environ.get(COMPILE_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def start_compiling(model: RecursiveModel) -> CompileStatus:
    """Start compiling ``model``'s network in a daemon thread (once per model); returns the current status.

    The model must be in eval mode and must not change afterwards. Calls after the first return the status.
    """
    if not is_compile_enabled():
        return CompileStatus("eager", f"compilation is off ({COMPILE_ENV}=0)")
    with _LOCK:
        compilation = _COMPILATIONS.get(model)
        if compilation is None:
            compilation = _COMPILATIONS[model] = _Compilation(model)
            compilation.thread.start()
    return compilation.status


def compile_status(model: RecursiveModel) -> CompileStatus:
    """The status of ``model``'s compilation, "eager" if none was started."""
    compilation = _COMPILATIONS.get(model)
    if compilation is None:
        return CompileStatus("eager", "not compiled" if is_compile_enabled() else f"{COMPILE_ENV}=0")
    return compilation.status


def wait_until_compiled(model: RecursiveModel, timeout_seconds: float | None = None) -> CompileStatus:
    """Start compiling if needed and block until done (or the timeout); returns the status."""
    start_compiling(model)
    compilation = _COMPILATIONS.get(model)
    if compilation is not None:
        compilation.thread.join(timeout_seconds)
    return compile_status(model)


def network_for(model: RecursiveModel, batch_size: int = COMPILED_BATCH,
                dtype: torch.dtype = COMPILED_DTYPE) -> Network | None:
    """The compiled network when it is ready and was compiled for these shapes, else None (the model's own).

    Both compute the same function, f(state, injection) -> state on working-layout tensors.
    """
    compilation = _COMPILATIONS.get(model)
    if compilation is None or batch_size != COMPILED_BATCH or dtype != COMPILED_DTYPE:
        return None
    return compilation.network


def is_worth_compiling(config: ModelConfig) -> bool:
    """Compile only TRMs whose calls are slow enough for fusion to matter (not tiny presets, not the flat baseline)."""
    return not config.is_flat_baseline and config.hidden_size * config.seq_len >= 256 * 64


def prepare_for_solving(model: RecursiveModel) -> CompileStatus:
    """Start compiling ``model``'s network in the background when that pays; returns the compile status.

    Call once after loading a model that will solve puzzles one at a time (the app does); the core picks the
    compiled network up by itself once it is ready.
    """
    if model.network_function() is None or not is_worth_compiling(model.config):
        return compile_status(model)
    return start_compiling(model)
