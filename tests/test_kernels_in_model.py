"""The model's layers with our kernels switched on compute what the plain layers do, with and without gradients,
in a whole model and in training (Triton's interpreter on the CPU, float32; bf16 on a GPU where there is one).

CI installs Triton for these tests (.ci/run); without it they are skipped, since PyTorch's CPU wheels lack it.
"""

import pytest
import torch

from tests.kernel_checks import SWIGLU_BOTH_WAYS, TOKEN_MIXER_BOTH_WAYS, Refusing, \
    check_swiglu_gradients_under_autocast, gradients, layer_gradients, needs_gpu_kernels, needs_triton, \
    plain_token_mixer, reference_swiglu
from trm.kernels import KernelChoice, swiglu_matmul, token_mixer_backward, token_mixer_forward, use_kernels
from trm.kernels import swiglu as swiglu_module
from trm.kernels import token_mixer as token_mixer_module
from trm.model.config import ModelConfig
from trm.model.layers import SwiGLU, TokenMixer
from trm.model.trm import TinyRecursiveModel


@needs_triton
def test_layers_with_kernels_match_the_plain_ones_with_and_without_gradients():
    torch.manual_seed(0)
    channel, mixer = SwiGLU(24, 4.0, 16), TokenMixer(13, 4.0, 1e-5, 16)
    plain_channel, plain_mixer = SwiGLU(24, 4.0, 16), TokenMixer(13, 4.0, 1e-5, 16)
    plain_channel.load_state_dict(channel.state_dict())
    plain_mixer.load_state_dict(mixer.state_dict())
    # each layer runs only its own kernels
    assert use_kernels(mixer, SWIGLU_BOTH_WAYS) == 0 and use_kernels(channel, TOKEN_MIXER_BOTH_WAYS) == 0
    assert use_kernels(channel, SWIGLU_BOTH_WAYS) == 1 and use_kernels(mixer, TOKEN_MIXER_BOTH_WAYS) == 1
    hidden = torch.randn(13, 3, 24)  # (S, B, D), the mixer's sequence-major layout
    with torch.no_grad():
        for fused, plain in ((channel, plain_channel), (mixer, plain_mixer)):
            assert torch.allclose(fused(hidden), plain(hidden), atol=1e-5)
    grad_out = torch.randn(13, 3, 24)
    for fused, plain in ((channel, plain_channel), (mixer, plain_mixer)):
        for a, b in zip(layer_gradients(fused, hidden, grad_out), layer_gradients(plain, hidden, grad_out)):
            assert torch.allclose(a, b, atol=1e-5 * float(b.detach().abs().max()))


@needs_triton
def test_the_backward_kernels_can_be_left_to_autograd(monkeypatch):
    from trm.model import layers
    torch.manual_seed(0)
    mixer, channel = TokenMixer(13, 4.0, 1e-5, 16), SwiGLU(24, 4.0, 16)
    plain_mixer, plain_channel = TokenMixer(13, 4.0, 1e-5, 16), SwiGLU(24, 4.0, 16)
    plain_mixer.load_state_dict(mixer.state_dict())
    plain_channel.load_state_dict(channel.state_dict())
    forward_only = KernelChoice(swiglu=True, token_mixer=True)
    use_kernels(mixer, forward_only)
    use_kernels(channel, forward_only)
    assert mixer.kernels.token_mixer and not mixer.kernels.token_mixer_grad
    assert channel.kernels.swiglu and not channel.kernels.swiglu_grad

    def refuse(*args):
        raise AssertionError("a backward kernel ran although switched off")

    monkeypatch.setattr(layers.FusedTokenMixer, "apply", refuse)
    monkeypatch.setattr(layers.FusedSwiGLU, "apply", refuse)
    hidden = torch.randn(13, 3, 24)
    results = []
    for pair in ((mixer, channel), (plain_mixer, plain_channel)):
        inputs = hidden.clone().requires_grad_(True)
        pair[1](pair[0](inputs)).sum().backward()
        results.append([inputs.grad, pair[0].gate_up.weight.grad, pair[1].gate_up.weight.grad])
    for a, b in zip(*results):
        assert torch.equal(a, b)  # the very same operations as the plain layers


