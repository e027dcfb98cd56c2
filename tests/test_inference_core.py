"""The inference core runs the model's own supervision step, reports to observers, and lets them steer."""

import numpy as np
import pytest
import torch

from trm import ModelConfig, build_model, encode_grids
from trm.evaluate import evaluate_model
from trm.inference import Observer, halt_when_all_confident, iter_steps, run_steps
from trm.trace import run_trace

CONFIG = ModelConfig(grid_size=4, hidden_size=32, answer_cycles=2, latent_steps=3, max_supervision_steps=4,
                     prefix_len=2)
PUZZLES = np.array([[1, 0, 0, 4, 0, 4, 1, 0, 0, 1, 4, 0, 4, 0, 0, 1],
                    [0, 0, 0, 0, 3, 0, 0, 2, 0, 4, 1, 0, 0, 0, 0, 0]], dtype=np.int8)
SOLUTIONS = np.array([[1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1],
                      [4, 2, 3, 1, 3, 1, 4, 2, 2, 4, 1, 3, 1, 3, 2, 4]], dtype=np.int8)


@pytest.fixture(scope="module", params=["trm", "flat-baseline"])
def model(request):
    extra = {"architecture": "flat-baseline", "prefix_len": 0} if request.param == "flat-baseline" else {}
    return build_model(ModelConfig(**{**CONFIG.to_dict(), **extra}), torch.Generator().manual_seed(0)).eval()


class _Calls(Observer):
    wants_calls = True

    def __init__(self):
        self.events = []

    def on_call(self, event):
        self.events.append(event)


def test_steps_match_the_training_forward_pass_step_for_step(model):
    tokens = encode_grids(PUZZLES)
    y, z = model.initial_state(len(PUZZLES))
    with torch.no_grad():
        for output in iter_steps(model, tokens, 6):
            y, z, logits, q_halt = model(tokens, y, z)
            assert torch.allclose(output.logits, logits, atol=1e-6)
            assert torch.allclose(output.q_halt_logit, q_halt, atol=1e-6)
            assert torch.equal(output.answers, (logits.argmax(-1) - 1).clamp(min=0).to(torch.int8))


def test_a_batch_of_puzzles_gives_what_each_puzzle_gives_alone(model):
    together = run_steps(model, encode_grids(PUZZLES), 3)
    for row, puzzle in enumerate(PUZZLES):
        alone = run_steps(model, encode_grids(puzzle)[None], 3)
        assert torch.allclose(together.logits[row], alone.logits[0], atol=1e-5)
        assert torch.allclose(together.z[row], alone.z[0], atol=1e-5)


def test_observers_see_every_network_call_in_order_with_its_change(model):
    calls = _Calls()
    run_steps(model, encode_grids(PUZZLES), 2, observers=[calls])
    per_step = ["z"] * CONFIG.latent_steps + ["y"]
    assert [e.kind for e in calls.events] == per_step * CONFIG.answer_cycles * 2
    assert [e.step for e in calls.events] == [1] * CONFIG.calls_per_step + [2] * CONFIG.calls_per_step
    assert [e.index for e in calls.events[:CONFIG.calls_per_step]] == list(range(CONFIG.calls_per_step))
    for before, after in zip(calls.events, calls.events[1:]):
        if after.index:  # within a step, each call starts where the last one ended
            assert torch.equal(after.y_before, before.y) and torch.equal(after.z_before, before.z)
    first = calls.events[0]
    assert first.y.shape == (2, CONFIG.seq_len if model.config.architecture == "trm" else 1, CONFIG.hidden_size)
    assert torch.equal(first.change, first.z - first.z_before) and first.change.abs().sum() > 0
    assert torch.equal(first.y, first.y_before)  # a z-update leaves y alone


def test_a_stop_rule_ends_the_run_after_the_step_it_accepts(model):
    outputs = list(iter_steps(model, encode_grids(PUZZLES), 10, stop=halt_when_all_confident(0.0)))
    assert [o.step for o in outputs] == [1]
    outputs = list(iter_steps(model, encode_grids(PUZZLES), 3, stop=halt_when_all_confident(1.1)))
    assert [o.step for o in outputs] == [1, 2, 3]


