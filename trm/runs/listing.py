"""The runs under a runs root and their status, as the app shows them: read-only, never raises on bad files.

The state shown is the trainer's own ("running", "finished", "stopped", "crashed") corrected by what the files
cannot say: a run whose status says "running" but whose process is gone, or that has shown no sign of life for
``STALE_SECONDS``, crashed; a run whose process is alive but has not written a status yet is "starting".
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from trm.errors import TRMError
from trm.runs.history import has_prefix, recipe_summary
from trm.runs.launch_record import launched_args, read_launch_record
from trm.runs.layout import BEST, METRICS, RUN_CONFIG, RUN_FILES, TRAIN_LOG, runs_root
from trm.runs.lock import lock_holder, parse_pid, process_is_trainer
from trm.runs.metrics import read_metrics
from trm.runs.run_config import read_run_config
from trm.runs.state import has_run_state, read_state_info
from trm.runs.status import read_status

STALE_SECONDS = 15 * 60  # longer than a 9x9 data build or torch.compile, during which nothing is written
LATEST_STEP_BYTES = 4096  # the end of metrics.jsonl that holds its last record


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
    recipe: str = ""  # optimiser, schedule, clipping, curriculum and SwiGLU form in words ("" without a config)
    is_diverged: bool = False  # crashed on a non-finite loss: resuming at the same learning rate would again
    is_restartable: bool = False  # started from the app: without a checkpoint it can start again from step 0

    @property
    def is_alive(self) -> bool:
        return self.pid is not None


def _read_optional(read: Callable[[Path], dict], path: Path, problems: list[str]) -> dict:
    try:
        return read(path)
    except TRMError as error:
        problems.append(str(error))
        return {}


def _live_pid(path: Path, status: dict, launch: dict) -> int | None:
    """The live trainer process of the run folder ``path``, if any (lock holder, status writer or launched pid)."""
    candidates = [lock_holder(path), parse_pid(launch.get("pid"))]
    if status.get("state") == "running":
        candidates.append(parse_pid(status.get("pid")))
    return next((pid for pid in candidates if pid is not None and process_is_trainer(pid, path)), None)


def _last_seen(path: Path, status: dict) -> float | None:
    times = [float(status["heartbeat"])] if isinstance(status.get("heartbeat"), (int, float)) else []
    times += [(path / name).stat().st_mtime for name in (METRICS, TRAIN_LOG) if (path / name).exists()]
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


def _saved_info(path: Path) -> dict:
    """The JSON part of the run's saved state ({} when it has none or it cannot be read)."""
    try:
        return read_state_info(path)
    except TRMError:
        return {}


def _latest_step(path: Path) -> int:
    """The step of the last record of metrics.jsonl, reading only the file's tail (0 when there is none)."""
    records = read_metrics(path, tail_bytes=LATEST_STEP_BYTES).records
    return next((record["step"] for record in reversed(records) if "step" in record), 0)


def _recipe(config: dict) -> str:
    train, model = config.get("train"), config.get("model")
    if not isinstance(train, dict):
        return ""
    normed = isinstance(model, dict) and model.get("swiglu") == "normed"
    return recipe_summary(train, has_prefix(model)) + ("; normed SwiGLU" if normed else "")


def read_run(path: str | Path) -> RunInfo:
    """The status of the run in folder ``path``; unreadable files are listed in ``problems``, not raised."""
    path, problems = Path(path), []
    config = _read_optional(read_run_config, path, problems) if (path / RUN_CONFIG).exists() else {}
    status = _read_optional(read_status, path, problems)
    launch = _read_optional(read_launch_record, path, problems)
    pid = _live_pid(path, status, launch)
    never_began = pid is None and not (path / RUN_CONFIG).exists()  # a starting trainer writes it in a moment
    if never_began and not launch:  # launched from the app, the folder is a run that ended early; else unknown
        problems.append(f"Run config not found: {path / RUN_CONFIG}.")
    last_seen = _last_seen(path, status)
    state, message = _state(status, launch, pid, last_seen)
    if never_began and launch and state == "crashed" and not status:
        message = "it ended before its training began (while loading its data or model); its log says why"
    train = config.get("train") if isinstance(config.get("train"), dict) else {}
    total = next((total for total in (_int_or_none(status.get("total_steps")), _int_or_none(train.get("total_steps")),
                                      _launched_total(launch)) if total is not None), None)
    saved = _saved_info(path) if state == "crashed" and status.get("state") == "running" else {}
    if total is not None and (_int_or_none(saved.get("step")) or 0) >= total:  # its last save came after its end
        state, message = "finished", "every step was saved; its process ended before it could record that"
    best = max((value for value in (status.get("best_exact_accuracy"), saved.get("best_exact_accuracy"))
                if isinstance(value, (int, float)) and value >= 0), default=None)
    return RunInfo(
        name=path.name, path=path, state=state, pid=pid,
        step=max(_int_or_none(status.get("step")) or 0, _latest_step(path), _int_or_none(saved.get("step")) or 0),
        total_steps=total,
        preset=str(config.get("preset", "?")), device=str(status.get("device", "")),
        best_exact_accuracy=float(best) if best is not None else None,
        batch_size=_int_or_none(train.get("batch_size")), last_seen=last_seen, message=message,
        problems=tuple(problems), has_best_model=(path / BEST / "config.json").exists(),
        is_resumable=has_run_state(path), recipe=_recipe(config),
        is_diverged=state == "crashed" and (status.get("diverged") is True  # runs before that field: the message
                                            or message.startswith("TrainingDiverged")),
        is_restartable=launched_args(launch) is not None)


def _launched_total(launch: dict) -> int | None:
    """The total steps on the command line of a run launched from the app (before it writes run.json)."""
    totals = [a.split("=", 1)[1] for a in launched_args(launch) or [] if a.startswith("train.total_steps=")]
    return int(totals[-1]) if totals and totals[-1].isascii() and totals[-1].isdigit() else None


def _int_or_none(value: object) -> int | None:
    """A count from a run's files (steps, totals, batch size), or None where the file holds no sane one."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def list_runs(root: str | Path | None = None) -> list[RunInfo]:
    """Every run folder under ``root`` (default ``runs_root()``), newest first; a missing root gives []."""
    root = Path(root) if root is not None else runs_root()
    if not root.is_dir():
        return []
    folders = [p for p in root.iterdir() if p.is_dir() and any((p / name).exists() for name in RUN_FILES)]
    runs = [read_run(folder) for folder in folders]
    return sorted(runs, key=lambda run: (run.last_seen or 0, run.name), reverse=True)
