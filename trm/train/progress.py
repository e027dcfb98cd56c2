"""The training loop's progress on stderr: tqdm's bar on a terminal, one plain line a minute anywhere else."""

import sys
import time
from typing import Callable, TextIO

from tqdm import tqdm

from trm.progress_bars import LINE_EVERY_SECONDS, draws_a_bar
from trm.runs.curves import format_duration


class ProgressLines:
    """Progress written as whole lines, for a log file or a pipe: a bar's carriage returns and the blank lines it
    clears around messages would stay in the file. Same calls as the tqdm bar the loop uses on a terminal."""

    def __init__(self, total: int, initial: int, stream: TextIO | None = None,
                 every_seconds: float = LINE_EVERY_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.total, self.step, self.first_step = total, initial, initial
        self.stream, self.every_seconds, self.clock, self.started = stream, every_seconds, clock, clock()
        self.last_line_at, self.last_line_step, self.fields, self.closed = self.started, initial, {}, False

    def update(self, steps: int = 1) -> None:
        self.step += steps
        if self.clock() - self.last_line_at >= self.every_seconds:
            self._line()

    def set_postfix(self, refresh: bool = False, **fields: str) -> None:
        self.fields = fields

    def close(self) -> None:
        """A last line for the steps since the previous one (once), without a time left: this process is done."""
        if not self.closed and self.step != self.last_line_step:
            self._line(closing=True)
        self.closed = True

    def _line(self, closing: bool = False) -> None:
        now = self.clock()
        elapsed, done = now - self.started, self.step - self.first_step
        parts = [f"step {self.step:,} of {self.total:,} ({100 * self.step / max(self.total, 1):.0f}%)"]
        if elapsed > 0 and done > 0:
            rate = done / elapsed
            parts.append(f"{rate:.2f} steps/s")
            if self.step < self.total and not closing:
                parts.append(f"about {format_duration((self.total - self.step) / rate)} left")
        parts += [f"{name} {value}" for name, value in self.fields.items()]
        print(", ".join(parts), file=self.stream or sys.stderr, flush=True)
        self.last_line_at, self.last_line_step = now, self.step


def training_progress(total: int, initial: int, show: bool) -> "tqdm | ProgressLines":
    """tqdm's bar when stderr is a terminal, whole lines otherwise; nothing at all when ``show`` is false (the other
    ranks of a torchrun run)."""
    if draws_a_bar(sys.stderr) or not show:
        return tqdm(total=total, initial=initial, unit="step", disable=not show, dynamic_ncols=True, mininterval=1)
    return ProgressLines(total, initial)


def say(text: str) -> None:
    """A line on stdout that keeps its place among the progress lines on stderr: a log file written by ``> log
    2>&1`` would otherwise hold stdout's block-buffered lines back until much later."""
    tqdm.write(text)
    sys.stdout.flush()
