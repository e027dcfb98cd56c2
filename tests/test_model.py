"""The TRM's shapes, parameter counts, recursion order and loss, on tiny CPU configs."""

import math

import pytest
import torch

from trm.errors import ConfigError
from trm.model.act import act_loss, decide_halt, empty_carry, refill
from trm.model.config import ModelConfig
from trm.model.stablemax import stablemax_cross_entropy
from trm.model.trm import TinyRecursiveModel, count_parameters

TINY = ModelConfig(grid_size=4, hidden_size=16, answer_cycles=3, latent_steps=2, max_supervision_steps=4, prefix_len=2)


def test_paper_configs_have_the_reference_parameter_counts():
    assert count_parameters(TinyRecursiveModel(ModelConfig())) == 5_028_866
    assert count_parameters(TinyRecursiveModel(ModelConfig(mixer="attention"))) == 6_828_034


def test_paper_config_runs_at_sequence_length_97():
    assert ModelConfig().seq_len == 97 and ModelConfig(prefix_len=0).seq_len == 81


@pytest.mark.parametrize("mixer", ["mlp", "attention"])
def test_one_supervision_step_has_the_documented_shapes(mixer):
    config = ModelConfig(grid_size=4, hidden_size=16, attention_heads=2, mixer=mixer, latent_steps=1, prefix_len=3)
    model = TinyRecursiveModel(config)
    tokens = torch.randint(1, config.vocab_size, (5, config.cells))
    y, z = model.initial_state(5)
    y, z, logits, q_halt = model(tokens, y, z)
    assert y.shape == z.shape == (5, config.seq_len, 16)
    assert logits.shape == (5, 16, config.vocab_size) and q_halt.shape == (5,)
    assert not y.requires_grad and not z.requires_grad


def test_fresh_model_starts_with_halting_probability_near_zero():
    model = TinyRecursiveModel(TINY)
    y, z = model.initial_state(2)
    _, _, _, q_halt = model(torch.ones(2, TINY.cells, dtype=torch.long), y, z)
    assert torch.allclose(torch.sigmoid(q_halt), torch.full((2,), 1 / (1 + math.e**5)))


def test_recursion_runs_n_latent_updates_then_one_answer_update_per_cycle_with_gradients_only_in_the_last():
    model = TinyRecursiveModel(TINY)
    calls = []
    latent, answer = model.latent_update, model.answer_update
    model.latent_update = lambda z, y, x, *rest: calls.append(("z", torch.is_grad_enabled())) or latent(z, y, x, *rest)
    model.answer_update = lambda y, z, *rest: calls.append(("y", torch.is_grad_enabled())) or answer(y, z, *rest)
    y, z = model.initial_state(1)
    model(torch.ones(1, TINY.cells, dtype=torch.long), y, z)
    cycle = ["z", "z", "y"]
    assert [kind for kind, _ in calls] == cycle * 3
    assert [grad for _, grad in calls] == [False] * 6 + [True] * 3


def test_answer_update_does_not_see_the_question():
    model = TinyRecursiveModel(TINY)
    y, z = model.initial_state(1)
    y_w, z_w = model.to_working(y), model.to_working(z)
    assert torch.equal(model.from_working(model.answer_update(y_w, z_w)), model.net(y, z))


def test_stablemax_cross_entropy_matches_a_hand_computed_value():
    logits = torch.tensor([[[0.0, 1.0, -1.0]]])
    # s(x) = [1, 2, 0.5]; p(label 1) = 2 / 3.5
    loss = stablemax_cross_entropy(logits, torch.tensor([[1]]))
    assert loss.dtype == torch.float64
    assert loss.item() == pytest.approx(-math.log(2 / 3.5))


def test_act_loss_adds_half_the_halting_bce_and_marks_exact_puzzles():
    logits = torch.tensor([[[0.0, 5.0], [5.0, 0.0]], [[5.0, 0.0], [5.0, 0.0]]])  # (B=2, cells=2, vocab=2)
    labels = torch.tensor([[1, 0], [1, 0]])
    q_halt = torch.tensor([0.0, 0.0])
    loss = act_loss(logits, q_halt, labels)
    assert loss.puzzle_correct.tolist() == [True, False]
    assert loss.q_halt.item() == pytest.approx(2 * math.log(2))
    assert loss.total.item() == pytest.approx(loss.lm.item() + math.log(2))


