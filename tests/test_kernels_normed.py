"""The no-grad kernels also serve the normed SwiGLU, sigmoid(g) * RMSNorm(g * u): the channel kernel returns the
unnormalised activation and each row's reciprocal RMS, the token-mixer kernel normalises per column after the
down-projection; both match float64 (Triton's interpreter on the CPU), and a normed layer with kernels computes
what the plain normed layer does. With gradients the backward kernels serve it too: the width norm's gradient needs
each column's (or row's) sum of d(activation) x activation, which equals the sum of d(out) x out.

CI installs Triton for these tests (.ci/run); without it they are skipped, since PyTorch's CPU wheels lack it.
"""

import pytest
import torch

from tests.kernel_checks import SWIGLU_BOTH_WAYS, TOKEN_MIXER_BOTH_WAYS, Refusing, layer_gradients, needs_triton
from trm.kernels import KernelChoice, swiglu_matmul, token_mixer_forward, use_kernels
from trm.kernels import swiglu as swiglu_module
from trm.kernels import swiglu_grad as swiglu_grad_module
from trm.kernels import token_mixer as token_mixer_module
from trm.model.layers import SwiGLU, TokenMixer

pytestmark = needs_triton
EPS = 1e-5


def _normed(gate: torch.Tensor, up: torch.Tensor, dim: int) -> torch.Tensor:
    product = gate * up
    return torch.sigmoid(gate) * product * torch.rsqrt(product.square().mean(dim, keepdim=True) + EPS)


@pytest.mark.parametrize("tma", [False, True])
@pytest.mark.parametrize("blocks", [(16, 16, 16, 4, 2), (32, 32, 16, 4, 2)])
def test_channel_kernel_gives_the_normed_activation_as_a_product_and_a_row_scale(blocks, tma, monkeypatch):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(37, 24, generator=generator)  # rows and width multiples of no block: ragged tiles
    weight = torch.randn(2 * 20, 24, generator=generator)
    monkeypatch.setattr(swiglu_module, "swiglu_matmul_kernel" if tma else "swiglu_tma_kernel", Refusing())
    activated, rstd = swiglu_matmul(x, weight, blocks, tma=tma, normed_eps=EPS)
    gate, up = (x.double() @ weight.double().T).chunk(2, dim=-1)
    assert activated.shape == (37, 20) and rstd.shape == (37,) and rstd.dtype == torch.float32
    assert torch.allclose(activated.double() * rstd.double()[:, None], _normed(gate, up, -1), atol=1e-5)
    assert torch.allclose(activated.double(), torch.sigmoid(gate) * gate * up, atol=1e-4)


@pytest.mark.parametrize("tma", [False, True])
@pytest.mark.parametrize("blocks", [(32, 16, 4, 2), (64, 64, 4, 1)])
def test_token_mixer_kernel_normalises_over_the_true_width(blocks, tma, monkeypatch):
    generator = torch.Generator().manual_seed(0)
    seq, columns, width = 21, 148, 40  # the width pads to the block: padding must not enter the mean
    monkeypatch.setattr(token_mixer_module, "token_mixer_kernel" if tma else "token_mixer_tma_kernel", Refusing())
    tokens = torch.randn(seq, columns, generator=generator)
    gate_up, down = torch.randn(2 * width, seq, generator=generator), torch.randn(seq, width, generator=generator)
    gate, up = (gate_up.double() @ tokens.double()).chunk(2, dim=0)
    summed = tokens.double() + down.double() @ _normed(gate, up, 0)
    expected = summed * torch.rsqrt(summed.square().mean(0, keepdim=True) + EPS)
    result = token_mixer_forward(tokens, gate_up, down, EPS, blocks, tma=tma, normed=True)
    assert torch.allclose(result.double(), expected, atol=1e-5)


