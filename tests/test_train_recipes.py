"""Faster-recipe options of the trainer, each off by default: the CGAR depth curriculum recurses shallower early in
training and never in evaluation; Muon trains the recursive network's matrices (and resumes exactly); the normed
SwiGLU computes what it says; a cosine schedule and gradient clipping do what they say; the log shows the gradient
norm, and MFU counts the work of the depth each step ran; the Q-halt loss weight weighs what it says, and fresh
augmentations draw a new symmetry of a training puzzle every time (and resume the same stream)."""

import math

import numpy as np

import pytest
import torch
import torch.nn.functional as F

from trm.data import load_split
from trm.data.equivalence import is_equivalent
from trm.model.act import act_loss
from trm.model.tokens import decode_tokens
from trm.sudoku.csv_io import invalid_solution_rows
from trm.train.sampler import VariantSampler
from trm.errors import ConfigError
from trm.model.config import ModelConfig
from trm.train.config import TrainConfig
from trm.train.curriculum import mean_flops_per_sample, recursion_depth
from trm.model.flops import training_flops_per_sample
from trm.train.device import setup_runtime
from trm.train.muon import muon_parameter_names, orthogonalise
from trm.train.optim import scheduled_lr
from trm.train.trainer import Trainer
from trm.model.build import build_model
from trm.model.layers import SwiGLU, rms_norm
from trm.runs import load_run_state, read_metrics
from trm.train.__main__ import main as train_main
from tests.test_train import TINY as TINY_ARGS

TINY = ModelConfig(grid_size=4, hidden_size=16, layers=1, answer_cycles=3, latent_steps=6, max_supervision_steps=3,
                   prefix_len=2, swiglu_multiple=16)


def _trainer(data, **train) -> Trainer:
    config = TrainConfig(data_dir=str(data), batch_size=8, augmentations=2, warmup_steps=1, **train)
    return Trainer(TINY, config, load_split(data, "train"), setup_runtime("cpu"))


def _calls_per_step(trainer: Trainer, steps: int) -> list[int]:
    counted, original = [], trainer.model.net.step

    def counting(state, injection):
        counted[-1] += 1
        return original(state, injection)

    trainer.model.net.step = counting
    for _ in range(steps):
        counted.append(0)
        trainer.train_step()
    return counted


def test_cgar_recurses_a_third_then_two_thirds_then_fully_deep(sudoku4_data):
    trainer = _trainer(sudoku4_data, total_steps=10, depth_curriculum="cgar")
    calls = _calls_per_step(trainer, 10)
    # (n, T) = (2, 1) for steps 1-3, (4, 2) for 4-6, then (6, 3): T * (n + 1) network calls each
    assert calls == [3] * 3 + [10] * 3 + [21] * 4
    assert trainer.model.training_depth is None  # only around the trainer's own forward
    evaluated = _calls_per_step(_trainer(sudoku4_data, total_steps=10), 1)
    assert evaluated == [21]  # no curriculum: the full depth from the first step


def test_the_schedule_scales_the_models_depth_and_depends_only_on_the_step():
    paper = ModelConfig()  # n = 6, T = 3
    assert [recursion_depth("cgar", paper, step, 1000) for step in (1, 300, 301, 600, 601, 1000)] == \
        [(2, 1), (2, 1), (4, 2), (4, 2), None, None]
    deeper = ModelConfig(latent_steps=9, answer_cycles=6)
    assert recursion_depth("cgar", deeper, 1, 100) == (3, 2) and recursion_depth("cgar", deeper, 31, 100) == (6, 4)
    assert recursion_depth("none", paper, 1, 100) is None
    with pytest.raises(ConfigError, match="depth_curriculum"):
        TrainConfig(depth_curriculum="fast")


def test_the_ema_copy_and_inference_run_the_full_depth_during_a_curriculum(sudoku4_data):
    trainer = _trainer(sudoku4_data, total_steps=10, depth_curriculum="cgar")
    trainer.train_step()
    model = trainer.ema_model()
    assert model.training_depth is None
    calls = []
    model.net.step = lambda state, injection, original=model.net.step: calls.append(1) or original(state, injection)
    with torch.no_grad():
        y, z = model.initial_state(1)
        model(torch.ones(1, 16, dtype=torch.long) + 1, y, z)
    assert len(calls) == 21


@pytest.mark.parametrize("shape", [(64, 200), (200, 64)])
def test_newton_schulz_pulls_every_singular_value_near_one_for_tall_and_wide_matrices(shape):
    matrix = torch.randn(*shape, generator=torch.Generator().manual_seed(0)) * 30
    singular = torch.linalg.svdvals(orthogonalise(matrix, 5))
    assert orthogonalise(matrix, 5).shape == shape
    assert 0.6 < float(singular.min()) and float(singular.max()) < 1.25  # the quintic's band, not exactly 1
    u, _, v = torch.linalg.svd(matrix, full_matrices=False)
    assert F.cosine_similarity(orthogonalise(matrix, 5).flatten(), (u @ v).flatten(), dim=0) > 0.95


