"""The channel SwiGLU's kernels, without and with gradients, compute what the unfused layer does (Triton's
interpreter on the CPU, float32).

CI installs Triton for these tests (.ci/run); without it they are skipped, since PyTorch's CPU wheels lack it.
"""

import torch

from tests.kernel_checks import Refusing, check_swiglu_gradients_under_autocast, gradients, needs_triton, \
    reference_swiglu
from trm.kernels import FusedSwiGLU, swiglu_matmul, tma_compatible
from trm.kernels.swiglu import swiglu_matmul_keeping_gate_up
from trm.kernels import swiglu as swiglu_module
from trm.kernels import swiglu_grad as swiglu_grad_module

pytestmark = needs_triton
SMALL_BLOCKS = (16, 16, 16, 4, 2)  # smaller than the sizes below, so tiles have ragged edges


def test_kernel_matches_float64_for_strided_inputs(monkeypatch):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(21, 37, generator=generator).T  # (37, 21) read through strides
    weight = torch.randn(2 * 19, 21, generator=generator)
    assert not tma_compatible(x)  # so even when asked for, TMA is not used
    monkeypatch.setattr(swiglu_module, "swiglu_tma_kernel", Refusing())
    for tma in (False, True):
        result = swiglu_matmul(x, weight, SMALL_BLOCKS, tma=tma)
        assert result.shape == (37, 19)
        assert torch.allclose(result.double(), reference_swiglu(x, weight), atol=1e-5)


def test_tma_kernel_matches_float64_with_ragged_sizes(monkeypatch):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(37, 24, generator=generator)  # rows, depth and width multiples of no block
    weight = torch.randn(2 * 20, 24, generator=generator)
    assert tma_compatible(x, weight)
    monkeypatch.setattr(swiglu_module, "swiglu_matmul_kernel", Refusing())
    for blocks in (SMALL_BLOCKS, (32, 32, 16, 4, 2)):  # several tiles per program, one tile past the width
        result = swiglu_matmul(x, weight, blocks, tma=True)
        assert result.shape == (37, 20) and torch.allclose(result.double(), reference_swiglu(x, weight), atol=1e-5)


def test_tma_needs_aligned_rows_and_a_contiguous_last_axis():
    assert tma_compatible(torch.zeros(3, 4), torch.zeros(5, 8, dtype=torch.bfloat16))  # 16-byte rows
    assert not tma_compatible(torch.zeros(3, 6))  # 24-byte rows
    assert not tma_compatible(torch.zeros(4, 3).T)  # strided last axis
    assert not tma_compatible(torch.zeros(18)[2:].view(4, 4))  # starts 8 bytes into its storage


def test_channel_swiglu_backward_kernel_gives_autograd_gradients_with_ragged_sizes():
    generator = torch.Generator().manual_seed(0)
    rows, hidden, width = 37, 24, 40
    inputs = [torch.randn(rows, hidden, generator=generator), torch.randn(2 * width, hidden, generator=generator) / 5,
              torch.randn(hidden, width, generator=generator) / 6]
    grad_out = torch.randn(rows, hidden, generator=generator)

    def plain(x, gate_up, down):
        gate, up = (x @ gate_up.T).chunk(2, dim=-1)
        return (torch.nn.functional.silu(gate) * up) @ down.T

    expected = gradients(plain, inputs, grad_out)
    for result, reference in zip(gradients(lambda *t: FusedSwiGLU.apply(*t, (16, 16, 16, 4, 2)), inputs, grad_out),
                                 expected):
        assert result.shape == reference.shape
        assert torch.allclose(result, reference, atol=1e-5 * float(reference.detach().abs().max()))


def _reference_gate_up_grad(grad_out, down, gate_up, blocks=None, normed=None):
    """swiglu_gate_up_grad in PyTorch (the standard SwiGLU): Triton's interpreter cannot run the kernel in bf16."""
    assert normed is None
    gate, up = gate_up.float().chunk(2, dim=-1)
    d_act = (grad_out @ down).float()
    sig = torch.sigmoid(gate)
    return torch.cat((d_act * up * sig * (1 + gate * (1 - sig)), d_act * gate * sig), dim=-1).to(gate_up.dtype)


def test_channel_swiglu_with_gradients_under_autocast_matches_the_plain_layer(monkeypatch):
    monkeypatch.setattr(swiglu_grad_module, "swiglu_gate_up_grad", _reference_gate_up_grad)
    check_swiglu_gradients_under_autocast("cpu")


def test_the_tma_kernel_that_keeps_gate_and_up_gives_them_and_the_plain_layers_gradients(monkeypatch):
    generator = torch.Generator().manual_seed(0)
    rows, hidden, width = 37, 24, 32  # ragged rows; the width a whole number of 16-wide tiles
    inputs = [torch.randn(rows, hidden, generator=generator), torch.randn(2 * width, hidden, generator=generator) / 5,
              torch.randn(hidden, width, generator=generator) / 6]
    activated, gate_up = swiglu_matmul_keeping_gate_up(inputs[0], inputs[1], SMALL_BLOCKS)
    assert torch.allclose(gate_up, inputs[0] @ inputs[1].T, atol=1e-5)
    assert torch.allclose(activated.double(), reference_swiglu(inputs[0], inputs[1]), atol=1e-5)
    assert swiglu_matmul_keeping_gate_up(inputs[0], inputs[1][:-32], SMALL_BLOCKS[:1] + (32,) + SMALL_BLOCKS[2:]) \
        is None  # a width of 16 in 32-wide tiles: gate's ragged tile would spill into up

    grad_out = torch.randn(rows, hidden, generator=generator)
    expected = gradients(lambda x, gu, d: (torch.nn.functional.silu((x @ gu.T)[:, :width]) * (x @ gu.T)[:, width:])
                         @ d.T, inputs, grad_out)
    kept = []
    monkeypatch.setattr(swiglu_grad_module, "swiglu_matmul_keeping_gate_up",
                        lambda *args: kept.append(1) or swiglu_matmul_keeping_gate_up(*args))
    fused = gradients(lambda *t: FusedSwiGLU.apply(*t, SMALL_BLOCKS, None, True), inputs, grad_out)
    assert kept  # the forward ran the kernel, not the cuBLAS product
    for result, reference in zip(fused, expected):
        assert torch.allclose(result, reference, atol=1e-5 * float(reference.detach().abs().max()))