def test_normed_layers_run_the_kernels_without_gradients(monkeypatch):
    torch.manual_seed(0)
    pairs = [(SwiGLU(24, 4.0, 16, normed=True), SwiGLU(24, 4.0, 16, normed=True), SWIGLU_BOTH_WAYS),
             (TokenMixer(13, 4.0, EPS, 16, normed=True), TokenMixer(13, 4.0, EPS, 16, normed=True),
              TOKEN_MIXER_BOTH_WAYS)]
    hidden = torch.randn(13, 3, 24)  # (S, B, D), the mixer's sequence-major layout
    for fused, plain, choice in pairs:
        plain.load_state_dict(fused.state_dict())
        assert use_kernels(fused, choice) == 1 and use_kernels(plain, KernelChoice()) == 0
        with torch.no_grad():
            assert torch.allclose(fused(hidden), plain(hidden), atol=1e-5)
    for kernel in ("swiglu_matmul_kernel", "token_mixer_kernel"):  # the no-grad calls above did run a kernel
        module = swiglu_module if kernel.startswith("swiglu") else token_mixer_module
        monkeypatch.setattr(module, kernel, Refusing())
    for fused, _, _ in pairs:
        with torch.no_grad(), pytest.raises(AssertionError, match="the other kernel ran"):
            fused(hidden)


@pytest.mark.parametrize("blocks", [(32, 16, 4, 2), (64, 64, 4, 1)])
def test_token_mixer_backward_kernel_gives_the_normed_layers_autograd_gradients(blocks):
    generator = torch.Generator().manual_seed(0)
    seq, columns, width = 21, 150, 40  # ragged: masked rows, columns and a padded width
    tokens = torch.randn(seq, columns, generator=generator)
    gate_up = torch.randn(2 * width, seq, generator=generator) / seq**0.5
    down = torch.randn(seq, width, generator=generator) / width**0.5
    grad_out = torch.randn(seq, columns, generator=generator)

    def plain(tokens, gate_up, down):
        gate, up = (gate_up.double() @ tokens.double()).chunk(2, dim=0)
        summed = tokens.double() + down.double() @ _normed(gate, up, 0)
        return summed * torch.rsqrt(summed.square().mean(0, keepdim=True) + EPS)

    inputs = [t.clone().requires_grad_(True) for t in (tokens, gate_up, down)]
    expected = torch.autograd.grad(plain(*inputs), inputs, grad_out.double())
    out, rstd, mixed = token_mixer_forward(tokens, gate_up, down, EPS, blocks, with_rstd=True, normed=True)
    assert rstd.shape == (2, columns) and mixed.shape == (seq, columns)
    gate, up = (gate_up.double() @ tokens.double()).chunk(2, dim=0)
    assert torch.allclose(mixed.double(), down.double() @ _normed(gate, up, 0), atol=1e-5)
    from trm.kernels import token_mixer_backward
    got = token_mixer_backward(tokens, gate_up, down, out, rstd, grad_out, blocks, mixed=mixed)
    for name, a, b in zip(("tokens", "gate_up", "down"), got, expected):
        assert torch.allclose(a.double(), b.double(), atol=1e-4 * float(b.abs().max())), name


def test_a_normed_token_mixer_trains_with_its_kernels_as_with_autograd():
    torch.manual_seed(0)
    fused, plain = TokenMixer(13, 4.0, EPS, 16, normed=True), TokenMixer(13, 4.0, EPS, 16, normed=True)
    plain.load_state_dict(fused.state_dict())
    use_kernels(fused, TOKEN_MIXER_BOTH_WAYS)
    hidden, grad_out = torch.randn(13, 3, 24), torch.randn(13, 3, 24)
    for a, b in zip(layer_gradients(fused, hidden, grad_out), layer_gradients(plain, hidden, grad_out)):
        assert torch.allclose(a, b, atol=1e-5 * float(b.abs().max()))


def test_the_normed_channel_swiglu_trains_with_its_backward_kernel_as_with_autograd(monkeypatch):
    torch.manual_seed(0)
    fused, plain = SwiGLU(24, 4.0, 16, normed=True), SwiGLU(24, 4.0, 16, normed=True)
    plain.load_state_dict(fused.state_dict())
    use_kernels(fused, SWIGLU_BOTH_WAYS)
    launched = []
    original = swiglu_grad_module.swiglu_gate_up_grad
    monkeypatch.setattr(swiglu_grad_module, "swiglu_gate_up_grad",
                        lambda *args: launched.append(args[-1] is not None) or original(*args))
    hidden, grad_out = torch.randn(13, 3, 24), torch.randn(13, 3, 24)
    for a, b in zip(layer_gradients(fused, hidden, grad_out), layer_gradients(plain, hidden, grad_out)):
        assert torch.allclose(a, b, atol=1e-5 * float(b.abs().max()))
    assert launched == [True]  # the kernel ran once, in its normed form
