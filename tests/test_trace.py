"""The trace API records every supervision step and every inner call of a solve, consistently with the model."""

import json

import numpy as np
import pytest
import torch

from trm.model.config import ModelConfig
from trm.model.trm import TinyRecursiveModel
from trm.trace import iter_trace, run_trace, trace_from_dict, trace_to_dict

CONFIG = ModelConfig(grid_size=4, hidden_size=32, answer_cycles=2, latent_steps=3, max_supervision_steps=5,
                     prefix_len=2)
PUZZLE = np.array([1, 0, 0, 4, 0, 4, 1, 0, 0, 1, 4, 0, 4, 0, 0, 1], dtype=np.int8)
SOLUTION = np.array([1, 2, 3, 4, 3, 4, 1, 2, 2, 1, 4, 3, 4, 3, 2, 1], dtype=np.int8)


@pytest.fixture(scope="module")
def model():
    return TinyRecursiveModel(CONFIG, torch.Generator().manual_seed(0)).eval()


@pytest.fixture(scope="module")
def trace(model):
    return run_trace(model, PUZZLE, SOLUTION, steps=7, halt_threshold=0.5)


def test_trace_has_one_record_per_step_and_one_call_entry_per_network_call(trace):
    assert [s.step for s in trace.steps] == list(range(1, 8))  # past the model's 5: test-time steps
    for step in trace.steps:
        assert step.calls.kinds == (["z"] * 3 + ["y"]) * 2
        assert len(step.calls.y_delta) == len(step.calls.z_decoded_correct) == CONFIG.calls_per_step


def test_trace_predictions_match_a_plain_forward_pass(model, trace):
    y, z = model.initial_state(1)
    tokens = torch.as_tensor(PUZZLE, dtype=torch.long)[None] + 1
    with torch.no_grad():
        for step in trace.steps:
            y, z, logits, q_halt = model(tokens, y, z)
            expected = (logits.argmax(-1)[0] - 1).clamp(min=0).numpy()
            assert np.array_equal(step.prediction, expected)
            assert step.q_halt_probability == pytest.approx(torch.sigmoid(q_halt).item(), abs=1e-6)


def test_per_cell_flags_agree_with_predictions(trace):
    previous = None
    for step in trace.steps:
        assert np.array_equal(step.correct, step.prediction == SOLUTION)
        assert step.changed.all() if previous is None else np.array_equal(step.changed, step.prediction != previous)
        assert step.calls.y_decoded_correct[-1] == int(step.correct.sum())  # the last call's y is the answer
        assert ((0 <= step.confidence) & (step.confidence <= 1)).all() and (step.entropy >= 0).all()
        previous = step.prediction


def test_states_keep_norm_sqrt_d_and_z_updates_leave_y_unchanged(trace):
    for step in trace.steps:
        assert step.y_norm == pytest.approx(CONFIG.hidden_size ** 0.5, rel=1e-4)
        assert step.calls.z_norm == pytest.approx([CONFIG.hidden_size ** 0.5] * CONFIG.calls_per_step, rel=1e-4)
        assert step.calls.y_norm[-1] == pytest.approx(step.y_norm)
        assert all(delta == 0 for kind, delta in zip(step.calls.kinds, step.calls.y_delta) if kind == "z")


def test_pca_views_cover_every_call_and_cell(trace):
    calls = 7 * CONFIG.calls_per_step
    assert trace.pca.y_path.shape == trace.pca.z_path.shape == (calls, 3)
    assert trace.pca.cells.shape == (7, CONFIG.cells, 2)
    assert 0 < trace.pca.state_explained.sum() <= 1 + 1e-6


def test_halt_step_marks_the_first_step_over_the_threshold(model):
    trace = run_trace(model, PUZZLE, SOLUTION, steps=3, halt_threshold=0.0)
    assert trace.halt_step == 1
    assert run_trace(model, PUZZLE, SOLUTION, steps=3, halt_threshold=1.0).halt_step is None


def test_streaming_yields_steps_in_order_without_a_solution(model):
    records = iter_trace(model, PUZZLE, solution=None, steps=2, keep_states=False)
    first = next(records)
    assert first.step == 1 and first.correct is None and first.y_calls is None
    assert next(records).step == 2


def test_trace_survives_a_json_round_trip(trace):
    data = json.loads(json.dumps(trace_to_dict(trace)))
    back = trace_from_dict(data)
    assert back.halt_step == trace.halt_step and len(back.steps) == len(trace.steps)
    assert np.array_equal(back.steps[-1].prediction, trace.steps[-1].prediction)
    assert np.allclose(back.pca.y_path, trace.pca.y_path)
    assert back.steps[2].calls == trace.steps[2].calls


def test_flat_baseline_traces_with_cell_logits_as_its_per_cell_view():
    from trm.model.build import build_model
    config = ModelConfig(grid_size=4, architecture="flat-baseline", hidden_size=32, prefix_len=0, latent_steps=2,
                         answer_cycles=2, max_supervision_steps=3)
    trace = run_trace(build_model(config).eval(), PUZZLE, SOLUTION)
    assert len(trace.steps) == 3 and trace.steps[0].calls.kinds == ["z", "z", "y"] * 2
    assert trace.pca.cells.shape == (3, 16, 2)
    assert len(set(trace.steps[0].calls.z_norm)) > 1  # residual updates: the size is not pinned to sqrt(D)


def test_the_steps_table_matches_the_trace_it_was_read_from(trace):
    from trm.trace import STEP_COLUMNS, digits_csv, step_rows, steps_csv

    rows = step_rows(trace)
    blank = PUZZLE == 0
    assert [r["step"] for r in rows] == list(range(1, 8))
    for row, record in zip(rows, trace.steps):
        assert row["blank_cells_right"] == int((record.correct & blank).sum())
        assert row["solved"] == record.is_solved
        assert row["q_halt_probability"] == pytest.approx(record.q_halt_probability, abs=1e-6)
    assert [r["halts_here"] for r in rows].count(True) == (trace.halt_step is not None)
    assert rows[0]["cells_changed"] is None and rows[1]["cells_changed"] == int((trace.steps[1].changed & blank).sum())
    lines = steps_csv(trace).splitlines()
    assert lines[0].split(",") == list(STEP_COLUMNS) and len(lines) == 8
    answers = digits_csv(trace).splitlines()
    assert answers[0].split(",")[:3] == ["step", "r1c1", "r1c2"] and len(answers[0].split(",")) == 17
    assert [int(v) for v in answers[-1].split(",")[1:]] == trace.steps[-1].prediction.tolist()