class _ResetAfter(Observer):
    """An intervention: put y and z back to the model's initial state after step ``step``."""

    def __init__(self, model, step):
        self.model, self.step = model, step

    def on_step(self, state, output):
        if output.step == self.step:
            state.y, state.z = self.model.initial_state(state.y.shape[0])


def test_an_observer_that_resets_the_state_makes_the_next_step_a_first_step(model):
    tokens = encode_grids(PUZZLES)
    plain = list(iter_steps(model, tokens, 4))
    reset = list(iter_steps(model, tokens, 4, observers=[_ResetAfter(model, 2)]))
    assert torch.allclose(reset[2].logits, plain[0].logits, atol=1e-6)  # step 3 restarted from scratch
    assert torch.allclose(reset[1].logits, plain[1].logits)  # untouched before the edit


class _AddGiven(Observer):
    def on_step(self, state, output):
        if output.step == 1:
            tokens = state.tokens.clone()
            tokens[:, 1] = encode_grids(SOLUTIONS[:, 1])
            state.tokens = tokens


def test_an_observer_that_adds_a_given_changes_what_the_model_reads_next(model):
    tokens = encode_grids(PUZZLES)
    plain = list(iter_steps(model, tokens, 2))
    edited = list(iter_steps(model, tokens, 2, observers=[_AddGiven()]))
    assert torch.equal(edited[0].logits, plain[0].logits)
    assert not torch.allclose(edited[1].logits, plain[1].logits)


def test_bf16_runs_hold_the_states_in_bf16(model):
    output = run_steps(model, encode_grids(PUZZLES), 2, bf16=True)
    assert output.y.dtype == output.z.dtype == torch.bfloat16 and output.q_halt_logit.dtype == torch.float32


def test_evaluation_and_trace_see_the_same_steps(model):
    trace = run_trace(model, PUZZLES[0], SOLUTIONS[0], steps=3, with_pca=False)
    result = evaluate_model(model, encode_grids(PUZZLES[:1]), encode_grids(SOLUTIONS[:1]), steps=3, autocast=False)
    assert result.accuracy_by_step == [float(s.is_solved) for s in trace.steps]
    assert result.cell_accuracy_by_step == pytest.approx([s.correct.mean() for s in trace.steps])


def test_step_counts_mean_what_they_say(model):
    tokens = encode_grids(PUZZLES)
    outputs = list(iter_steps(model, tokens))
    assert [output.step for output in outputs] == [1, 2, 3, 4]  # the trained count
    assert all(torch.is_inference(output.logits) for output in outputs)  # no autograd graph kept step after step
    assert list(iter_steps(model, tokens, 0)) == [] and run_steps(model, tokens, 0) is None
    with pytest.raises(ValueError, match="steps must be 0 or more, got -3"):
        list(iter_steps(model, tokens, -3))
    for wrong in (True, 2.5, "4"):
        with pytest.raises(ValueError, match="steps must be a whole number"):
            list(iter_steps(model, tokens, wrong))
    assert len(list(iter_steps(model, tokens, np.int64(2)))) == 2


def test_puzzles_the_model_cannot_read_are_named_in_words(model):
    nine = encode_grids(np.zeros((1, 81), dtype=np.int8))
    with pytest.raises(ValueError, match=r"shape \(1, 81\), but this model plays 4x4 puzzles: it reads \(batch, 16\)"):
        list(iter_steps(model, nine, 2))
    with pytest.raises(ValueError, match="tokens must lie in 0..5 for a 4x4 model"):
        list(iter_steps(model, encode_grids(np.full((1, 16), 7, dtype=np.int8)), 2))


@pytest.mark.parametrize("scale", [-0.5, float("nan"), float("inf")])
def test_an_intervention_refuses_a_noise_scale_that_is_not_a_finite_number_from_zero_up(scale):
    from trm.inference import Intervention

    with pytest.raises(ValueError, match="noise scale must be a finite number >= 0"):
        Intervention(2, "noise_z", scale=scale)
