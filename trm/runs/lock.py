"""Who writes a run folder: the ``RUN_DIR/lock`` file holds the pid of the one process allowed to, and a live
trainer is told from a dead one or a recycled pid through the process table."""

import fcntl
import os
from pathlib import Path

from trm.errors import TRMError
from trm.runs.layout import LOCK


class RunBusyError(TRMError):
    """Another live process is writing this run folder."""


def is_process_alive(pid: int) -> bool:
    """Whether a process with this id exists (a zombie counts as alive: its parent has not reaped it yet)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_is_trainer(pid: int, run_dir: str | Path | None = None) -> bool:
    """Whether ``pid`` is a live (not zombie) process; where /proc exists, also one running trm.train and, with
    ``run_dir``, training that very folder (its --out or --resume, resolved from the process's working
    directory), so a recycled pid or another run's trainer is never taken for this run's."""
    if not is_process_alive(pid):
        return False
    proc = Path("/proc") / str(pid)
    try:
        stat = (proc / "stat").read_text()
    except OSError:
        return True  # no /proc (macOS): trust the signal check
    if stat.rsplit(")", 1)[-1].split()[0] == "Z":  # a zombie: finished, waiting for its parent to reap it
        return False
    try:
        arguments = [a.decode(errors="replace") for a in (proc / "cmdline").read_bytes().split(b"\0")]
        cwd = Path(os.readlink(proc / "cwd"))
    except OSError:
        return False  # gone meanwhile, or not ours to inspect: not a trainer we can vouch for
    if "trm.train" not in arguments:
        return False
    folders = [arguments[i + 1] for i, a in enumerate(arguments[:-1]) if a in ("--out", "--resume")]
    return run_dir is None or any((cwd / f).resolve() == Path(run_dir).resolve() for f in folders)


def parse_pid(value: object) -> int | None:
    """A pid from a lock file or a status field: a positive int or ASCII digits ("²" passes str.isdigit but int()
    refuses it; True is an int), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value > 0 else None
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip()) or None
    return None


def lock_holder(run_dir: str | Path) -> int | None:
    """The pid written in the folder's lock (alive or not); None when there is no readable lock."""
    lock = Path(run_dir) / LOCK
    try:
        text = lock.read_text(errors="replace") if lock.is_file() else ""
    except OSError:
        return None
    return parse_pid(text)


_HELD: dict[Path, int] = {}  # run folder -> the open, flock'ed descriptor of its lock (held until release)


def _lock_descriptor(path: Path) -> int | None:
    """Open ``path`` and take an exclusive flock on it without waiting; the descriptor, or None when another
    process holds it. Retries when the file was replaced between open and flock (a release unlinks it)."""
    for _ in range(5):
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return None
        try:
            if os.fstat(descriptor).st_ino == os.stat(path).st_ino:
                return descriptor
        except FileNotFoundError:
            pass
        os.close(descriptor)
    raise RunBusyError(f"The lock {path} keeps changing hands; try again.")


def acquire_lock(run_dir: str | Path) -> None:
    """Take the folder's lock for this process (creating the folder); raises RunBusyError if another live
    process holds it. The flock makes taking it atomic (two trainers started at once cannot both win) and dies
    with its process; the pid written inside is what other processes read (lock_holder). A dead holder's lock is
    taken over; a live process named in the file is refused even without a flock (an older writer)."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    key = run_dir.resolve()
    if key in _HELD:
        return
    descriptor = _lock_descriptor(run_dir / LOCK)
    holder = lock_holder(run_dir)
    if descriptor is None or (holder is not None and holder != os.getpid() and is_process_alive(holder)):
        if descriptor is not None:
            os.close(descriptor)
        raise RunBusyError(f"Run folder {run_dir} is being written by process {holder}; stop that process first "
                           f"(or, for a new run, choose another --out folder).")
    os.ftruncate(descriptor, 0)
    os.write(descriptor, str(os.getpid()).encode())
    _HELD[key] = descriptor


def release_lock(run_dir: str | Path) -> None:
    """Give the folder's lock up (nothing happens when there is none)."""
    (Path(run_dir) / LOCK).unlink(missing_ok=True)
    descriptor = _HELD.pop(Path(run_dir).resolve(), None)
    if descriptor is not None:
        os.close(descriptor)
