"""A pid in a run folder counts as that run's trainer only when the process trains that very folder: a recycled
pid, or another run's trainer, is never stopped by this run's Stop."""

import json
import subprocess
import sys
import time

import pytest

from trm.control.actions import RunStateError, stop_run
from trm.runs import read_run
from trm.runs.lock import process_is_trainer


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
