"""The one switch for our kernels: which a device gets, that the kernels import without Triton (CPU wheels of
PyTorch come without it) or the rest of the engine, and that the benches reach them through the public API."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import trm.kernels
from trm.kernels import PLAIN, KernelChoice, choose_kernels
from trm.kernels import choice

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("capability, expected", [
    ((7, 5), PLAIN),  # the kernels' tiles need more shared memory than GPUs before 8.0 have
    ((8, 0), KernelChoice(swiglu=True, swiglu_grad=True, token_mixer=False, token_mixer_grad=False, tma=False)),
    ((9, 0), KernelChoice(swiglu=True, swiglu_grad=True, token_mixer=False, token_mixer_grad=False, tma=True)),
])
def test_a_gpu_gets_the_kernels_asked_for_from_compute_capability_8_and_tma_from_9(capability, expected,
                                                                                    monkeypatch):
    monkeypatch.setattr(choice, "can_run_kernels", lambda device: True)  # Triton, as on a GPU machine
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device: capability)
    assert choose_kernels(torch.device("cuda"), fused_swiglu=True, fused_token_mixer=False) == expected


def test_a_gpu_without_triton_runs_the_plain_layers(monkeypatch):
    monkeypatch.setattr(choice, "can_run_kernels", lambda device: False)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device: (9, 0))
    assert choose_kernels(torch.device("cuda"), fused_swiglu=True, fused_token_mixer=True) == PLAIN


_WITHOUT_TRITON = """
import json, sys
sys.modules["triton"] = None  # import triton now fails, as on a CPU wheel of PyTorch
import torch
import trm.kernels
kernels_alone = sorted(name for name in sys.modules if name.startswith("trm."))
from trm.model.config import ModelConfig
from trm.model.trm import TinyRecursiveModel
model = TinyRecursiveModel(ModelConfig(grid_size=4, hidden_size=32, layers=1, answer_cycles=1, latent_steps=1,
                                       prefix_len=0, swiglu_multiple=16), torch.Generator().manual_seed(0))
chosen = trm.kernels.choose_kernels(torch.device("cpu"), True, True)
print(json.dumps({"kernels_alone": kernels_alone, "plain": chosen == trm.kernels.PLAIN,
                  "switched": trm.kernels.use_kernels(model, chosen)}))
"""


def test_the_kernels_import_without_triton_and_without_the_rest_of_the_engine():
    result = subprocess.run([sys.executable, "-c", _WITHOUT_TRITON], cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert all(name.startswith("trm.kernels") or name == "trm.errors" for name in report["kernels_alone"])
    assert report["plain"] and report["switched"] == 0


def test_benches_use_the_kernels_through_the_public_api_only():
    for script in sorted((REPO / "bench").glob("*.py")):
        for node in ast.walk(ast.parse(script.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("trm.kernels"):
                assert node.module == "trm.kernels", f"{script.name} imports {node.module}"
                assert {alias.name for alias in node.names} <= set(trm.kernels.__all__), script.name
