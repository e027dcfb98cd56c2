"""The token-mixer sub-layer's kernels, forward and backward, compute what the unfused layer does (Triton's
interpreter on the CPU, float32).

CI installs Triton for these tests (.ci/run); without it they are skipped, since PyTorch's CPU wheels lack it.
"""

import pytest
import torch

from tests.kernel_checks import Refusing, gradients, needs_triton, plain_token_mixer
from trm.kernels import token_mixer_backward, token_mixer_forward
from trm.kernels import token_mixer as token_mixer_module

pytestmark = needs_triton


@pytest.mark.parametrize("tma", [False, True])
@pytest.mark.parametrize("blocks", [(32, 16, 4, 2), (64, 64, 4, 1)])
def test_token_mixer_kernel_matches_float64_with_ragged_sizes(blocks, tma, monkeypatch):
    generator = torch.Generator().manual_seed(0)
    seq, columns, width = 21, 148, 40  # multiples of no block: masked rows, columns and width chunks
    monkeypatch.setattr(token_mixer_module, "token_mixer_kernel" if tma else "token_mixer_tma_kernel", Refusing())
    tokens = torch.randn(seq, columns, generator=generator)
    gate_up, down = torch.randn(2 * width, seq, generator=generator), torch.randn(seq, width, generator=generator)
    gate, up = (gate_up.double() @ tokens.double()).chunk(2, dim=0)
    summed = tokens.double() + down.double() @ (torch.nn.functional.silu(gate) * up)
    expected = summed * torch.rsqrt(summed.square().mean(0, keepdim=True) + 1e-5)  # the norm runs over the sequence
    result, rstd = token_mixer_forward(tokens, gate_up, down, 1e-5, blocks, with_rstd=True, tma=tma)
    assert result.shape == (seq, columns) and torch.allclose(result.double(), expected, atol=1e-5)
    assert torch.allclose(rstd.double(), torch.rsqrt(summed.square().mean(0) + 1e-5), rtol=1e-5)


def test_token_mixer_longer_than_one_tma_tile_runs_the_pointer_kernel(monkeypatch):
    generator = torch.Generator().manual_seed(0)
    seq, columns, width = 300, 16, 16  # 512 rows per block, past TMA's 256
    tokens = torch.randn(seq, columns, generator=generator)
    gate_up, down = torch.randn(2 * width, seq, generator=generator) / 17, torch.randn(seq, width, generator=generator)
    expected = token_mixer_forward(tokens, gate_up, down, 1e-5, (16, 16, 4, 1))
    monkeypatch.setattr(token_mixer_module, "token_mixer_tma_kernel", Refusing())
    assert torch.equal(token_mixer_forward(tokens, gate_up, down, 1e-5, (16, 16, 4, 1), tma=True), expected)


@pytest.mark.parametrize("blocks", [(32, 16, 4, 2), (64, 64, 4, 1)])
def test_token_mixer_backward_kernel_gives_autograd_gradients_with_ragged_sizes(blocks):
    generator = torch.Generator().manual_seed(0)
    seq, columns, width = 21, 150, 40  # width 40 is padded to a multiple of the width block
    inputs = [torch.randn(seq, columns, generator=generator), torch.randn(2 * width, seq, generator=generator) / 5,
              torch.randn(seq, width, generator=generator) / 6]
    grad_out = torch.randn(seq, columns, generator=generator)
    expected = gradients(plain_token_mixer, inputs, grad_out)
    out, rstd = token_mixer_forward(*inputs, 1e-5, with_rstd=True)
    results = token_mixer_backward(*inputs, out, rstd, grad_out, blocks)
    tokens, gate_up, down = inputs
    gate, up = (gate_up @ tokens).chunk(2, dim=0)
    summed = tokens + down @ (torch.nn.functional.silu(gate) * up)
    assert torch.allclose(rstd, torch.rsqrt(summed.square().mean(0) + 1e-5), rtol=1e-5)  # what the backward reads
    for result, reference in zip([out, *results], expected):
        assert result.shape == reference.shape
        assert torch.allclose(result, reference, atol=1e-5 * float(reference.detach().abs().max()))
