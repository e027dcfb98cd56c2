"""Who owns a run folder: its lock is taken atomically, and a pid counts as the run's trainer only when the
process trains that very folder, so a recycled pid or another run's trainer is never stopped by this run's Stop."""

import json
import os
import subprocess
import sys
import time

import pytest

from trm.control.actions import RunStateError, stop_run
from trm.runs import read_run
from trm.runs.lock import RunBusyError, acquire_lock, process_is_trainer, release_lock


def _fake_trainer(folder, cwd):
    """A sleeping process whose command line reads like ``python -m trm.train --out FOLDER`` (run from ``cwd``)."""
    command = [sys.executable, "-c", "import time; time.sleep(60)", "trm.train", "--out", str(folder)]
    return subprocess.Popen(command, cwd=cwd)


@pytest.fixture
def runs(tmp_path):
    for name in ("mine", "other"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "run.json").write_text(json.dumps({"preset": "sudoku4-tiny"}))
    return tmp_path


def test_only_the_process_training_this_folder_counts_as_its_trainer(runs):
    other = _fake_trainer("other", cwd=runs)  # relative --out, resolved from the process's working directory
    try:
        time.sleep(0.3)
        assert process_is_trainer(other.pid, runs / "other")
        assert not process_is_trainer(other.pid, runs / "mine")
        assert process_is_trainer(other.pid)  # some trainer, whose folder was not asked
        for name in ("lock", "status.json"):
            (runs / "mine" / name).write_text(str(other.pid) if name == "lock" else
                                              json.dumps({"state": "running", "step": 3, "pid": other.pid}))
        assert read_run(runs / "mine").pid is None
        with pytest.raises(RunStateError):
            stop_run(runs / "mine")
        assert other.poll() is None  # the other run's trainer was not signalled
    finally:
        other.kill()
        other.wait()


def test_the_run_lock_is_taken_atomically_and_dies_with_its_holder(tmp_path):
    take_and_hold = ("import sys, time; from trm.runs.lock import acquire_lock; acquire_lock(sys.argv[1]); "
                     "print('held', flush=True); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", take_and_hold, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunBusyError, match=str(holder.pid)):
            acquire_lock(tmp_path)
        (tmp_path / "lock").write_text("")  # even with its pid gone from the file, the flock still holds
        with pytest.raises(RunBusyError):
            acquire_lock(tmp_path)
    finally:
        holder.kill()
        holder.wait()
    acquire_lock(tmp_path)  # the flock died with the process: the lock is free
    assert (tmp_path / "lock").read_text() == str(os.getpid())
    release_lock(tmp_path)
    assert not (tmp_path / "lock").exists()
