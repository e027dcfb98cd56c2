"""The normed SwiGLU (sigmoid(g) * RMSNorm(g * u), a recipe option) in our no-grad kernels against compiled PyTorch.

    python bench/kernel_normed.py                      # GPU: check, then time both sub-layers at the paper's sizes
    TRITON_INTERPRET=1 PYTHONPATH=. python bench/kernel_normed.py --check-only --device cpu   # CPU check

The RMS runs over the whole width, which no tile of a GEMM sees, so the channel kernel writes sigmoid(g) * g * u
and each row's sum of squares per tile, and the model scales the rows of the (linear) down-projection's output by
the reciprocal RMS; the token-mixer kernel owns the whole width of its columns and normalises before the residual.
"""

import torch

from bench.kernel_timing import checked_args, report, time_variant
from trm.kernels import FusedSwiGLU, FusedTokenMixer, swiglu_matmul, token_mixer_forward

EPS = 1e-5


def normed(gate: torch.Tensor, up: torch.Tensor, dim: int) -> torch.Tensor:
    product = gate * up
    return torch.sigmoid(gate) * product * torch.rsqrt(product.square().mean(dim, keepdim=True) + EPS)


def channel_plain(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    gate, up = (x @ weight.T).chunk(2, dim=-1)
    return normed(gate, up, -1)


def mixer_plain(tokens: torch.Tensor, gate_up: torch.Tensor, down: torch.Tensor) -> torch.Tensor:
    gate, up = (gate_up @ tokens).chunk(2, dim=0)
    summed = tokens + down @ normed(gate, up, 0)
    return summed * torch.rsqrt(summed.square().mean(0, keepdim=True) + EPS)


def _error(result: torch.Tensor, reference: torch.Tensor) -> float:
    return float((result.double() - reference).norm() / reference.norm())


def _channel_case(rows, hidden, width, device, dtype):
    generator = torch.Generator().manual_seed(0)
    return (torch.randn(rows, hidden, generator=generator).to(device, dtype),
            (torch.randn(2 * width, hidden, generator=generator) / hidden**0.5).to(device, dtype))


def _mixer_case(seq, columns, width, device, dtype):
    generator = torch.Generator().manual_seed(0)
    return (torch.randn(seq, columns, generator=generator).to(device, dtype),
            (torch.randn(2 * width, seq, generator=generator) / seq**0.5).to(device, dtype),
            (torch.randn(seq, width, generator=generator) / width**0.5).to(device, dtype))


def _scaled(pair: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    activated, rstd = pair
    return activated.double() * rstd.double()[:, None]


def check(device: str, dtype: torch.dtype, tolerance: float) -> None:
    """Ragged sizes (nothing a multiple of a block), both kernels, pointer and TMA versions."""
    x, weight = _channel_case(39, 40, 72, device, dtype)
    tokens, gate_up, down = _mixer_case(21, 148, 40, device, dtype)
    for tma in (False, True):
        errors = {"channel": _error(_scaled(swiglu_matmul(x, weight, (32, 32, 16, 4, 2), tma, EPS)),
                                    channel_plain(x.double(), weight.double())),
                  "token mixer": _error(token_mixer_forward(tokens, gate_up, down, EPS, (32, 16, 4, 2), tma=tma,
                                                            normed=True),
                                        mixer_plain(tokens.double(), gate_up.double(), down.double()))}
        for name, error in errors.items():
            print(f"check {name} tma={tma}: relative error {error:.2e}")
            assert error < tolerance, f"{name}: relative error {error:.2e} >= {tolerance}"
    check_backward(device, dtype, tolerance)


def _gradient_errors(function, plain, inputs: tuple[torch.Tensor, ...]) -> list[float]:
    """Relative errors of function's input gradients against ``plain``'s in float64, for a random output grad."""
    inputs = [t.detach().clone().requires_grad_(True) for t in inputs]
    out = function(*inputs)
    grad_out = torch.randn(out.shape, generator=torch.Generator().manual_seed(1)).to(out.device, out.dtype)
    got = torch.autograd.grad(out, inputs, grad_out)
    doubles = [t.detach().double().requires_grad_(True) for t in inputs]
    expected = torch.autograd.grad(plain(*doubles), doubles, grad_out.double())
    return [_error(a, b) for a, b in zip(got, expected)]


def check_backward(device: str, dtype: torch.dtype, tolerance: float) -> None:
    """The backward kernels' normed form: input and weight gradients against float64 autograd."""
    x, weight = _channel_case(39, 40, 72, device, dtype)
    down = (torch.randn(40, 72, generator=torch.Generator().manual_seed(2)) / 72**0.5).to(device, dtype)
    channel = _gradient_errors(lambda x, w, d: FusedSwiGLU.apply(x, w, d, (32, 32, 16, 4, 2), EPS),
                               lambda x, w, d: channel_plain(x, w) @ d.T, (x, weight, down))
    tokens, gate_up, mixer_down = _mixer_case(21, 148, 40, device, dtype)
    mixer = _gradient_errors(lambda t, g, d: FusedTokenMixer.apply(t, g, d, EPS, False, True), mixer_plain,
                             (tokens, gate_up, mixer_down))
    for name, errors in (("channel", channel), ("token mixer", mixer)):
        print(f"check {name} backward: relative errors {', '.join(f'{e:.2e}' for e in errors)}")
        assert max(errors) < tolerance, f"{name} backward: relative error {max(errors):.2e} >= {tolerance}"


def time_cases() -> list[dict]:
    """The paper's sizes at batch 768: the channel SwiGLU (97 x 768 rows, 512 -> 1536) and the token mixer (97
    rows, 393,216 columns, width 512), compiled PyTorch against each kernel version."""
    x, weight = _channel_case(97 * 768, 512, 1536, "cuda", torch.bfloat16)
    tokens, gate_up, down = _mixer_case(97, 768 * 512, 512, "cuda", torch.bfloat16)
    channel_reference = channel_plain(x.double(), weight.double())
    mixer_reference = mixer_plain(tokens.double(), gate_up.double(), down.double())
    channel_compiled, mixer_compiled = torch.compile(channel_plain), torch.compile(mixer_plain)
    channel_flops = 2 * x.shape[0] * x.shape[1] * weight.shape[0]
    mixer_flops = 6 * tokens.shape[0] * tokens.shape[1] * down.shape[1]
    rows = [time_variant("channel: torch.compile", lambda: channel_compiled(x, weight),
                         lambda r: _error(r, channel_reference), channel_flops)]
    for tma in (False, True):
        rows.append(time_variant(f"channel: triton{' TMA' if tma else ''}", lambda tma=tma: swiglu_matmul(
            x, weight, tma=tma, normed_eps=EPS), lambda r: _error(_scaled(r), channel_reference), channel_flops))
    rows.append(time_variant("token mixer: torch.compile", lambda: mixer_compiled(tokens, gate_up, down),
                             lambda r: _error(r, mixer_reference), mixer_flops))
    for tma in (False, True):
        rows.append(time_variant(f"token mixer: triton{' TMA' if tma else ''}", lambda tma=tma: token_mixer_forward(
            tokens, gate_up, down, EPS, tma=tma, normed=True), lambda r: _error(r, mixer_reference), mixer_flops))
    return rows


if __name__ == "__main__":
    arguments = checked_args(__doc__.split("\n")[0], check)
    if arguments is not None:
        report(time_cases(), arguments.out)
