"""Compiling a model's network in the background never changes what a trace records, and failures fall back."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from app_ui import model_picker
from app_ui.model_picker import compile_note
from trm.inference import compiled
from trm.model.config import ModelConfig
from trm.model.trm import TinyRecursiveModel
from trm.trace import run_trace

CONFIG = ModelConfig(grid_size=4, hidden_size=32, answer_cycles=2, latent_steps=2, max_supervision_steps=4,
                     prefix_len=2)
PUZZLE = np.array([0, 0, 0, 0, 3, 0, 0, 2, 0, 4, 1, 0, 0, 0, 0, 0], dtype=np.int8)
SOLUTION = np.array([4, 2, 3, 1, 3, 1, 4, 2, 2, 4, 1, 3, 1, 3, 2, 4], dtype=np.int8)


def _model(seed: int = 0) -> TinyRecursiveModel:
    return TinyRecursiveModel(CONFIG, torch.Generator().manual_seed(seed)).eval()


@pytest.mark.slow
def test_compiled_network_gives_the_same_predictions_and_close_probabilities(monkeypatch):
    monkeypatch.setenv(compiled.COMPILE_ENV, "1")
    model = _model()
    status = compiled.wait_until_compiled(model, timeout_seconds=600)
    if status.state == "failed":
        pytest.skip(f"torch.compile is not usable here: {status.message}")
    assert status.state == "ready", status
    network = compiled.network_for(model)
    assert network is not None and network is not model.network_function()
    eager_trace = run_trace(model, PUZZLE, SOLUTION, with_pca=False, compiled=False)
    compiled_trace = run_trace(model, PUZZLE, SOLUTION, with_pca=False, compiled=True)
    for eager, fast in zip(eager_trace.steps, compiled_trace.steps, strict=True):
        assert np.array_equal(eager.prediction, fast.prediction)
        assert np.allclose(eager.confidence, fast.confidence, atol=1e-4)
        assert fast.q_halt_probability == pytest.approx(eager.q_halt_probability, abs=1e-4)
        assert np.allclose(eager.calls.z_delta, fast.calls.z_delta, rtol=1e-3)


def test_without_compilation_the_eager_network_is_used(monkeypatch):
    monkeypatch.setenv(compiled.COMPILE_ENV, "0")
    model = _model()
    assert compiled.start_compiling(model).state == "eager"
    assert compiled.network_for(model) is None  # the trace then runs the eager model
    assert "switched off (TRM_COMPILE=0)" in compile_note(SimpleNamespace(model=model))  # the page says why


def test_a_failing_compiler_leaves_the_model_eager_and_says_why(monkeypatch):
    monkeypatch.setenv(compiled.COMPILE_ENV, "1")

    def broken_compile(*args, **kwargs):
        raise RuntimeError("no C++ compiler found")

    monkeypatch.setattr(torch, "compile", broken_compile)
    model = _model(1)
    status = compiled.wait_until_compiled(model, timeout_seconds=60)
    assert status.state == "failed"
    assert "no C++ compiler found" in status.message
    assert compiled.network_for(model) is None  # the trace then runs the eager model


def test_a_compiled_network_that_disagrees_with_eager_is_rejected(monkeypatch):
    monkeypatch.setenv(compiled.COMPILE_ENV, "1")
    monkeypatch.setattr(torch, "compile", lambda net, **kwargs: (lambda state, injection: net(state, injection) + 1))
    model = _model(2)
    status = compiled.wait_until_compiled(model, timeout_seconds=60)
    assert status.state == "failed" and "differs from eager" in status.message
    assert compiled.network_for(model) is None  # the trace then runs the eager model


def test_only_models_with_slow_calls_are_worth_compiling():
    assert compiled.is_worth_compiling(ModelConfig())
    assert not compiled.is_worth_compiling(CONFIG)


@pytest.mark.parametrize("seconds, said", [(0.3, "compiled in under a second"), (12.4, "compiled in 12 s")])
def test_the_page_says_how_long_compiling_took_without_claiming_0_s(monkeypatch, seconds, said):
    monkeypatch.setattr(model_picker, "compile_status", lambda model: compiled.CompileStatus("ready", seconds=seconds))
    assert said in compile_note(SimpleNamespace(model=None))