def test_evaluation_always_runs_to_the_maximum_number_of_steps():
    steps = torch.tensor([1, 3, 4])
    halted = decide_halt(steps, torch.tensor([9.0, 9.0, -9.0]), 4, 0.1, None, is_training=False)
    assert halted.tolist() == [False, False, True]


def test_training_halts_on_positive_q_or_at_the_last_step():
    steps = torch.tensor([1, 2, 4, 2])
    halted = decide_halt(steps, torch.tensor([1.0, -1.0, -1.0, 0.5]), 4, 0.0, None, is_training=True)
    assert halted.tolist() == [True, False, True, True]


def test_exploration_never_halts_before_step_two():
    generator = torch.Generator().manual_seed(0)
    steps = torch.ones(10_000, dtype=torch.long)
    halted = decide_halt(steps, torch.ones(10_000), 16, 0.5, generator, is_training=True)
    assert 0.4 < 1 - halted.float().mean().item() < 0.6  # about half drew a minimum >= 2 and kept going


def test_refill_gives_only_halted_slots_a_new_puzzle_and_fresh_state():
    model = TinyRecursiveModel(TINY)
    carry = empty_carry(model, 2, torch.device("cpu"), torch.float32)
    first = torch.full((2, TINY.cells), 2)
    carry = refill(model, carry, first, first)
    carry.y = carry.y + 1.0
    carry.steps = torch.tensor([3, 5], dtype=torch.int32)
    carry.halted = torch.tensor([True, False])
    second = torch.full((2, TINY.cells), 3)
    carry = refill(model, carry, second, second)
    assert carry.inputs[:, 0].tolist() == [3, 2] and carry.steps.tolist() == [0, 5]
    y0, _ = model.initial_state(1)
    assert torch.equal(carry.y[0], y0[0]) and torch.equal(carry.y[1], y0[0] + 1.0)


def test_config_rejects_bad_fields_by_name():
    with pytest.raises(ConfigError, match="latent_steps"):
        ModelConfig(latent_steps=0)
    with pytest.raises(ConfigError, match="mixer"):
        ModelConfig(mixer="rnn")
    with pytest.raises(ConfigError) as unknown:
        ModelConfig.from_dict({**ModelConfig().to_dict(), "extra": 1})
    assert str(unknown.value) == "ModelConfig has field(s) this version does not know, 'extra'."
    with pytest.raises(ConfigError) as missing:  # only what is wrong is named, no empty lists
        ModelConfig.from_dict({key: value for key, value in ModelConfig().to_dict().items() if key != "mixer"})
    assert str(missing.value) == "ModelConfig lacks the field(s) 'mixer'."


def test_flat_baseline_has_one_position_and_the_trm_interface():
    from trm.model.build import build_model
    config = ModelConfig(grid_size=4, architecture="flat-baseline", hidden_size=32, prefix_len=0, latent_steps=2,
                         answer_cycles=2)
    model = build_model(config)
    y, z = model.initial_state(3)
    assert y.shape == (3, 1, 32)
    y, z, logits, q_halt = model(torch.randint(1, config.vocab_size, (3, config.cells)), y, z)
    assert logits.shape == (3, 16, config.vocab_size) and q_halt.shape == (3,)
    assert torch.allclose(torch.sigmoid(q_halt), torch.full((3,), 1 / (1 + math.e**5)))


def test_flat_baseline_gates_scale_the_residual_updates():
    from trm.model.build import build_model
    model = build_model(ModelConfig(grid_size=4, architecture="flat-baseline", hidden_size=16, prefix_len=0))
    y, z = model.initial_state(1)
    x = model.embed_inputs(torch.ones(1, 16, dtype=torch.long))
    with torch.no_grad():
        model.latent_gate.zero_()
    assert torch.equal(model.latent_update(z, y, x), z)
    with pytest.raises(ConfigError, match="prefix_len must be 0"):
        ModelConfig(architecture="flat-baseline", prefix_len=16)
