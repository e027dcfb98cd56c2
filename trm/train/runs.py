"""The runs under a runs root and their status, as the app shows them: read-only, never raises on bad files.

A run is a folder written by ``python -m trm.train`` (see ``trm.train.rundir``); runs started from the app also
have ``launch.json`` (the launcher's pid, command and start time) and ``train.log`` (the trainer's stdout and
stderr). The state shown is the trainer's own ("running", "finished", "stopped", "crashed") corrected by what the
files cannot say: a run whose status says "running" but whose process is gone, or that has shown no sign of life
for ``STALE_SECONDS``, crashed; a run whose process is alive but has not written a status yet is "starting".
"""

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from trm.checkpoint import read_json
from trm.errors import TRMError
from trm.train.rundir import is_process_alive

RUNS_ENV = "TRM_STUDIO_RUNS"  # moves the runs root (tests point it at a temporary folder)
REPO = Path(__file__).resolve().parents[2]
STALE_SECONDS = 15 * 60  # longer than a 9x9 data build or torch.compile, during which nothing is written
RUN_FILES = ("run.json", "status.json", "launch.json", "metrics.jsonl", "train.log", "lock")
LIVE_STATES = ("starting", "running")


def runs_root() -> Path:
    """Where runs live: ``$TRM_STUDIO_RUNS`` when set, else ``runs/`` in the repository."""
    return Path(os.environ.get(RUNS_ENV) or REPO / "runs")


@dataclass(frozen=True)
class RunInfo:
    """One run's status as shown in the app. ``problems`` lists files that are missing or unreadable."""

    name: str
    path: Path
    state: str  # "starting", "running", "finished", "stopped" or "crashed"
    pid: int | None  # the live trainer's process id (None when no process is alive)
    step: int  # latest step logged or checkpointed
    total_steps: int | None
    preset: str
    device: str
    best_exact_accuracy: float | None  # best held-out exact accuracy so far (None before the first evaluation)
    batch_size: int | None
    last_seen: float | None  # unix seconds of the run's last sign of life (file modification)
    message: str  # why a run crashed or stopped, or what it is doing
    problems: tuple[str, ...]
    is_resumable: bool  # state/ holds a checkpoint to continue from
    has_best_model: bool  # best/ holds the EMA model with the best held-out accuracy

    @property
    def is_alive(self) -> bool:
        return self.pid is not None


def process_is_trainer(pid: int, run_name: str = "") -> bool:
    """Whether ``pid`` is a live (not zombie) process; where /proc exists, also one running trm.train (on a
    command line that mentions ``run_name``, so a recycled pid of an old launch is not taken for the trainer)."""
    if not is_process_alive(pid):
        return False
    proc = Path("/proc") / str(pid)
    try:
        stat = (proc / "stat").read_text()
        command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return True  # no /proc (macOS): trust the signal check
    is_zombie = stat.rsplit(")", 1)[-1].split()[0] == "Z"  # finished, waiting for its parent to reap it
    return not is_zombie and "trm.train" in command and run_name in command


def _read_optional(path: Path, what: str, problems: list[str]) -> dict:
    if not path.exists():
        return {}
    try:
        return read_json(path, what)
    except TRMError as error:
        problems.append(str(error))
        return {}


def _pid_in(text: object) -> int | None:
    return int(text) if isinstance(text, int) or isinstance(text, str) and text.strip().isdigit() else None


def live_pid(path: Path, status: dict, launch: dict) -> int | None:
    """The live trainer process of the run folder ``path``, if any (lock holder, status writer or launched pid)."""
    lock = path / "lock"
    candidates = [(_pid_in(lock.read_text()) if lock.is_file() else None, ""), (_pid_in(launch.get("pid")), path.name)]
    if status.get("state") == "running":
        candidates.append((_pid_in(status.get("pid")), ""))
    return next((pid for pid, name in candidates if pid is not None and process_is_trainer(pid, name)), None)


def _last_seen(path: Path, status: dict) -> float | None:
    times = [float(status["heartbeat"])] if isinstance(status.get("heartbeat"), (int, float)) else []
    times += [(path / name).stat().st_mtime for name in ("metrics.jsonl", "train.log") if (path / name).exists()]
    return max(times, default=None)


