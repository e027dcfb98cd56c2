"""A run whose loss turns non-finite stops at once, keeps only finite weights and is not offered a resume that
would diverge again; evaluation counts NaN outputs as wrong instead of crashing."""

import math

import pytest
import torch

from tests.test_train import _args
from trm.control import RunStateError, resume_run
from trm.runs import load_run_state, read_metrics, read_run
from trm.runs.state import saved_step
from trm.train.__main__ import main as train_main


@pytest.fixture(scope="module")
def data_dir(train_data_9x9):
    return train_data_9x9


def test_a_diverging_run_stops_at_the_first_non_finite_loss_and_keeps_its_last_good_state(data_dir, tmp_path, capsys):
    run_dir = tmp_path / "huge-lr"
    assert train_main([*_args(data_dir, run_dir, 60), "--lr", "1e30"]) == 2
    error = capsys.readouterr().err
    assert "training diverged" in error and "lower learning rate" in error
    run = read_run(run_dir)
    assert run.state == "crashed" and run.message.startswith("TrainingDiverged") and run.is_diverged
    with pytest.raises(RunStateError, match="would diverge again"):
        resume_run(run_dir)  # at the same learning rate it would only diverge again
    losses = [r["lm_loss"] for r in read_metrics(run_dir).records if r["kind"] == "train"]
    assert losses[-1] is None or not math.isfinite(losses[-1])  # it stopped at the first such line
    assert all(loss is not None and math.isfinite(loss) for loss in losses[:-1])
    if saved_step(run_dir):  # a state saved before it diverged holds finite weights only
        assert all(torch.isfinite(t).all() for t in load_run_state(run_dir).weights.values())


def test_an_evaluation_of_a_model_with_nan_outputs_counts_it_wrong_instead_of_crashing():
    from trm.evaluate.accuracy import _Tally, _tally_batch

    tally = _Tally(steps=2)
    probs = torch.tensor([[float("nan"), 0.7], [float("nan"), float("nan")]])
    _tally_batch(tally, torch.zeros(2, 2, dtype=torch.bool), torch.zeros(2, 2), probs, 0.5)
    assert int(tally.bin_count.sum()) == 4 and tally.halt_steps == [2, 1] and tally.halted_right == 0  # NaN never halts