def test_muon_trains_the_networks_matrices_and_adam_the_embedding_and_heads(sudoku4_data):
    trainer = _trainer(sudoku4_data, total_steps=4, optimizer="muon", muon_lr=0.05)
    names = set(trainer.muon_names)
    assert names == set(muon_parameter_names(trainer.model)) and names
    assert all(n.startswith("net.") for n in names)
    assert {"embed_tokens.weight", "lm_head.weight", "q_head.weight", "q_head.bias"} <= set(trainer.adam_names)
    assert not names & set(trainer.adam_names) and "puzzle_prefix" not in names
    params = dict(trainer.model.named_parameters())
    name = next(iter(trainer.muon_names))
    before = params[name].detach().clone()
    trainer.train_step()
    change = params[name].detach() - before * (1 - trainer.learning_rate(0.05) * 0.005)
    rows, cols = before.shape
    expected = trainer.learning_rate(0.05) * math.sqrt(max(1, rows / cols))
    singular = torch.linalg.svdvals(change / expected)  # the step is lr x scale x (nearly) orthogonal
    assert 0.5 < float(singular.max()) < 1.3
    assert set(trainer.ema.shadow) == set(params) - {"puzzle_prefix"}


def test_a_muon_run_resumes_bit_for_bit(train_data_9x9, tmp_path):
    def arguments(run, steps):
        return ["--preset", "sudoku9-mlp", "--out", str(tmp_path / run), "--steps", str(steps), "--data",
                str(train_data_9x9), "--device", "cpu", *TINY_ARGS, "--set", "train.optimizer=muon", "--set",
                "train.grad_clip=1.0", "--set", "model.swiglu=normed"]  # cosine would follow the changed --steps
    assert train_main(arguments("straight", 12)) == 0
    assert train_main(arguments("resumed", 6)) == 0
    assert train_main(["--resume", str(tmp_path / "resumed"), "--steps", "12"]) == 0
    straight, resumed = load_run_state(tmp_path / "straight"), load_run_state(tmp_path / "resumed")
    assert any(key.startswith("muon_momentum.") for key in resumed.optimizer)
    logged = [r for r in read_metrics(tmp_path / "straight").records if r["kind"] == "train"]
    assert all(r["muon_lr"] > 0 for r in logged)  # Muon's own learning rate is on every log line
    for name, tensor in straight.weights.items():
        assert torch.equal(tensor, resumed.weights[name]), name


