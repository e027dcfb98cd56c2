"""Training runs end to end on the CPU: logging, checkpoints, exact resume, kill -9 recovery, torchrun (gloo)."""

import contextlib
import errno
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from trm.checkpoint import load_model
from trm.train.__main__ import main as train_main
from trm.train.loop import Run
import trm.runs.status as status_module
from trm.runs import RunBusyError, load_run_state, read_metrics
from trm.runs.lock import acquire_lock

REPO = Path(__file__).resolve().parents[1]
TINY = ["--batch-size", "8", "--set", "model.hidden_size=16", "--set", "model.latent_steps=1",
        "--set", "model.answer_cycles=2", "--set", "model.max_supervision_steps=3", "--set", "model.prefix_len=2",
        "--set", "train.augmentations=2", "--set", "train.eval_puzzles=16", "--set", "train.eval_every=6",
        "--set", "train.log_every=3", "--set", "train.checkpoint_every=6", "--set", "train.warmup_steps=2"]


@pytest.fixture(scope="module")
def data_dir(train_data_9x9) -> Path:
    return train_data_9x9


def _args(data_dir: Path, run_dir: Path, steps: int) -> list[str]:
    return ["--preset", "sudoku9-mlp", "--out", str(run_dir), "--steps", str(steps), "--data", str(data_dir),
            "--device", "cpu", *TINY]


def test_run_writes_metrics_status_best_model_and_state(data_dir, tmp_path):
    assert train_main(_args(data_dir, tmp_path / "run", 6)) == 0
    records = read_metrics(tmp_path / "run").records
    assert [r["step"] for r in records if r["kind"] == "train"] == [3, 6]
    assert any(r["kind"] == "eval" and 0 <= r["exact_accuracy"] <= 1 for r in records)
    assert json.loads((tmp_path / "run" / "status.json").read_text())["state"] == "finished"
    assert (tmp_path / "run" / "best" / "config.json").exists()
    assert load_run_state(tmp_path / "run").step == 6


def test_resumed_run_continues_bit_for_bit(data_dir, tmp_path):
    assert train_main(_args(data_dir, tmp_path / "straight", 12)) == 0
    assert train_main(_args(data_dir, tmp_path / "resumed", 6)) == 0
    assert train_main(["--resume", str(tmp_path / "resumed"), "--steps", "12"]) == 0
    straight, resumed = load_run_state(tmp_path / "straight"), load_run_state(tmp_path / "resumed")
    assert resumed.step == 12
    for name, tensor in straight.weights.items():
        assert torch.equal(tensor, resumed.weights[name]), name
    def losses(run):
        return [r["lm_loss"] for r in read_metrics(tmp_path / run).records if r["kind"] == "train"]
    assert losses("straight") == losses("resumed")
    run_json = json.loads((tmp_path / "resumed" / "run.json").read_text())
    python = Path(sys.executable).name
    assert run_json["command"].startswith(f"{python} -m trm.train --preset sudoku9-mlp --out ")  # what started it
    assert run_json["resumed_with"] == [f"{python} -m trm.train --resume {tmp_path / 'resumed'} --steps 12"]


