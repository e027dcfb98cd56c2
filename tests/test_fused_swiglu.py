"""The fused SwiGLU and token-mixer kernels, forward and backward, compute what the unfused layers do (Triton's
interpreter on the CPU, float32).

CI installs Triton for these tests (.ci/run); without it they are skipped, since PyTorch's CPU wheels lack it.
"""

import pytest
import torch

from trm.model.config import ModelConfig
from trm.model import fused_swiglu, fused_token_mixer as token_mixer_module
from trm.model.fused_swiglu import fused_swiglu_available, swiglu_matmul, tma_compatible, use_fused_swiglu
from trm.model.fused_swiglu_grad import FusedSwiGLU
from trm.model.fused_token_mixer import fused_token_mixer, use_fused_token_mixer
from trm.model.fused_token_mixer_grad import token_mixer_backward
from trm.model.layers import SwiGLU, TokenMixer
from trm.model.trm import TinyRecursiveModel

pytestmark = pytest.mark.skipif(not fused_swiglu_available(torch.device("cpu")),
                                reason="needs Triton (its interpreter runs the kernel on the CPU)")
SMALL_BLOCKS = (16, 16, 16, 4, 2)  # smaller than the sizes below, so tiles have ragged edges


def _reference(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    gate, up = (x.double() @ weight.double().T).chunk(2, dim=-1)
    return torch.nn.functional.silu(gate) * up


def _refuse(*args, **kwargs):
    raise AssertionError("the other kernel ran")


class _Refusing:
    """Stands in for a kernel that must not run: any launch (kernel[grid](...)) fails the test."""

    def __getitem__(self, grid):
        return _refuse


def test_kernel_matches_float64_for_strided_inputs(monkeypatch):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(21, 37, generator=generator).T  # (37, 21) read through strides
    weight = torch.randn(2 * 19, 21, generator=generator)
    assert not tma_compatible(x)  # so even when asked for, TMA is not used
    monkeypatch.setattr(fused_swiglu, "swiglu_tma_kernel", _Refusing())
    for tma in (False, True):
        result = swiglu_matmul(x, weight, SMALL_BLOCKS, tma=tma)
        assert result.shape == (37, 19)
        assert torch.allclose(result.double(), _reference(x, weight), atol=1e-5)


def test_tma_kernel_matches_float64_with_ragged_sizes(monkeypatch):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(37, 24, generator=generator)  # rows, depth and width multiples of no block
    weight = torch.randn(2 * 20, 24, generator=generator)
    assert tma_compatible(x, weight)
    monkeypatch.setattr(fused_swiglu, "swiglu_matmul_kernel", _Refusing())
    for blocks in (SMALL_BLOCKS, (32, 32, 16, 4, 2)):  # several tiles per program, one tile past the width
        result = swiglu_matmul(x, weight, blocks, tma=True)
        assert result.shape == (37, 20) and torch.allclose(result.double(), _reference(x, weight), atol=1e-5)


def test_tma_needs_aligned_rows_and_a_contiguous_last_axis():
    assert tma_compatible(torch.zeros(3, 4), torch.zeros(5, 8, dtype=torch.bfloat16))  # 16-byte rows
    assert not tma_compatible(torch.zeros(3, 6))  # 24-byte rows
    assert not tma_compatible(torch.zeros(4, 3).T)  # strided last axis
    assert not tma_compatible(torch.zeros(18)[2:].view(4, 4))  # starts 8 bytes into its storage


@pytest.mark.parametrize("tma", [False, True])
@pytest.mark.parametrize("blocks", [(32, 16, 4, 2), (64, 64, 4, 1)])
def test_token_mixer_kernel_matches_float64_with_ragged_sizes(blocks, tma, monkeypatch):
    generator = torch.Generator().manual_seed(0)
    seq, columns, width = 21, 148, 40  # multiples of no block: masked rows, columns and width chunks
    monkeypatch.setattr(token_mixer_module, "token_mixer_kernel" if tma else "token_mixer_tma_kernel", _Refusing())
    tokens = torch.randn(seq, columns, generator=generator)
    gate_up, down = torch.randn(2 * width, seq, generator=generator), torch.randn(seq, width, generator=generator)
    gate, up = (gate_up.double() @ tokens.double()).chunk(2, dim=0)
    summed = tokens.double() + down.double() @ (torch.nn.functional.silu(gate) * up)
    expected = summed * torch.rsqrt(summed.square().mean(0, keepdim=True) + 1e-5)  # the norm runs over the sequence
    result, rstd = fused_token_mixer(tokens, gate_up, down, 1e-5, blocks, with_rstd=True, tma=tma)
    assert result.shape == (seq, columns) and torch.allclose(result.double(), expected, atol=1e-5)
    assert torch.allclose(rstd.double(), torch.rsqrt(summed.square().mean(0) + 1e-5), rtol=1e-5)


def test_token_mixer_longer_than_one_tma_tile_runs_the_pointer_kernel(monkeypatch):
    generator = torch.Generator().manual_seed(0)
    seq, columns, width = 300, 16, 16  # 512 rows per block, past TMA's 256
    tokens = torch.randn(seq, columns, generator=generator)
    gate_up, down = torch.randn(2 * width, seq, generator=generator) / 17, torch.randn(seq, width, generator=generator)
    expected = fused_token_mixer(tokens, gate_up, down, 1e-5, (16, 16, 4, 1))
    monkeypatch.setattr(token_mixer_module, "token_mixer_tma_kernel", _Refusing())
    assert torch.equal(fused_token_mixer(tokens, gate_up, down, 1e-5, (16, 16, 4, 1), tma=True), expected)


def _gradients(layer, inputs, grad_out):
    inputs = [t.detach().clone().requires_grad_(True) for t in inputs]
    return [layer(*inputs), *torch.autograd.grad(layer(*inputs), inputs, grad_out)]


def _plain_token_mixer(tokens, gate_up, down):
    gate, up = (gate_up @ tokens).chunk(2, dim=0)
    summed = tokens + down @ (torch.nn.functional.silu(gate) * up)
    return summed * torch.rsqrt(summed.square().mean(0, keepdim=True) + 1e-5)


@pytest.mark.parametrize("blocks", [(32, 16, 4, 2), (64, 64, 4, 1)])
def test_token_mixer_backward_kernel_gives_autograd_gradients_with_ragged_sizes(blocks):
    generator = torch.Generator().manual_seed(0)
    seq, columns, width = 21, 150, 40  # width 40 is padded to a multiple of the width block
    inputs = [torch.randn(seq, columns, generator=generator), torch.randn(2 * width, seq, generator=generator) / 5,
              torch.randn(seq, width, generator=generator) / 6]
    grad_out = torch.randn(seq, columns, generator=generator)
    expected = _gradients(_plain_token_mixer, inputs, grad_out)
    out, rstd = fused_token_mixer(*inputs, 1e-5, with_rstd=True)
    gradients = token_mixer_backward(*inputs, out, rstd, grad_out, blocks)
    tokens, gate_up, down = inputs
    gate, up = (gate_up @ tokens).chunk(2, dim=0)
    summed = tokens + down @ (torch.nn.functional.silu(gate) * up)
    assert torch.allclose(rstd, torch.rsqrt(summed.square().mean(0) + 1e-5), rtol=1e-5)  # what the backward reads
    for result, reference in zip([out, *gradients], expected):
        assert result.shape == reference.shape
        assert torch.allclose(result, reference, atol=1e-5 * float(reference.detach().abs().max()))


def test_channel_swiglu_backward_kernel_gives_autograd_gradients_with_ragged_sizes():
    generator = torch.Generator().manual_seed(0)
    rows, hidden, width = 37, 24, 40
    inputs = [torch.randn(rows, hidden, generator=generator), torch.randn(2 * width, hidden, generator=generator) / 5,
              torch.randn(hidden, width, generator=generator) / 6]
    grad_out = torch.randn(rows, hidden, generator=generator)

    def plain(x, gate_up, down):
        gate, up = (x @ gate_up.T).chunk(2, dim=-1)
        return (torch.nn.functional.silu(gate) * up) @ down.T

    expected = _gradients(plain, inputs, grad_out)
    for result, reference in zip(_gradients(lambda *t: FusedSwiGLU.apply(*t, (16, 16, 16, 4, 2)), inputs, grad_out),
                                 expected):
        assert result.shape == reference.shape
        assert torch.allclose(result, reference, atol=1e-5 * float(reference.detach().abs().max()))


def test_fused_layers_match_the_unfused_ones_with_and_without_gradients():
    torch.manual_seed(0)
    channel, mixer = SwiGLU(24, 4.0, 16), TokenMixer(13, 4.0, 1e-5, 16)
    plain_channel, plain_mixer = SwiGLU(24, 4.0, 16), TokenMixer(13, 4.0, 1e-5, 16)
    plain_channel.load_state_dict(channel.state_dict())
    plain_mixer.load_state_dict(mixer.state_dict())
    assert use_fused_swiglu(channel) == 1 and use_fused_token_mixer(mixer) == 1
    assert use_fused_swiglu(mixer) == 0 and use_fused_token_mixer(channel) == 0  # each switch has its own layers
    hidden = torch.randn(13, 3, 24)  # (S, B, D), the mixer's sequence-major layout
    with torch.no_grad():
        for fused, plain in ((channel, plain_channel), (mixer, plain_mixer)):
            assert torch.allclose(fused(hidden), plain(hidden), atol=1e-5)
    grad_out = torch.randn(13, 3, 24)
    for fused, plain in ((channel, plain_channel), (mixer, plain_mixer)):
        results = []
        for layer in (fused, plain):
            inputs = hidden.clone().requires_grad_(True)
            layer(inputs).backward(grad_out)
            results.append([inputs.grad, layer.gate_up.weight.grad, layer.down.weight.grad])
        for a, b in zip(*results):
            assert torch.allclose(a, b, atol=1e-5 * float(b.detach().abs().max()))


def test_the_backward_kernels_can_be_left_to_autograd(monkeypatch):
    from trm.model import layers
    torch.manual_seed(0)
    mixer, channel = TokenMixer(13, 4.0, 1e-5, 16), SwiGLU(24, 4.0, 16)
    plain_mixer, plain_channel = TokenMixer(13, 4.0, 1e-5, 16), SwiGLU(24, 4.0, 16)
    plain_mixer.load_state_dict(mixer.state_dict())
    plain_channel.load_state_dict(channel.state_dict())
    use_fused_token_mixer(mixer, with_grad=False)
    use_fused_swiglu(channel, with_grad=False)
    assert mixer.fused_layer and not mixer.fused_layer_grad and channel.fused and not channel.fused_grad

    def refuse(*args):
        raise AssertionError("a backward kernel ran although switched off")

    monkeypatch.setattr(layers.FusedTokenMixer, "apply", refuse)
    monkeypatch.setattr(layers.FusedSwiGLU, "apply", refuse)
    hidden = torch.randn(13, 3, 24)
    gradients = []
    for pair in ((mixer, channel), (plain_mixer, plain_channel)):
        inputs = hidden.clone().requires_grad_(True)
        pair[1](pair[0](inputs)).sum().backward()
        gradients.append([inputs.grad, pair[0].gate_up.weight.grad, pair[1].gate_up.weight.grad])
    for a, b in zip(*gradients):
        assert torch.equal(a, b)  # the very same operations as the plain layers


def _reference_gate_up_grad(grad_out, down, gate_up, blocks=None):
    """swiglu_gate_up_grad in PyTorch: Triton's interpreter cannot run the kernel in bf16."""
    gate, up = gate_up.float().chunk(2, dim=-1)
    d_act = (grad_out @ down).float()
    sig = torch.sigmoid(gate)
    return torch.cat((d_act * up * sig * (1 + gate * (1 - sig)), d_act * gate * sig), dim=-1).to(gate_up.dtype)


def _swiglu_gradients_under_autocast(device: str):
    torch.manual_seed(0)
    fused, plain = SwiGLU(24, 4.0, 16).to(device), SwiGLU(24, 4.0, 16).to(device)
    plain.load_state_dict(fused.state_dict())
    use_fused_swiglu(fused)
    hidden = torch.randn(13, 3, 24, device=device)  # float32 states, bf16 matmuls: the backward sees both dtypes
    gradients = []
    for layer in (fused, plain):
        inputs = hidden.clone().requires_grad_(True)
        with torch.autocast(device, dtype=torch.bfloat16):
            out = layer(inputs)
        out.float().square().sum().backward()
        gradients.append([out.float(), inputs.grad, layer.gate_up.weight.grad, layer.down.weight.grad])
    for a, b in zip(*gradients):
        assert a.dtype == b.dtype and torch.allclose(a, b, rtol=0, atol=2e-2 * float(b.detach().abs().max()))


def test_channel_swiglu_with_gradients_under_autocast_matches_the_plain_layer(monkeypatch):
    from trm.model import fused_swiglu_grad
    monkeypatch.setattr(fused_swiglu_grad, "swiglu_gate_up_grad", _reference_gate_up_grad)
    _swiglu_gradients_under_autocast("cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="the kernels in bf16 need a GPU (CI has none)")
def test_kernels_in_bf16_on_a_gpu_err_no_more_than_the_plain_layers():
    _swiglu_gradients_under_autocast("cuda")
    generator = torch.Generator().manual_seed(0)
    seq, columns, width = 97, 4096, 512
    inputs = [(torch.randn(seq, columns, generator=generator)).cuda(),
              (torch.randn(2 * width, seq, generator=generator) / seq**0.5).cuda(),
              (torch.randn(seq, width, generator=generator) / width**0.5).cuda()]
    grad_out = torch.randn(seq, columns, generator=generator).cuda()
    exact = _gradients(_plain_token_mixer, [t.double() for t in inputs], grad_out.double())
    plain = _gradients(_plain_token_mixer, [t.bfloat16() for t in inputs], grad_out.bfloat16())
    low = [t.bfloat16() for t in inputs]
    for tma in (False, True):  # before Hopper Triton runs the TMA kernel with its descriptors lowered to pointers
        out, rstd = fused_token_mixer(*low, 1e-5, with_rstd=True, tma=tma)
        ours = [out, *token_mixer_backward(*low, out, rstd, grad_out.bfloat16())]
        for mine, theirs, reference in zip(ours, plain, exact):
            error = float((mine.double() - reference).norm() / reference.norm())
            assert error <= 1.5 * float((theirs.double() - reference).norm() / reference.norm()) + 1e-3
    x = torch.randn(4000, 512, generator=generator).cuda().bfloat16()  # a channel SwiGLU's sizes
    weight = (torch.randn(3072, 512, generator=generator) / 512**0.5).cuda().bfloat16()
    for tma in (False, True):
        assert torch.allclose(swiglu_matmul(x, weight, tma=tma).float(), _reference(x, weight).float(),
                              rtol=2e-2, atol=2e-2)


@pytest.mark.parametrize("with_grad, tma", [(False, False), (True, False), (True, True)])
def test_model_with_fused_kernels_keeps_outputs_and_gradients(with_grad, tma, monkeypatch):
    config = ModelConfig(grid_size=4, hidden_size=32, layers=2, answer_cycles=2, latent_steps=2, prefix_len=2,
                         swiglu_multiple=16)
    plain = TinyRecursiveModel(config, torch.Generator().manual_seed(0))
    fused = TinyRecursiveModel(config, torch.Generator().manual_seed(0))
    assert use_fused_swiglu(fused, with_grad=with_grad, tma=tma) == config.layers  # one channel MLP per block
    assert use_fused_token_mixer(fused, with_grad=with_grad, tma=tma) == config.layers
    assert all(block.channel_mlp.fused_tma == tma and block.mixer.fused_layer_tma == tma
               for block in fused.net.blocks)
    if tma:  # the forward kernels' pointer versions must not run (the backward kernels have no TMA version)
        monkeypatch.setattr(fused_swiglu, "swiglu_matmul_kernel", _Refusing())
        monkeypatch.setattr(token_mixer_module, "token_mixer_kernel", _Refusing())
    tokens = torch.randint(1, config.vocab_size, (3, config.cells), generator=torch.Generator().manual_seed(1))
    results = []
    for model in (plain, fused):
        y, z = model.initial_state(3)
        y, z, logits, q_halt = model(tokens, y, z)  # first cycle without gradients, last with
        logits.square().mean().backward()
        block = model.net.blocks[0]
        results.append((y, z, logits, q_halt, block.channel_mlp.gate_up.weight.grad, block.mixer.gate_up.weight.grad,
                        block.mixer.down.weight.grad))
    for a, b in zip(*results):
        assert torch.allclose(a, b, atol=1e-5)


def test_training_with_the_fused_kernels_logs_the_same_losses(tmp_path, monkeypatch):
    """The trainer switches the kernels on for a CUDA device only; here the interpreter stands in for one."""
    from tests.test_train import TINY, REPO
    from trm.data import save_split
    from trm.sudoku.csv_io import PuzzleTable, read_puzzle_csv
    from trm.train import trainer
    from trm.train.__main__ import main as train_main
    from trm.runs import read_metrics

    table = read_puzzle_csv(REPO / "assets" / "puzzles" / "sudoku_extreme_train_1k.csv", limit=48)
    save_split(tmp_path / "data", "train", PuzzleTable(table.shape, table.puzzles[:32], table.solutions[:32]))
    save_split(tmp_path / "data", "test", PuzzleTable(table.shape, table.puzzles[32:], table.solutions[32:]))
    losses, switched = [], []
    original = trainer.Trainer.__init__

    def record_switches(self, *args, **kwargs):
        original(self, *args, **kwargs)
        switched.append(sorted({name for module in self.model.modules() for name in ("fused", "fused_layer")
                                if getattr(module, name, False)}))

    monkeypatch.setattr(trainer.Trainer, "__init__", record_switches)
    for name, usable in (("plain", False), ("fused", True)):
        monkeypatch.setattr(trainer, "fused_kernels_usable", lambda runtime, usable=usable: usable)
        assert train_main(["--preset", "sudoku9-mlp", "--out", str(tmp_path / name), "--steps", "6", "--data",
                           str(tmp_path / "data"), "--device", "cpu", *TINY]) == 0
        losses.append([r["lm_loss"] for r in read_metrics(tmp_path / name).records if r["kind"] == "train"])
    assert switched == [[], ["fused", "fused_layer"]]
    assert len(losses[0]) == 2 and losses[1] == pytest.approx(losses[0], rel=1e-5)
