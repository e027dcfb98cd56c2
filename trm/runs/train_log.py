"""The trainer's console output ``RUN_DIR/train.log`` of a run started from the app, as the app shows it."""

from pathlib import Path

from trm.runs.layout import TRAIN_LOG

TAIL_BYTES = 64 * 1024  # enough for the last lines even with tqdm's long carriage-return runs


def log_tail(run_dir: str | Path, lines: int = 25) -> str:
    """The last ``lines`` lines of the run's train.log (tqdm's carriage-return updates folded); "" if none."""
    log = Path(run_dir) / TRAIN_LOG
    if not log.is_file():
        return ""
    with log.open("rb") as handle:
        handle.seek(max(log.stat().st_size - TAIL_BYTES, 0))
        text = handle.read().decode(errors="replace")
    rows = [row.rsplit("\r", 1)[-1] for row in text.splitlines()]
    return "\n".join([row for row in rows if row.strip()][-lines:])
