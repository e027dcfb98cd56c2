"""Training runs managed from another process (what the Train page uses): status, crash detection, resume, ETA,
export, and damaged files reported rather than raised."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from trm.errors import ConfigError
from trm.control import delete_run, export_run, resume_run, start_run
from trm.runs import Curves, RunBusyError, list_runs, read_curves, read_run, smooth, steps_per_second

WAIT_SECONDS = 120  # a tiny run needs seconds; the 2-core test machine is shared


def wait_until(condition, what: str, timeout: float = WAIT_SECONDS):
    """Poll ``condition`` (a run writing files in another process) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _train_steps(run_dir: Path) -> list[int]:
    return [record["step"] for record in read_curves(run_dir).train]


def test_run_killed_with_sigkill_is_listed_as_crashed_and_resumes_the_same_curve(sudoku4_data, train_runs_root):
    run_dir = start_run(train_runs_root, "killed", "sudoku4-tiny", data_dir=str(sudoku4_data), steps=5_000,
                        train_overrides={"log_every": 5, "checkpoint_every": 20, "eval_every": 1_000})
    wait_until(lambda: read_run(run_dir).state == "running", "the run to start")
    with pytest.raises(RunBusyError, match="being written by process"):
        start_run(train_runs_root, "killed", "sudoku4-tiny", data_dir=str(sudoku4_data))
    with pytest.raises(RunBusyError):
        delete_run(run_dir)
    with pytest.raises(RunBusyError):
        resume_run(run_dir)
    saved = wait_until(lambda: (run_dir / "state").exists() and read_run(run_dir).step > 30 and
                       json.loads((run_dir / "state" / "state.json").read_text())["step"], "a checkpoint")
    pid = read_run(run_dir).pid
    os.kill(pid, signal.SIGKILL)
    crashed = wait_until(lambda: (lambda run: run if run.state == "crashed" else None)(read_run(run_dir)),
                         "the run to be listed as crashed")
    assert crashed.pid is None and "gone" in crashed.message and crashed.is_resumable
    assert [run.state for run in list_runs(train_runs_root)] == ["crashed"]
    logged_past_checkpoint = max(_train_steps(run_dir))

    resume_run(run_dir, steps=logged_past_checkpoint + 15)
    wait_until(lambda: read_run(run_dir).state == "finished", "the resumed run to finish")
    steps = _train_steps(run_dir)
    assert steps == sorted(set(steps)), "steps must increase without duplicates"
    assert steps[-1] == logged_past_checkpoint + 15
    assert steps == list(range(5, steps[-1] + 1, 5))
    events = read_curves(run_dir).events
    assert [(e["event"], e["step"]) for e in events] == [("started", 0), ("resumed", saved)]
    assert all(e["device"] and e["world_size"] == 1 for e in events)  # each process says where it trained
    log = (run_dir / "train.log").read_text()  # both launches, each under its command line, whole lines only
    assert log.startswith("$ ") and log.count("\n\n$ ") == 1 and "\r" not in log, log[:500]
    assert f"resuming {run_dir} at step {saved:,}" in log


def test_export_writes_a_checkpoint_with_a_model_card_and_refuses_a_taken_name(sudoku4_data, train_runs_root,
                                                                                 tmp_path):
    run_dir = start_run(train_runs_root, "tiny", "sudoku4-tiny", data_dir=str(sudoku4_data), steps=20,
                        train_overrides={"log_every": 10, "eval_every": 20})
    wait_until(lambda: read_run(run_dir).state == "finished", "the run to finish")
    checkpoint = export_run(run_dir, "my-4x4", tmp_path / "checkpoints")
    assert (checkpoint / "config.json").exists() and "held-out" in (checkpoint / "MODEL_CARD.md").read_text()
    with pytest.raises(ConfigError, match="already exists"):
        export_run(run_dir, "my-4x4", tmp_path / "checkpoints")
    with pytest.raises(ConfigError, match="not allowed"):
        export_run(run_dir, "../escape", tmp_path / "checkpoints")
    delete_run(run_dir)
    assert not run_dir.exists() and list_runs(train_runs_root) == []


def test_start_refuses_bad_names_values_and_a_folder_that_holds_a_run(train_runs_root):
    with pytest.raises(ConfigError, match="not allowed"):
        start_run(train_runs_root, "../outside", "sudoku4-tiny")
    with pytest.raises(ConfigError, match="batch_size"):
        start_run(train_runs_root, "zero-batch", "sudoku4-tiny", batch_size=0)
    (train_runs_root / "old").mkdir(parents=True)
    (train_runs_root / "old" / "run.json").write_text("{}")
    with pytest.raises(ConfigError, match="already holds a run"):
        start_run(train_runs_root, "old", "sudoku4-tiny")


def _write_run(folder: Path, status: str | None, metrics: str | None) -> Path:
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"preset": "sudoku4-tiny", "train": {"total_steps": 100,
                                                                                     "batch_size": 64}}))
    if status is not None:
        (folder / "status.json").write_text(status)
    if metrics is not None:
        (folder / "metrics.jsonl").write_text(metrics)
    return folder


def test_corrupt_and_missing_status_and_metrics_files_are_reported(tmp_path):
    def line(step):
        return json.dumps({"kind": "train", "step": step, "lm_loss": 1.0}) + "\n"
    corrupt = _write_run(tmp_path / "corrupt", "{not json", line(10) + "garbage\n" + line(20) + '{"kind": "tr')
    missing = _write_run(tmp_path / "missing", None, None)
    unreadable = _write_run(tmp_path / "unreadable", '{"state": "stopped", "step": 7}', None)
    (unreadable / "metrics.jsonl").mkdir()

    runs = {run.name: run for run in list_runs(tmp_path)}
    assert "not valid JSON" in runs["corrupt"].problems[0] and runs["corrupt"].step == 20
    curves = read_curves(corrupt)
    assert [r["step"] for r in curves.train] == [10, 20] and curves.bad_lines == 1 and "1 unreadable" in curves.problem
    assert runs["missing"].state == "crashed" and read_curves(missing).train == []
    assert runs["unreadable"].state == "stopped" and "cannot be read" in read_curves(unreadable).problem


