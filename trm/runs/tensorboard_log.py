"""The run's metrics as TensorBoard event files too, for researchers who look there (``--tensorboard DIR``).

Optional: it needs the ``tensorboard`` package (``pip install tensorboard``), which TRM Studio itself does not.
metrics.jsonl stays the record the app and the model cards read; this mirrors its "train" and "eval" lines as
scalars (``train/lm_loss``, ``eval/exact_accuracy``, ``eval/accuracy_by_step/16``, ...). A resumed run purges the
events past its checkpoint, as the metrics log drops its lines past it, so curves never run twice.
"""

import importlib.util
import math
from pathlib import Path

from trm.errors import ConfigError
from trm.runs.layout import RUN_CONFIG

MIRRORED_KINDS = ("train", "eval")
OWNER_FILE = "trm-run.txt"  # names the run whose events the folder holds
TENSORBOARD = "tensorboard"  # the events' folder inside a run started from the app


def tensorboard_available() -> bool:
    """Whether the optional tensorboard package is installed (without importing it)."""
    return importlib.util.find_spec("tensorboard") is not None


def claim_folder(log_dir: Path, run_dir: Path, resuming: bool = False) -> None:
    """Mark ``log_dir`` as ``run_dir``'s; ConfigError if another run's events are there already, since two runs in
    one folder draw their curves on top of each other and a resume of one would purge the other's events. A run
    folder that was moved keeps its claim: the recorded folder is gone and the name is the same, or (``resuming``:
    the run's own run.json names this folder) gone under any name."""
    owner, run = log_dir / OWNER_FILE, Path(run_dir).resolve()
    if log_dir.exists() and (not log_dir.is_dir() or not owner.exists() and any(log_dir.iterdir())):
        raise ConfigError(f"{log_dir} is not a new or empty folder, nor one a run's TensorBoard events went to: "
                          f"nothing is written there. Give a new folder, e.g. --tensorboard runs/tensorboard/"
                          f"{run.name}.")
    log_dir.mkdir(parents=True, exist_ok=True)
    try:
        with open(owner, "x", encoding="utf-8") as file:  # exclusive: of two runs starting at once, one claims it
            file.write(f"{run}\n")
        return
    except FileExistsError:
        recorded = owner.read_text(encoding="utf-8").strip()
    # empty: the claiming process died between creating the file and writing it, so it names nobody
    moved = not Path(recorded).exists() and (resuming or Path(recorded).name == run.name)
    unclaimed = not recorded or moved
    if recorded != str(run) and not unclaimed:
        raise ConfigError(f"{log_dir} holds the TensorBoard events of the run {recorded}; give each run its own "
                          f"folder (e.g. --tensorboard {_folder_beside(log_dir, run)}, next to {log_dir} rather "
                          f"than inside it).")
    if unclaimed:
        owner.write_text(f"{run}\n", encoding="utf-8")


def _folder_beside(log_dir: Path, run: Path) -> Path:
    """A folder for ``run``'s events beside ``log_dir`` that this run could claim: outside any run folder (a run's
    folder is its own), not ``log_dir`` itself, and new or empty."""
    base = log_dir.resolve().parent
    while (base / RUN_CONFIG).exists() and base.parent != base:  # log_dir sat inside a run: not there either
        base = base.parent
    names = [run.name, f"{run.name}-tensorboard", *(f"{run.name}-{number}" for number in range(2, 1000))]
    taken = (log_dir.resolve(), run)
    return next(folder for folder in (base / name for name in names)
                if folder not in taken and (not folder.exists() or folder.is_dir() and not any(folder.iterdir())))


def _scalars(record: dict) -> dict[str, float]:
    """The finite numbers of one metrics record under TensorBoard tags; lists of numbers by index (1-based)."""
    kind, tags = record.get("kind"), {}
    for name, value in record.items():
        if name in ("kind", "step"):
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            tags[f"{kind}/{name}"] = float(value)
        elif isinstance(value, list) and value and all(isinstance(v, (int, float)) for v in value):
            tags.update({f"{kind}/{name}/{index}": float(v) for index, v in enumerate(value, start=1)})
    return {tag: value for tag, value in tags.items() if math.isfinite(value)}


class TensorBoardLog:
    """Writes each mirrored metrics record as scalars at its step, flushed at once (a killed run loses nothing)."""

    def __init__(self, log_dir: str | Path, run_dir: str | Path, resume_step: int | None = None):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            raise ConfigError("--tensorboard needs the tensorboard package: pip install tensorboard (or leave "
                              "--tensorboard out; metrics.jsonl has the same numbers).") from None
        claim_folder(Path(log_dir), Path(run_dir), resuming=resume_step is not None)
        # purge_step hides earlier events at or after it: those logged after the checkpoint this run resumes from,
        # or, on a fresh start, all of an earlier attempt of this run that died before its first checkpoint.
        self.writer = SummaryWriter(str(log_dir), purge_step=0 if resume_step is None else resume_step + 1)

    def write(self, record: dict) -> None:
        if record.get("kind") not in MIRRORED_KINDS:
            return
        for tag, value in _scalars(record).items():
            self.writer.add_scalar(tag, value, record["step"])
        self.writer.flush()

    def close(self) -> None:
        self.writer.close()