def _state(status: dict, launch: dict, pid: int | None, last_seen: float | None) -> tuple[str, str]:
    """(state, message) from the status file, corrected by the process table and the last sign of life."""
    written, message = status.get("state"), str(status.get("message", ""))
    if pid is not None:
        if last_seen is not None and time.time() - last_seen > STALE_SECONDS:
            minutes = (time.time() - last_seen) / 60
            return "crashed", f"process {pid} is alive but has written nothing for {minutes:.0f} min (hung?)"
        if written == "running" or status.get("pid") == pid:  # status of this process (it may be exiting now)
            return "running", message if written == "running" else f"{written}, exiting"
        return "starting", "loading data and model"
    if written == "running":
        return "crashed", "the training process is gone (killed, or the machine restarted) without saving a status"
    if written in ("finished", "stopped", "crashed"):
        return written, message
    if launch.get("stop_requested_at"):
        return "stopped", "stopped before its first step"
    return "crashed", "the training process ended before writing a status; see its log"


def _latest_step(path: Path) -> int:
    """The step of the last readable line of metrics.jsonl, reading only the file's tail."""
    metrics = path / "metrics.jsonl"
    if not metrics.is_file():
        return 0
    with metrics.open("rb") as handle:
        handle.seek(max(metrics.stat().st_size - 4096, 0))
        lines = handle.read().decode(errors="replace").splitlines()
    for line in reversed(lines):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and isinstance(record.get("step"), int):
            return record["step"]
    return 0


def read_run(path: str | Path) -> RunInfo:
    """The status of the run in folder ``path``; unreadable files are listed in ``problems``, not raised."""
    path, problems = Path(path), []
    config = _read_optional(path / "run.json", "Run config", problems)
    status = _read_optional(path / "status.json", "Run status", problems)
    launch = _read_optional(path / "launch.json", "Launch record", problems)
    pid = live_pid(path, status, launch)
    if pid is None and not (path / "run.json").exists():  # a trainer that is starting writes it in a moment
        problems.append(f"Run config not found: {path / 'run.json'}.")
    last_seen = _last_seen(path, status)
    state, message = _state(status, launch, pid, last_seen)
    train = config.get("train") if isinstance(config.get("train"), dict) else {}
    best = status.get("best_exact_accuracy")
    return RunInfo(
        name=path.name, path=path, state=state, pid=pid,
        step=max(_int_or_none(status.get("step")) or 0, _latest_step(path)),
        total_steps=_int_or_none(status.get("total_steps", train.get("total_steps", _launched_total(launch)))),
        preset=str(config.get("preset", "?")), device=str(status.get("device", "")),
        best_exact_accuracy=float(best) if isinstance(best, (int, float)) and best >= 0 else None,
        batch_size=_int_or_none(train.get("batch_size")), last_seen=last_seen, message=message,
        problems=tuple(problems), has_best_model=(path / "best" / "config.json").exists(),
        is_resumable=any((path / folder / "state.json").exists() for folder in ("state", "state.old")))


def _launched_total(launch: dict) -> int | None:
    """The total steps on the command line of a run launched from the app (before it writes run.json)."""
    args = [str(a) for a in launch.get("args", [])] if isinstance(launch.get("args"), list) else []
    totals = [a.split("=", 1)[1] for a in args if a.startswith("train.total_steps=")]
    return int(totals[-1]) if totals and totals[-1].isdigit() else None


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def list_runs(root: str | Path | None = None) -> list[RunInfo]:
    """Every run folder under ``root`` (default ``runs_root()``), newest first; a missing root gives []."""
    root = Path(root) if root is not None else runs_root()
    if not root.is_dir():
        return []
    folders = [p for p in root.iterdir() if p.is_dir() and any((p / name).exists() for name in RUN_FILES)]
    runs = [read_run(folder) for folder in folders]
    return sorted(runs, key=lambda run: (run.last_seen or 0, run.name), reverse=True)


def log_tail(path: str | Path, lines: int = 25) -> str:
    """The last ``lines`` lines of the run's train.log (tqdm's carriage-return updates folded); "" if none."""
    log = Path(path) / "train.log"
    if not log.is_file():
        return ""
    with log.open("rb") as handle:
        handle.seek(max(log.stat().st_size - 64 * 1024, 0))
        text = handle.read().decode(errors="replace")
    rows = [row.rsplit("\r", 1)[-1] for row in text.splitlines()]
    return "\n".join([row for row in rows if row.strip()][-lines:])