def test_status_running_with_a_dead_or_silent_process_is_crashed(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = _write_run(tmp_path / "dead", json.dumps({"state": "running", "pid": int(finished.stdout), "step": 5,
                                                     "heartbeat": time.time()}), None)
    assert read_run(dead).state == "crashed" and read_run(dead).pid is None

    # A live process that looks like this run's trainer but has written nothing for an hour: hung.
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "-m", "trm.train", "--out",
                                str(tmp_path / "silent")])
    try:
        silent = _write_run(tmp_path / "silent", json.dumps({"state": "running", "pid": sleeper.pid, "step": 5,
                                                             "heartbeat": time.time() - 3600}), None)
        run = read_run(silent)
        assert run.state == "crashed" and "written nothing" in run.message and run.pid == sleeper.pid
    finally:
        sleeper.kill()
        sleeper.wait()


def test_speed_and_eta_count_only_the_current_session():
    slow = [{"kind": "train", "step": s, "wall_seconds": s / 1.0} for s in (10, 20, 30)]  # 1 step/s
    fast = [{"kind": "train", "step": s, "wall_seconds": 30 + (s - 30) / 10} for s in (40, 50, 60)]  # 10 steps/s
    curves = Curves(train=slow + fast, events=[{"kind": "event", "step": 30, "event": "resumed"}])
    assert steps_per_second(curves, batch_size=64) == pytest.approx(10.0)
    assert steps_per_second(Curves(train=slow), batch_size=64) == pytest.approx(1.0)
    one_line = Curves(train=[{"kind": "train", "step": 5, "samples_per_second": 320.0, "wall_seconds": 1}])
    assert steps_per_second(one_line, batch_size=64) == pytest.approx(5.0)
    assert steps_per_second(Curves(), batch_size=64) is None


def test_smoothing_is_a_debiased_ema_that_keeps_the_first_point():
    assert smooth([4.0, 4.0, 4.0], 0.9) == pytest.approx([4.0, 4.0, 4.0])
    assert smooth([1.0, 3.0], 0.0) == [1.0, 3.0]
    assert smooth([2.0, 0.0], 0.5) == pytest.approx([2.0, 2.0 / 3.0])  # (0.5*0.5*2)/(1-0.25)
    with pytest.raises(ValueError):
        smooth([1.0], 1.0)


def test_a_run_launched_from_the_app_that_died_before_training_says_so_plainly(tmp_path):
    from trm.runs.launch_record import write_launch_record
    early, stray = tmp_path / "killed-while-building-data", tmp_path / "stray"
    early.mkdir()
    stray.mkdir()
    write_launch_record(early, 2 ** 22 + 7, ["--preset", "sudoku4-tiny"])  # no process has that pid
    run = read_run(early)
    assert run.state == "crashed" and "ended before its training began" in run.message and not run.problems
    assert run.is_restartable
    assert any("Run config not found" in problem for problem in read_run(stray).problems)  # not ours to explain


def test_a_run_killed_after_saving_its_last_step_is_finished_for_the_list_resume_and_card(sudoku4_data, tmp_path,
                                                                                          capsys):
    from trm.export.checkpoint_export import export_checkpoint
    from trm.train.__main__ import main as train_main

    run_dir = tmp_path / "ended"
    assert train_main(["--preset", "sudoku4-tiny", "--out", str(run_dir), "--steps", "4", "--data", str(sudoku4_data),
                       "--device", "cpu", "--set", "train.checkpoint_every=1", "--set", "train.eval_every=2"]) == 0
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    status = json.loads((run_dir / "status.json").read_text())  # as a SIGKILL just after the last save leaves it
    (run_dir / "status.json").write_text(json.dumps({**status, "state": "running", "step": 3,
                                                     "pid": int(gone.stdout)}))
    run = read_run(run_dir)
    assert (run.state, run.step) == ("finished", 4) and "every step was saved" in run.message
    assert train_main(["--resume", str(run_dir)]) == 2
    assert "already trained 4 of its 4 steps (finished)" in capsys.readouterr().err
    assert train_main(["--resume", str(run_dir), "--steps", "3"]) == 2  # 3 is the new total asked for, not its plan
    assert "already trained 4 steps, so --steps 3 (the new total) leaves nothing" in capsys.readouterr().err
    card = (export_checkpoint(run_dir, "ended", tmp_path / "checkpoints", source="latest") / "MODEL_CARD.md")
    assert "- Status: finished its 4 steps" in card.read_text()
    # the best weights of a finished run can be older than its last step (the first of tied evaluations): the card
    # then says which step they come from, under "Optimiser steps: 2 of 4"
    best = (export_checkpoint(run_dir, "best", tmp_path / "checkpoints") / "MODEL_CARD.md").read_text()
    assert "- Optimiser steps: 2 of 4" in best
    assert "- Status: finished its 4 steps; these weights are from its step 2" in best

    (run_dir / "state" / "state.json").write_text(json.dumps(  # killed one save earlier: a real crash
        {**json.loads((run_dir / "state" / "state.json").read_text()), "step": 3}))
    assert read_run(run_dir).state == "crashed"
