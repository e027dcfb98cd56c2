"""Starting a run again, resuming it with wrong or damaged files, and what its log says about its speed."""

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from trm.runs import read_curves
from trm.runs.lock import LOCK, lock_holder
from trm.train.__main__ import main as train_main
from trm.train.loop import Run

TINY = ["--batch-size", "8", "--set", "model.hidden_size=16", "--set", "model.latent_steps=1",
        "--set", "model.answer_cycles=2", "--set", "model.max_supervision_steps=3", "--set", "model.prefix_len=2",
        "--set", "train.augmentations=2", "--set", "train.eval_puzzles=16", "--set", "train.eval_every=6",
        "--set", "train.log_every=3", "--set", "train.checkpoint_every=6", "--set", "train.warmup_steps=2"]


def _args(data_dir: Path, run_dir: Path, steps: int) -> list[str]:
    return ["--preset", "sudoku9-mlp", "--out", str(run_dir), "--steps", str(steps), "--data", str(data_dir),
            "--device", "cpu", *TINY]


def test_a_run_that_died_before_its_first_checkpoint_says_so_and_starts_over_with_a_clean_log(
        train_data_9x9, tmp_path, capsys):
    run_dir = tmp_path / "early"
    assert train_main(_args(train_data_9x9, run_dir, 6)) == 0
    shutil.rmtree(run_dir / "state")  # as if killed before its first checkpoint: a log, no state
    assert train_main(["--resume", str(run_dir)]) == 2
    error = capsys.readouterr().err
    assert "stopped before it saved its first checkpoint" in error and f"--out {run_dir} --steps 6" in error

    assert train_main(_args(train_data_9x9, run_dir, 3)) == 0  # the same command starts it over
    curves = read_curves(run_dir)
    assert [record["step"] for record in curves.train] == [3]
    assert [event["event"] for event in curves.events] == ["started"]


def test_a_run_still_training_before_its_first_checkpoint_is_not_called_stopped(train_data_9x9, tmp_path, capsys):
    run_dir = tmp_path / "young"
    assert train_main(_args(train_data_9x9, run_dir, 6)) == 0
    shutil.rmtree(run_dir / "state")
    trainer = subprocess.Popen(["sleep", "60"])  # stands for a trainer that has not saved yet
    try:
        (run_dir / LOCK).write_text(str(trainer.pid))
        assert train_main(["--resume", str(run_dir)]) == 2
        error = capsys.readouterr().err
        assert f"still being trained by process {trainer.pid}" in error and "start it again" not in error
    finally:
        trainer.kill()
        trainer.wait()


def test_resume_refuses_out_and_a_hand_edited_config_of_the_wrong_type(train_data_9x9, tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert train_main(_args(train_data_9x9, run_dir, 3)) == 0
    with pytest.raises(SystemExit):
        train_main(["--resume", str(run_dir), "--out", str(tmp_path / "other")])
    assert "--resume continues a run in its own folder" in capsys.readouterr().err

    config = json.loads((run_dir / "run.json").read_text())
    config["train"]["lr"] = "fast"
    (run_dir / "run.json").write_text(json.dumps(config))
    assert train_main(["--resume", str(run_dir), "--steps", "6"]) == 2
    assert "run.json: TrainConfig.lr must be float, got 'fast'" in capsys.readouterr().err
    for broken in ({**config, "train": "x"}, {key: value for key, value in config.items() if key != "train"},
                   {**config, "train": {**config["train"], "lr": float("nan")}}):
        (run_dir / "run.json").write_text(json.dumps(broken))
        assert train_main(["--resume", str(run_dir), "--steps", "6"]) == 2
        assert "run.json: " in capsys.readouterr().err


def test_a_damaged_state_is_refused_with_advice_for_a_run_and_leaves_the_folder_unlocked(
        train_data_9x9, tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert train_main(_args(train_data_9x9, run_dir, 3)) == 0
    weights = next((run_dir / "state").glob("weights*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:100])
    assert train_main(["--resume", str(run_dir), "--steps", "6"]) == 2
    error = capsys.readouterr().err
    assert "is damaged and cannot be read (to resume or export it)" in error and "re-download" not in error
    assert not (run_dir / LOCK).exists() or lock_holder(run_dir) is None


def test_the_speed_logged_after_an_evaluation_leaves_its_time_out(train_data_9x9, tmp_path, monkeypatch):
    evaluate = Run.evaluate

    def slow_evaluate(self):
        time.sleep(2.0)  # far longer than the tiny steps of a window
        return evaluate(self)

    monkeypatch.setattr(Run, "evaluate", slow_evaluate)
    run_dir = tmp_path / "run"
    assert train_main(_args(train_data_9x9, run_dir, 12)) == 0
    train = {record["step"]: record for record in read_curves(run_dir).train}
    after_eval, before_eval = train[9]["samples_per_second"], train[6]["samples_per_second"]
    assert after_eval > before_eval / 3, (before_eval, after_eval)  # counted, the sleep would make it ~10x slower
    state = json.loads((run_dir / "state" / "state.json").read_text())
    assert state["wall_seconds"] >= 4.0  # the run's wall time does count both evaluations (steps 6 and 12)
