"""A folder written with atomic_directory survives a kill at any point of its swap: afterwards resolve_directory
finds a complete copy (the old one or the new one), the next write succeeds, and folders left by dead writers are
cleaned up while a live writer's are not."""

import os
import subprocess
import sys

import pytest

import trm.checkpoint as checkpoint
from trm.checkpoint import atomic_directory, resolve_directory


class _Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs."""


def _write(target, version: str) -> None:
    with atomic_directory(target) as folder:
        (folder / "part1").write_text(version)
        (folder / "part2").write_text(version)


def _read(target) -> str:
    folder = resolve_directory(target)
    parts = {(folder / name).read_text() for name in ("part1", "part2")}
    assert len(parts) == 1, f"a torn copy in {folder}"
    return parts.pop()


def _dying_after(calls: int, monkeypatch) -> None:
    """Make the calls-th filesystem change (os.replace or shutil.rmtree) of the swap kill the writer."""
    count = {"n": 0}

    def wrap(function):
        def dying(*args, **kwargs):
            count["n"] += 1
            if count["n"] == calls:
                raise _Killed
            return function(*args, **kwargs)
        return dying

    monkeypatch.setattr(checkpoint.os, "replace", wrap(os.replace))
    monkeypatch.setattr(checkpoint.shutil, "rmtree", wrap(checkpoint.shutil.rmtree))


@pytest.mark.parametrize("start", ["target", "old only"])
@pytest.mark.parametrize("calls", range(1, 9))
def test_a_kill_anywhere_in_the_swap_leaves_a_complete_copy(tmp_path, monkeypatch, start, calls):
    target = tmp_path / "state"
    _write(target, "v1")
    if start == "old only":  # an earlier writer died between its two renames
        os.replace(target, tmp_path / "state.old")
    with monkeypatch.context() as patch:
        _dying_after(calls, patch)
        try:
            _write(target, "v2")
        except _Killed:
            pass
    assert _read(target) in ("v1", "v2")
    _write(target, "v3")  # the next write after the kill works and is what is read
    assert _read(target) == "v3" and not (tmp_path / "state.old").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state"]


def test_folders_of_dead_writers_are_removed_and_a_live_writers_are_kept(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead, alive = int(finished.stdout), os.getppid()
    for name in (f"state.tmp-{dead}", f"state.tmp-{alive}", "state.tmp-notes", "other.tmp-1"):
        (tmp_path / name).mkdir()
    _write(tmp_path / "state", "v1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.tmp-1", "state", f"state.tmp-{alive}",
                                                          "state.tmp-notes"]
