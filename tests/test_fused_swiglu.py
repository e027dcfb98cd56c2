"""The fused SwiGLU and token-mixer kernels compute what the unfused layers do (Triton's interpreter on the CPU,
float32).

CI installs Triton for these tests (.ci/run); without it they are skipped, since PyTorch's CPU wheels lack it.
"""

import pytest
import torch

from trm.model.config import ModelConfig
from trm.model.fused_swiglu import fused_swiglu_available, swiglu_matmul, use_fused_swiglu
from trm.model.fused_token_mixer import fused_token_mixer, use_fused_token_mixer
from trm.model.layers import SwiGLU, TokenMixer
from trm.model.trm import TinyRecursiveModel

pytestmark = pytest.mark.skipif(not fused_swiglu_available(torch.device("cpu")),
                                reason="needs Triton (its interpreter runs the kernel on the CPU)")
SMALL_BLOCKS = (16, 16, 16, 4, 2)  # smaller than the sizes below, so tiles have ragged edges


def _reference(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    gate, up = (x.double() @ weight.double().T).chunk(2, dim=-1)
    return torch.nn.functional.silu(gate) * up


@pytest.mark.parametrize("transposed_out", [False, True])
def test_kernel_matches_float64_for_strided_inputs_and_both_output_layouts(transposed_out):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(21, 37, generator=generator).T  # (37, 21) read through strides, as the token mixer does
    weight = torch.randn(2 * 19, 21, generator=generator)
    result = swiglu_matmul(x, weight, transposed_out, SMALL_BLOCKS)
    assert result.shape == ((19, 37) if transposed_out else (37, 19))
    assert torch.allclose((result.T if transposed_out else result).double(), _reference(x, weight), atol=1e-5)


@pytest.mark.parametrize("blocks", [(32, 16, 4, 2), (64, 64, 4, 1)])
def test_token_mixer_kernel_matches_float64_with_ragged_sizes(blocks):
    generator = torch.Generator().manual_seed(0)
    seq, columns, width = 21, 150, 40  # multiples of no block: masked rows, columns and width chunks
    tokens = torch.randn(seq, columns, generator=generator)
    gate_up, down = torch.randn(2 * width, seq, generator=generator), torch.randn(seq, width, generator=generator)
    gate, up = (gate_up.double() @ tokens.double()).chunk(2, dim=0)
    summed = tokens.double() + down.double() @ (torch.nn.functional.silu(gate) * up)
    expected = summed * torch.rsqrt(summed.square().mean(0, keepdim=True) + 1e-5)  # the norm runs over the sequence
    result = fused_token_mixer(tokens, gate_up, down, 1e-5, blocks)
    assert result.shape == (seq, columns) and torch.allclose(result.double(), expected, atol=1e-5)


def test_fused_layers_match_the_unfused_ones_without_gradients():
    torch.manual_seed(0)
    channel, mixer = SwiGLU(24, 4.0, 16), TokenMixer(13, 4.0, 1e-5, 16)
    hidden = torch.randn(13, 3, 24)  # (S, B, D), the mixer's sequence-major layout
    with torch.no_grad():
        expected = channel(hidden), mixer(hidden)
        assert use_fused_swiglu(channel) == 1 and use_fused_swiglu(mixer) == 1
        fused = channel(hidden), mixer(hidden)
    for a, b in zip(fused, expected):
        assert torch.allclose(a, b, atol=1e-5)


def test_one_kernel_token_mixer_matches_the_unfused_layer_and_takes_precedence_without_gradients():
    torch.manual_seed(0)
    mixer = TokenMixer(13, 4.0, 1e-5, 16)
    hidden = torch.randn(13, 3, 24)
    with torch.no_grad():
        expected = mixer(hidden)
        use_fused_swiglu(mixer)
        assert use_fused_token_mixer(mixer) == 1
        assert torch.allclose(mixer(hidden), expected, atol=1e-5)
    hidden.requires_grad_(True)
    mixer(hidden).sum().backward()  # with gradients the plain path runs: autograd reaches the input
    assert hidden.grad is not None


@pytest.mark.parametrize("switches", [(use_fused_swiglu,), (use_fused_swiglu, use_fused_token_mixer)])
def test_model_with_fused_kernels_keeps_outputs_and_gradients(switches):
    config = ModelConfig(grid_size=4, hidden_size=32, layers=2, answer_cycles=2, latent_steps=2, prefix_len=2,
                         swiglu_multiple=16)
    plain = TinyRecursiveModel(config, torch.Generator().manual_seed(0))
    fused = TinyRecursiveModel(config, torch.Generator().manual_seed(0))
    assert use_fused_swiglu(fused) == 2 * config.layers  # a token mixer and a channel MLP per block
    if use_fused_token_mixer in switches:
        assert use_fused_token_mixer(fused) == config.layers
    tokens = torch.randint(1, config.vocab_size, (3, config.cells), generator=torch.Generator().manual_seed(1))
    results = []
    for model in (plain, fused):
        y, z = model.initial_state(3)
        y, z, logits, q_halt = model(tokens, y, z)  # first cycle without gradients (fused), last with
        logits.square().mean().backward()
        results.append((y, z, logits, q_halt, model.net.blocks[0].channel_mlp.gate_up.weight.grad))
    for a, b in zip(*results):
        assert torch.allclose(a, b, atol=1e-5)


def test_training_with_fused_swiglu_logs_the_same_losses(tmp_path):
    from tests.test_train import TINY, REPO
    from trm.data import save_split
    from trm.sudoku.csv_io import PuzzleTable, read_puzzle_csv
    from trm.train.__main__ import main as train_main
    from trm.train.rundir import read_metrics

    table = read_puzzle_csv(REPO / "assets" / "puzzles" / "sudoku_extreme_train_1k.csv", limit=48)
    save_split(tmp_path / "data", "train", PuzzleTable(table.shape, table.puzzles[:32], table.solutions[:32]))
    save_split(tmp_path / "data", "test", PuzzleTable(table.shape, table.puzzles[32:], table.solutions[32:]))
    losses = []
    for name, extra in (("plain", []), ("fused", ["--set", "train.fused_swiglu=true"])):
        assert train_main(["--preset", "sudoku9-mlp", "--out", str(tmp_path / name), "--steps", "6", "--data",
                           str(tmp_path / "data"), "--device", "cpu", *TINY, *extra]) == 0
        losses.append([r["lm_loss"] for r in read_metrics(tmp_path / name / "metrics.jsonl") if r["kind"] == "train"])
    assert len(losses[0]) == 2 and losses[1] == pytest.approx(losses[0], rel=1e-5)
