"""What the kernel tests share: the skip without Triton, float64 and autograd references, and a kernel stand-in
that fails the test if launched."""

import os

import pytest
import torch

from trm.kernels import KernelChoice, use_kernels
from trm.kernels.triton_support import can_run_kernels
from trm.model.layers import SwiGLU

# conftest.py turns Triton's interpreter on where there is no GPU. With a GPU the kernels compile for it instead, and
# these float32 checks (exact to 1e-5 in the interpreter) cannot run in the same process: ``needs_gpu_kernels``
# tests run there.
needs_triton = pytest.mark.skipif(
    not can_run_kernels(torch.device("cpu")),
    reason="runs the kernels in Triton's interpreter on the CPU: needs Triton (`pip install triton`) and, on a "
           "machine with a GPU, `TRITON_INTERPRET=1 python -m pytest tests/test_kernels_*.py`")
needs_gpu_kernels = pytest.mark.skipif(
    not (torch.cuda.is_available() and can_run_kernels(torch.device("cuda"))
         and os.environ.get("TRITON_INTERPRET") != "1"),
    reason="runs the compiled kernels in bf16: needs a CUDA GPU and Triton (CI has no GPU)")
SWIGLU_BOTH_WAYS = KernelChoice(swiglu=True, swiglu_grad=True)
TOKEN_MIXER_BOTH_WAYS = KernelChoice(token_mixer=True, token_mixer_grad=True)


def reference_swiglu(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    gate, up = (x.double() @ weight.double().T).chunk(2, dim=-1)
    return torch.nn.functional.silu(gate) * up


def _refuse(*args, **kwargs):
    raise AssertionError("the other kernel ran")


class Refusing:
    """Stands in for a kernel that must not run: any launch (kernel[grid](...)) fails the test."""

    def __getitem__(self, grid):
        return _refuse


def gradients(layer, inputs, grad_out):
    inputs = [t.detach().clone().requires_grad_(True) for t in inputs]
    return [layer(*inputs), *torch.autograd.grad(layer(*inputs), inputs, grad_out)]


def layer_gradients(layer, hidden: torch.Tensor, grad_out: torch.Tensor) -> list[torch.Tensor]:
    """The input's and both weights' gradients of a SwiGLU or token-mixer layer for ``grad_out``."""
    inputs = hidden.clone().requires_grad_(True)
    layer(inputs).backward(grad_out)
    return [inputs.grad, layer.gate_up.weight.grad, layer.down.weight.grad]


def plain_token_mixer(tokens, gate_up, down):
    gate, up = (gate_up @ tokens).chunk(2, dim=0)
    summed = tokens + down @ (torch.nn.functional.silu(gate) * up)
    return summed * torch.rsqrt(summed.square().mean(0, keepdim=True) + 1e-5)


def check_swiglu_gradients_under_autocast(device: str) -> None:
    """The channel SwiGLU with its kernels against the plain layer, under bf16 autocast on ``device``."""
    torch.manual_seed(0)
    fused, plain = SwiGLU(24, 4.0, 16).to(device), SwiGLU(24, 4.0, 16).to(device)
    plain.load_state_dict(fused.state_dict())
    use_kernels(fused, SWIGLU_BOTH_WAYS)
    hidden = torch.randn(13, 3, 24, device=device)  # float32 states, bf16 matmuls: the backward sees both dtypes
    results = []
    for layer in (fused, plain):
        inputs = hidden.clone().requires_grad_(True)
        with torch.autocast(device, dtype=torch.bfloat16):
            out = layer(inputs)
        out.float().square().sum().backward()
        results.append([out.float(), inputs.grad, layer.gate_up.weight.grad, layer.down.weight.grad])
    for a, b in zip(*results):
        assert a.dtype == b.dtype and torch.allclose(a, b, rtol=0, atol=2e-2 * float(b.detach().abs().max()))