def test_the_normed_swiglu_is_sigmoid_gate_times_the_rms_normed_product():
    layer = SwiGLU(8, 4.0, multiple=8, normed=True)
    hidden = torch.randn(3, 5, 8, generator=torch.Generator().manual_seed(1))
    gate, up = layer.gate_up(hidden).chunk(2, dim=-1)
    product = gate * up
    expected = layer.down(torch.sigmoid(gate) * product / product.square().mean(-1, keepdim=True).add(1e-5).sqrt())
    assert torch.allclose(layer(hidden), expected, atol=1e-6)
    assert torch.allclose(rms_norm(product, 1e-5), product / product.square().mean(-1, keepdim=True).add(1e-5).sqrt(),
                          atol=1e-6)
    model = build_model(ModelConfig(**{**TINY.__dict__, "swiglu": "normed"}), torch.Generator().manual_seed(0))
    standard = build_model(TINY, torch.Generator().manual_seed(0))
    tokens = torch.randint(1, 6, (2, 16), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        normed_out = model(tokens, *model.initial_state(2))[2]
        standard_out = standard(tokens, *standard.initial_state(2))[2]
    assert normed_out.shape == standard_out.shape and not torch.allclose(normed_out, standard_out)
    assert model.config.display_name == "TRM-MLP (normed SwiGLU)"
    with pytest.raises(ConfigError, match="swiglu"):
        ModelConfig(swiglu="other")
    with pytest.raises(ConfigError, match="flat baseline"):
        ModelConfig(architecture="flat-baseline", prefix_len=0, swiglu="normed")
    with pytest.raises(ConfigError, match="muon_ns_steps must be >= 1, got 0"):
        TrainConfig(muon_ns_steps=0)
    with pytest.raises(ConfigError, match="muon_lr must be > 0 with optimizer muon, got 0"):
        TrainConfig(optimizer="muon", muon_lr=0.0)


def test_the_cosine_schedule_warms_up_then_falls_to_zero_and_clipping_bounds_the_gradient(sudoku4_data, monkeypatch):
    lrs = [scheduled_lr(1.0, step, 10, 110, "cosine") for step in (5, 10, 60, 110)]
    assert lrs == pytest.approx([0.5, 1.0, 0.5, 0.0], abs=1e-9)
    assert scheduled_lr(1.0, 60, 10, 110, "constant") == 1.0
    seen = []  # (the norm before clipping, the norm after)
    original = torch.nn.utils.clip_grads_with_norm_

    def recording(params, limit, norm):
        params = list(params)
        original(params, limit, norm)
        seen.append((float(norm), float(torch.nn.utils.get_total_norm([p.grad for p in params if p.grad is not None]))))

    monkeypatch.setattr(torch.nn.utils, "clip_grads_with_norm_", recording)
    trainer = _trainer(sudoku4_data, total_steps=4, grad_clip=1e-3)
    metrics = trainer.train_step()
    (before, after), = seen
    assert before > 1e-2 and after == pytest.approx(1e-3, rel=1e-3)
    assert float(metrics["grad_norm"]) == pytest.approx(before)  # the log shows the norm before clipping
    grads_after = [p.grad for p in trainer.model.parameters()]
    assert all(g is None for g in grads_after)  # stepped and cleared


def test_label_smoothing_spreads_a_share_of_each_target_over_all_classes(sudoku4_data):
    from trm.model.stablemax import stablemax_cross_entropy, stablemax_probabilities

    logits = torch.randn(3, 5, 7, generator=torch.Generator().manual_seed(0))
    labels = torch.randint(0, 7, (3, 5), generator=torch.Generator().manual_seed(1))
    target = 0.8 * F.one_hot(labels, 7).double() + 0.2 / 7  # the smoothed target distribution itself
    expected = -(target * stablemax_probabilities(logits).log()).sum(-1)
    assert torch.allclose(stablemax_cross_entropy(logits, labels, 0.2), expected)
    assert torch.equal(stablemax_cross_entropy(logits, labels, 0.0), stablemax_cross_entropy(logits, labels))
    with pytest.raises(ConfigError, match="label_smoothing"):
        TrainConfig(label_smoothing=1.0)

    trainer = _trainer(sudoku4_data, total_steps=2, label_smoothing=0.3)
    inputs, labels = torch.randint(1, 5, (2, 16)), torch.randint(1, 5, (2, 16))
    y, z = trainer.model.initial_state(2)
    lm = trainer.forward(inputs, y, z, labels)[4]  # the training forward's summed LM loss
    logits = trainer.model(inputs, y, z)[2]
    assert torch.allclose(lm, stablemax_cross_entropy(logits, labels, 0.3).mean(-1).sum())


def test_the_softmax_answer_loss_is_cross_entropy_with_its_label_smoothing(sudoku4_data):
    from trm.model.act import answer_cross_entropy

    logits = torch.randn(3, 5, 7, generator=torch.Generator().manual_seed(0))
    labels = torch.randint(0, 7, (3, 5), generator=torch.Generator().manual_seed(1))
    target = 0.8 * F.one_hot(labels, 7).float() + 0.2 / 7
    expected = -(target * logits.log_softmax(-1)).sum(-1)
    assert torch.allclose(answer_cross_entropy(logits, labels, 0.2, "softmax"), expected, atol=1e-6)
    with pytest.raises(ConfigError, match="answer_loss"):
        TrainConfig(answer_loss="hinge")

    trainer = _trainer(sudoku4_data, total_steps=2, answer_loss="softmax", label_smoothing=0.2)
    inputs, labels = torch.randint(1, 5, (2, 16)), torch.randint(1, 5, (2, 16))
    y, z = trainer.model.initial_state(2)
    lm = trainer.forward(inputs, y, z, labels)[4]
    logits = trainer.model(inputs, y, z)[2]
    assert torch.allclose(lm, F.cross_entropy(logits.transpose(1, 2), labels, reduction="none",
                                              label_smoothing=0.2).mean(-1).sum(), atol=1e-5)


def test_the_q_halt_loss_weight_scales_the_halting_loss_in_the_total():
    with pytest.raises(ConfigError, match="q_halt_loss_weight"):
        TrainConfig(q_halt_loss_weight=-0.1)
    generator = torch.Generator().manual_seed(0)
    logits, q_halt = torch.randn(4, 16, 7, generator=generator), torch.randn(4, generator=generator)
    labels = torch.randint(0, 7, (4, 16), generator=generator)
    paper, light = act_loss(logits, q_halt, labels), act_loss(logits, q_halt, labels, q_halt_weight=0.05)
    assert paper.q_halt > 0 and torch.equal(paper.lm, light.lm) and torch.equal(paper.q_halt, light.q_halt)
    assert torch.allclose(paper.total, paper.lm + 0.5 * paper.q_halt)
    assert torch.allclose(light.total, light.lm + 0.05 * light.q_halt)


def test_the_trainers_loss_uses_the_configured_q_halt_weight(sudoku4_data):
    totals = {}
    for weight in (0.5, 0.0):
        trainer = _trainer(sudoku4_data, total_steps=2, q_halt_loss_weight=weight)
        inputs, labels = torch.randint(1, 5, (2, 16)), torch.randint(1, 5, (2, 16))
        y, z = trainer.model.initial_state(2)
        outputs = trainer.forward(inputs, y, z, labels)
        totals[weight] = (outputs[3], outputs[4], outputs[5])
    total, lm, q_loss = totals[0.5]
    assert q_loss > 0 and torch.allclose(total, lm + 0.5 * q_loss)
    assert torch.allclose(totals[0.0][0], totals[0.0][1])  # weight 0: the answer loss alone


def _draws(sampler: VariantSampler, batches: int, size: int = 64) -> list[torch.Tensor]:
    return [torch.cat(sampler.next_batch(size), 1) for _ in range(batches)]


def test_fresh_augmentations_draw_a_new_symmetry_of_a_training_puzzle_each_time(sudoku4_data):
    table = load_split(sudoku4_data, "train")
    fresh = VariantSampler(table, 8, seed=0, device=torch.device("cpu"), fresh=True)
    assert fresh.puzzles.shape[1] == 1  # only the originals are stored
    inputs, labels = fresh.next_batch(256)
    puzzles, solutions = decode_tokens(inputs).numpy(), decode_tokens(labels).numpy()
    assert not invalid_solution_rows(puzzles, solutions, table.shape).any()
    order = fresh.order[:256].numpy()  # the first epoch's puzzles, in draw order
    for row in range(0, 256, 16):
        assert is_equivalent(table.puzzles[order[row]], puzzles[row], table.shape)
    twice = VariantSampler(table, 8, seed=0, device=torch.device("cpu"), fresh=True)
    variants = {decode_tokens(twice.next_batch(len(table.puzzles))[0])[np.argsort(twice.order.numpy())][0]
                .numpy().tobytes() for _ in range(20)}  # puzzle 0, once per epoch
    assert len(variants) > 10  # a stored sampler of 8 variants could give at most 9

    resumed = VariantSampler(table, 8, seed=5, device=torch.device("cpu"), fresh=True)
    first = _draws(resumed, 3)
    again = VariantSampler(table, 8, seed=99, device=torch.device("cpu"), fresh=True)
    state = VariantSampler(table, 8, seed=5, device=torch.device("cpu"), fresh=True)
    _draws(state, 1)
    again.load_state_dict(state.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(first[1:], _draws(again, 2)))


def test_a_curriculum_run_logs_its_depth_at_every_line(train_data_9x9, tmp_path):
    assert train_main(["--preset", "sudoku9-mlp", "--out", str(tmp_path / "run"), "--steps", "9", "--data",
                       str(train_data_9x9), "--device", "cpu", *TINY_ARGS, "--set", "model.latent_steps=3",
                       "--set", "train.depth_curriculum=cgar"]) == 0
    logged = [(r["step"], r["latent_steps"], r["answer_cycles"])
              for r in read_metrics(tmp_path / "run").records if r["kind"] == "train"]
    assert logged == [(3, 1, 1), (6, 2, 1), (9, 3, 2)]  # (n, T) = (3, 2) scaled by 1/3, 2/3, then in full
    assert all(r["grad_norm"] > 0 for r in read_metrics(tmp_path / "run").records if r["kind"] == "train")


def test_mfu_counts_the_work_of_the_depth_each_step_ran():
    paper = ModelConfig()  # CGAR over 10 steps: (2, 1) for steps 1-3, (4, 2) for 4-6, then (6, 3)
    shallow = training_flops_per_sample(ModelConfig(latent_steps=2, answer_cycles=1))
    middle = training_flops_per_sample(ModelConfig(latent_steps=4, answer_cycles=2))
    full = training_flops_per_sample(paper)
    assert shallow < middle < full
    assert mean_flops_per_sample("cgar", paper, 1, 3, 10) == pytest.approx(shallow)
    assert mean_flops_per_sample("cgar", paper, 3, 4, 10) == pytest.approx((shallow + middle) / 2)
    assert mean_flops_per_sample("cgar", paper, 7, 10, 10) == mean_flops_per_sample("none", paper, 1, 3, 10) == full