@needs_gpu_kernels
def test_kernels_in_bf16_on_a_gpu_err_no_more_than_the_plain_layers():
    check_swiglu_gradients_under_autocast("cuda")
    generator = torch.Generator().manual_seed(0)
    seq, columns, width = 97, 4096, 512
    inputs = [(torch.randn(seq, columns, generator=generator)).cuda(),
              (torch.randn(2 * width, seq, generator=generator) / seq**0.5).cuda(),
              (torch.randn(seq, width, generator=generator) / width**0.5).cuda()]
    grad_out = torch.randn(seq, columns, generator=generator).cuda()
    exact = gradients(plain_token_mixer, [t.double() for t in inputs], grad_out.double())
    plain = gradients(plain_token_mixer, [t.bfloat16() for t in inputs], grad_out.bfloat16())
    low = [t.bfloat16() for t in inputs]
    for tma in (False, True):  # before Hopper Triton runs the TMA kernel with its descriptors lowered to pointers
        out, rstd = token_mixer_forward(*low, 1e-5, with_rstd=True, tma=tma)
        ours = [out, *token_mixer_backward(*low, out, rstd, grad_out.bfloat16())]
        for mine, theirs, reference in zip(ours, plain, exact):
            error = float((mine.double() - reference).norm() / reference.norm())
            assert error <= 1.5 * float((theirs.double() - reference).norm() / reference.norm()) + 1e-3
    x = torch.randn(4000, 512, generator=generator).cuda().bfloat16()  # a channel SwiGLU's sizes
    weight = (torch.randn(3072, 512, generator=generator) / 512**0.5).cuda().bfloat16()
    for tma in (False, True):
        assert torch.allclose(swiglu_matmul(x, weight, tma=tma).float(), reference_swiglu(x, weight).float(),
                              rtol=2e-2, atol=2e-2)


@needs_triton
@pytest.mark.parametrize("swiglu", ["standard", "normed"])
@pytest.mark.parametrize("with_grad, tma", [(False, False), (True, False), (True, True)])
def test_model_with_fused_kernels_keeps_outputs_and_gradients(with_grad, tma, swiglu, monkeypatch):
    config = ModelConfig(grid_size=4, hidden_size=32, layers=2, answer_cycles=2, latent_steps=2, prefix_len=2,
                         swiglu_multiple=16, swiglu=swiglu)
    plain = TinyRecursiveModel(config, torch.Generator().manual_seed(0))
    fused = TinyRecursiveModel(config, torch.Generator().manual_seed(0))
    choice = KernelChoice(swiglu=True, swiglu_grad=with_grad, token_mixer=True, token_mixer_grad=with_grad, tma=tma)
    assert use_kernels(fused, choice) == 2 * config.layers  # one channel MLP and one token mixer per block
    assert all(block.channel_mlp.is_fused and block.mixer.is_fused for block in fused.net.blocks)
    assert all(block.channel_mlp.kernels.tma == tma and block.mixer.kernels.tma == tma
               for block in fused.net.blocks)
    if tma:  # the forward kernels' pointer versions must not run (no TMA backward: slower, bench/README)
        monkeypatch.setattr(swiglu_module, "swiglu_matmul_kernel", Refusing())
        monkeypatch.setattr(token_mixer_module, "token_mixer_kernel", Refusing())
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


@needs_triton
@pytest.mark.parametrize("swiglu", ["standard", "normed"])
def test_training_with_the_fused_kernels_logs_the_same_losses(swiglu, tmp_path, monkeypatch):
    """The trainer switches the kernels on for a CUDA device only; here the interpreter stands in for one."""
    from tests.test_train import TINY, REPO
    from trm.data import save_split
    from trm.kernels import choice
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
        switched.append(sorted({type(module).__name__ for module in self.model.modules()
                                if getattr(module, "is_fused", False)}))

    monkeypatch.setattr(trainer.Trainer, "__init__", record_switches)
    for name, usable in (("plain", False), ("fused", True)):
        monkeypatch.setattr(choice, "kernels_supported", lambda device, usable=usable: usable)
        assert train_main(["--preset", "sudoku9-mlp", "--out", str(tmp_path / name), "--steps", "6", "--data",
                           str(tmp_path / "data"), "--device", "cpu", *TINY, "--set", f"model.swiglu={swiglu}"]) == 0
        losses.append([r["lm_loss"] for r in read_metrics(tmp_path / name).records if r["kind"] == "train"])
    assert switched == [[], ["SwiGLU", "TokenMixer"]]
    assert len(losses[0]) == 2 and losses[1] == pytest.approx(losses[0], rel=1e-5)