def _train_until_its_first_checkpoint(data_dir: Path, run_dir: Path, then: signal.Signals, *extra: str) -> str:
    """Start a long run in its own process, wait for its first checkpoint, then send it ``then``; returns what the
    process printed."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    printed = run_dir.with_name(run_dir.name + ".out")
    with printed.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "trm.train", *_args(data_dir, run_dir, 100_000), *extra],
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 120
        while not (run_dir / "state" / "state.json").exists() and time.time() < deadline:
            time.sleep(0.2)
        assert (run_dir / "state" / "state.json").exists(), "no checkpoint appeared"
    finally:
        process.send_signal(then)
        process.wait(timeout=120)
    return printed.read_text()


def test_killed_process_resumes_from_its_last_checkpoint(data_dir, tmp_path, capsys):
    run_dir = tmp_path / "killed"
    _train_until_its_first_checkpoint(data_dir, run_dir, signal.SIGKILL)
    saved_step = load_run_state(run_dir).step
    # The killed process may have logged steps past its last saved state: the resume starts from the state.
    with (run_dir / "metrics.jsonl").open("a") as log:
        log.write(json.dumps({"kind": "train", "step": saved_step + 6, "lm_loss": 1.0}) + "\n")
    assert train_main(["--resume", str(run_dir), "--steps", str(saved_step + 6)]) == 0
    assert f"resuming {run_dir} at step {saved_step:,} of {saved_step + 6:,}" in capsys.readouterr().out
    steps = [r["step"] for r in read_metrics(run_dir).records if r["kind"] == "train"]
    assert steps == sorted(set(steps)) and steps[-1] == saved_step + 6
    # Resuming the finished run without a higher total would do nothing: it says so and changes nothing.
    config_before = (run_dir / "run.json").read_text()
    assert train_main(["--resume", str(run_dir)]) == 2
    assert "pass --steps N" in capsys.readouterr().err and (run_dir / "run.json").read_text() == config_before
    # A resume may change the batch size: the ACT carry's slots start fresh instead of failing to load.
    batch = json.loads(config_before)["train"]["batch_size"]
    assert train_main(["--resume", str(run_dir), "--steps", str(saved_step + 9), "--batch-size", str(batch // 2)]) == 0
    events = [r for r in read_metrics(run_dir).records if r.get("event") == "resumed"]
    assert any("batch size changed" in note for note in events[-1]["notes"])
    assert [r["step"] for r in read_metrics(run_dir).records if r["kind"] == "train"][-1] == saved_step + 9


def test_second_writer_of_a_run_folder_is_refused(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / "lock").write_text(str(sleeper.pid))
        with pytest.raises(RunBusyError, match=str(sleeper.pid)):
            acquire_lock(tmp_path)
    finally:
        sleeper.kill()
        sleeper.wait()
    acquire_lock(tmp_path)  # a dead holder's lock is taken over


def test_new_run_in_an_existing_run_folder_is_refused(data_dir, tmp_path, capsys):
    assert train_main(_args(data_dir, tmp_path / "run", 3)) == 0
    assert train_main(_args(data_dir, tmp_path / "run", 3)) == 2
    assert "already holds a run" in capsys.readouterr().err


def test_new_run_in_a_folder_that_is_not_a_run_is_refused_and_left_alone(data_dir, tmp_path, capsys):
    foreign = tmp_path / "photos"
    (foreign / "best").mkdir(parents=True)
    (foreign / "best" / "holiday.jpg").write_bytes(b"jpeg")
    assert train_main(_args(data_dir, foreign, 3)) == 2
    assert "not a TRM Studio run" in capsys.readouterr().err
    assert sorted(p.relative_to(foreign).as_posix() for p in foreign.rglob("*")) == ["best", "best/holiday.jpg"]
    (tmp_path / "empty").mkdir()
    assert train_main(_args(data_dir, tmp_path / "empty", 2)) == 0  # an empty folder is fine


def test_ctrl_c_before_the_loop_starts_ends_in_one_line_and_leaves_no_folder(data_dir, tmp_path, monkeypatch,
                                                                              capsys):
    import trm.train.__main__ as train_command

    def building_the_data_set(*args, **kwargs):  # Ctrl+C while Run prepares, before the loop handles signals
        raise KeyboardInterrupt
    monkeypatch.setattr(train_command, "Run", building_the_data_set)
    assert train_main(_args(data_dir, tmp_path / "runs" / "new", 3)) == 130
    assert capsys.readouterr().err.strip() == "interrupted"
    assert list(tmp_path.iterdir()) == []


def test_the_status_says_the_step_of_every_evaluation_not_only_of_every_save(data_dir, tmp_path, monkeypatch):
    import trm.train.loop as loop_module
    written = []
    real_write_status = loop_module.write_status

    def recording(run_dir, state, step, total_steps, **fields):
        written.append((state, step))
        real_write_status(run_dir, state, step, total_steps, **fields)
    monkeypatch.setattr(loop_module, "write_status", recording)
    args = _args(data_dir, tmp_path / "run", 6) + ["--set", "train.eval_every=2", "--set", "train.checkpoint_every=6"]
    assert train_main(args) == 0
    assert ("running", 2) in written and ("running", 4) in written  # best/ may change there: an export reads it


def test_torchrun_two_cpu_processes_train_in_sync(data_dir, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m", "trm.train",
               *_args(data_dir, tmp_path / "ddp", 6)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    events = [r for r in read_metrics(tmp_path / "ddp").records if r.get("event") == "ranks_checked"]
    assert events == [{"kind": "event", "step": 6, "event": "ranks_checked", "world_size": 2, "in_sync": True}]


def test_torchrun_rank_asked_to_stop_stops_every_rank_at_the_same_step(data_dir, tmp_path):
    run_dir = tmp_path / "ddp-stop"
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m", "trm.train",
               *_args(data_dir, run_dir, 100_000)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)  # its own process group: the finally kills the workers too
    try:
        deadline = time.time() + 180
        while not (run_dir / "state" / "state.json").exists() and time.time() < deadline:
            time.sleep(0.2)
        assert (run_dir / "state" / "state.json").exists(), "no checkpoint appeared"
        rank0 = json.loads((run_dir / "status.json").read_text())["pid"]
        os.kill(rank0, signal.SIGTERM)  # rank 1 never hears of it: it must learn it from rank 0, or it would hang
        _, stderr = process.communicate(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, stderr[-3000:]
    assert json.loads((run_dir / "status.json").read_text())["state"] == "stopped"
    saved = load_run_state(run_dir).step
    events = [r for r in read_metrics(run_dir).records if r.get("event") == "ranks_checked"]
    assert events == [{"kind": "event", "step": saved, "event": "ranks_checked", "world_size": 2, "in_sync": True}]
    assert saved % 3 == 0  # a log line (log_every=3) is where the ranks agree


def test_fused_kernels_are_on_by_default_for_a_gpu_ignored_on_the_cpu_and_off_for_older_runs():
    from trm.train.config import TrainConfig
    from trm.kernels import PLAIN, choose_kernels
    from trm.train.device import setup_runtime
    assert TrainConfig().fused_swiglu and TrainConfig().fused_token_mixer
    # even with Triton's interpreter on (the tests' conftest)
    assert choose_kernels(setup_runtime("cpu").device, True, True) == PLAIN
    first = json.loads((REPO / "training_state" / "sudoku9-mlp" / "run.json").read_text())["train"]
    legacy = TrainConfig.from_dict({k: v for k, v in first.items() if k != "fused_swiglu"})
    assert not legacy.fused_swiglu and not legacy.fused_token_mixer  # a resumed old run keeps the layers it had


def test_run_saved_before_newer_config_fields_still_resumes(data_dir, tmp_path):
    assert train_main(_args(data_dir, tmp_path / "old", 3)) == 0
    run_json = tmp_path / "old" / "run.json"
    saved = json.loads(run_json.read_text())
    del saved["train"]["cpu_threads"], saved["model"]["swiglu_multiple"]  # a run.json from before these fields existed
    run_json.write_text(json.dumps(saved))
    assert train_main(["--resume", str(tmp_path / "old"), "--steps", "6"]) == 0
    assert load_run_state(tmp_path / "old").step == 6


def test_every_config_field_added_later_has_a_legacy_default():
    from trm.model.config import _ADDED_FIELDS
    first_model_fields = {"grid_size", "hidden_size", "layers", "expansion", "mixer", "attention_heads", "rope_theta",
                          "prefix_len", "answer_cycles", "latent_steps", "max_supervision_steps", "rms_norm_eps"}
    from trm.model.config import ModelConfig
    from trm.train.config import TrainConfig
    import dataclasses
    added_model = {f.name for f in dataclasses.fields(ModelConfig)} - first_model_fields
    assert added_model == set(_ADDED_FIELDS["ModelConfig"])
    first_train = set(json.loads((REPO / "training_state" / "sudoku9-mlp" / "run.json").read_text())["train"])
    added_train = {f.name for f in dataclasses.fields(TrainConfig)} - first_train
    assert added_train <= set(_ADDED_FIELDS["TrainConfig"])


def test_an_unknown_compile_mode_is_refused_with_the_choices():
    from trm.errors import ConfigError
    from trm.train.config import TrainConfig
    with pytest.raises(ConfigError, match="max-autotune-no-cudagraphs"):
        TrainConfig(compile_mode="fastest")
    assert TrainConfig(compile_mode="reduce-overhead").compile_mode == "reduce-overhead"


def test_init_from_starts_a_new_run_from_a_saved_models_weights(data_dir, tmp_path):
    assert train_main(_args(data_dir, tmp_path / "first", 6)) == 0
    source = tmp_path / "first" / "best"
    assert train_main([*_args(data_dir, tmp_path / "tuned", 3), "--set", "train.lr=0", "--set", "train.prefix_lr=0",
                       "--init-from", str(source)]) == 0
    start = load_model(source).model.state_dict()
    tuned = load_run_state(tmp_path / "tuned").weights
    for name, tensor in start.items():  # learning rate 0: the run (and its EMA) still hold the starting weights
        assert torch.allclose(tuned[f"model.{name}"], tensor, atol=1e-6), name
        if f"ema.{name}" in tuned:
            assert torch.allclose(tuned[f"ema.{name}"], tensor, atol=1e-6), name
    started = read_metrics(tmp_path / "tuned").records[0]
    earlier = started["init_from"].pop("earlier")  # the run beside best/, for the card (tests/test_init_from_lineage)
    assert started["event"] == "started" and started["init_from"] == {"path": str(source), "step": 6,
                                                                      "preset": "sudoku9-mlp", "dtype": "float32"}
    assert [run["step"] for run in earlier] == [6] and f"--out {tmp_path / 'first'}" in earlier[0]["command"]
    assert json.loads((tmp_path / "tuned" / "run.json").read_text())["init_from"] == str(source)
    shutil.rmtree(source)  # a resume continues from its own state: the starting weights are not needed again
    assert train_main(["--resume", str(tmp_path / "tuned"), "--steps", "6"]) == 0
    assert json.loads((tmp_path / "tuned" / "run.json").read_text())["init_from"] == str(source)


def test_init_from_a_different_model_is_refused_and_leaves_no_run(data_dir, tmp_path, capsys):
    assert train_main(_args(data_dir, tmp_path / "first", 3)) == 0
    args = [*_args(data_dir, tmp_path / "bigger", 3), "--set", "model.hidden_size=32",
            "--init-from", str(tmp_path / "first" / "best")]
    assert train_main(args) == 2
    assert "different model (hidden_size: 16 there, 32 here)" in capsys.readouterr().err
    assert not (tmp_path / "bigger" / "state").exists() and not (tmp_path / "bigger" / "metrics.jsonl").exists()
    assert train_main([*_args(data_dir, tmp_path / "missing", 3), "--init-from", str(tmp_path / "nowhere")]) == 2
    assert "not found" in capsys.readouterr().err


def test_a_full_disk_stops_the_run_as_crashed_with_the_reason_and_it_resumes_later(data_dir, tmp_path, capsys,
                                                                                  monkeypatch):
    run_dir = tmp_path / "full"
    saves = {"n": 0}
    real_save = Run.save_state

    def save_until_the_disk_fills(self):
        saves["n"] += 1
        if saves["n"] > 1:
            raise OSError(errno.ENOSPC, "No space left on device", str(run_dir / "state.tmp-1"))
        real_save(self)

    def no_new_files(path, data):  # the disk is full: a new file (the atomic status write) cannot be made
        if saves["n"] > 1:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real_write_json(path, data)

    real_write_json = status_module.write_json
    monkeypatch.setattr(Run, "save_state", save_until_the_disk_fills)
    monkeypatch.setattr(status_module, "write_json", no_new_files)
    assert train_main(_args(data_dir, run_dir, 12)) == 1
    error = capsys.readouterr().err
    assert "No space left on device" in error and f"--resume {run_dir}" in error and "Traceback" not in error
    status = json.loads((run_dir / "status.json").read_text())
    assert status["state"] == "crashed" and "No space left on device" in status["message"]
    monkeypatch.setattr(Run, "save_state", real_save)
    monkeypatch.setattr(status_module, "write_json", real_write_json)
    assert train_main(["--resume", str(run_dir), "--steps", "12"]) == 0  # space again: it continues


def test_a_data_set_of_another_grid_size_is_refused_before_the_first_step(sudoku4_data, tmp_path, capsys):
    out = tmp_path / "mismatch"
    assert train_main(["--preset", "sudoku9-mlp", "--out", str(out), "--data", str(sudoku4_data), "--steps", "1",
                       "--device", "cpu"]) == 2
    assert "holds 4x4 puzzles, but the model plays 9x9" in capsys.readouterr().err
    assert not out.exists()


def test_a_resumed_run_given_data_of_another_size_is_told_to_give_its_own(data_dir, sudoku4_data, tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert train_main(_args(data_dir, run_dir, 3)) == 0
    capsys.readouterr()
    assert train_main(["--resume", str(run_dir), "--steps", "6", "--data", str(sudoku4_data)]) == 2
    error = capsys.readouterr().err
    assert "holds 4x4 puzzles, but the model plays 9x9: give --data with the data set this run trained on" in error
    assert "built" not in error  # a resumed run never builds data


def test_a_run_stopped_between_log_lines_logs_its_last_steps_at_the_step_it_saved(data_dir, tmp_path):
    run_dir = tmp_path / "stopped"  # no log line before step 100,000: every stop falls between two
    printed = _train_until_its_first_checkpoint(data_dir, run_dir, signal.SIGTERM, "--set", "train.log_every=100000")
    assert json.loads((run_dir / "status.json").read_text())["state"] == "stopped"
    saved = load_run_state(run_dir).step
    assert f"stopped at step {saved:,} of 100,000, its state saved; continue with: python -m trm.train --resume " \
           f"{run_dir}" in printed
    lines = printed.splitlines()  # the last progress line, then how to go on, then the run's result
    assert lines[-3].startswith(f"step {saved:,} of 100,000") and "left" not in lines[-3], lines[-3:]
    assert lines[-2].startswith(f"stopped at step {saved:,}") and lines[-1].startswith('{"run_dir"')
    train = [r for r in read_metrics(run_dir).records if r["kind"] == "train"]
    assert len(train) == 1 and train[0]["step"] == load_run_state(run_dir).step  # none at all, without the line
    assert train[0]["samples_per_second"] > 0 and math.isfinite(train[0]["lm_loss"])


def test_resume_of_a_folder_that_is_not_a_run_says_what_to_give(tmp_path, capsys):
    assert train_main(["--resume", str(tmp_path / "nope")]) == 2
    assert f"--resume {tmp_path / 'nope'}: no such folder; give the folder of a run (its --out)" in \
        capsys.readouterr().err
    (tmp_path / "plain").mkdir()
    assert train_main(["--resume", str(tmp_path / "plain")]) == 2
    assert "not a run folder (it holds no run.json)" in capsys.readouterr().err
    assert not (tmp_path / "nope").exists() and list((tmp_path / "plain").iterdir()) == []


def test_an_unknown_field_lists_the_known_ones_as_words(tmp_path, capsys):
    assert train_main(["--preset", "sudoku4-tiny", "--out", str(tmp_path / "r"), "--set", "train.foo=1"]) == 2
    error = capsys.readouterr().err
    assert "Unknown train field 'foo'; known: answer_loss, augmentations, batch_size," in error and "['" not in error
