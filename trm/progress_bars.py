"""Progress bars for the command lines: tqdm's bar on a terminal; in a log file or a pipe, a whole line at most once
a minute, where a bar's carriage-return redraws and clearing runs of spaces would all stay in the file."""

import os
import sys

from tqdm import tqdm

LINE_EVERY_SECONDS = 60.0  # a log file read later, or tailed, needs no more
LINE_FORMAT = "{desc}: {percentage:3.0f}% {n}/{total} [{elapsed}<{remaining}, {rate_fmt}{postfix}]"
LINE_FORMAT_WITHOUT_TOTAL = "{desc}: {n} [{elapsed}, {rate_fmt}{postfix}]"


class LineBar(tqdm):
    """A tqdm bar that writes whole lines: one when it starts, at most one a minute, one when it ends."""

    def __init__(self, *args, **kwargs):
        total = kwargs.get("total")
        if total is None and args and hasattr(args[0], "__len__"):
            total = len(args[0])
        kwargs.setdefault("mininterval", LINE_EVERY_SECONDS)
        kwargs.setdefault("maxinterval", LINE_EVERY_SECONDS)  # tqdm's monitor would force a line every 10 s
        kwargs.setdefault("bar_format", LINE_FORMAT if total is not None else LINE_FORMAT_WITHOUT_TOTAL)
        self._cleared = False  # set by tqdm.write's clear: the redraw it asks for next would repeat the last line
        self._last_line = None
        super().__init__(*args, **kwargs)

    def display(self, msg=None, pos=None) -> bool:
        if msg == "":  # a bar would blank its line here; a log keeps what it has
            return False
        line = (self.__str__() if msg is None else msg).strip()
        if line and line != self._last_line:
            self.fp.write(line + "\n")
            self.fp.flush()
            self._last_line = line
        return True

    def clear(self, nolock: bool = False) -> None:
        self._cleared = True

    def refresh(self, nolock: bool = False, lock_args=None) -> None:
        if self._cleared:
            self._cleared = False
            return
        super().refresh(nolock=nolock, lock_args=lock_args)

    def close(self) -> None:
        if not self.disable and getattr(self, "sp", None) is not None:
            self.display()  # the count it ended at, in a line of its own
        self.leave = False  # tqdm would write the last line again, then a newline
        super().close()


def draws_a_bar(stream) -> bool:
    """Whether ``stream`` is a terminal a bar can be drawn in: one that reports no width (a pseudo-terminal left at
    0 columns) would get an empty bar, so it gets lines too."""
    if not (hasattr(stream, "isatty") and stream.isatty()):
        return False
    try:
        return os.get_terminal_size(stream.fileno()).columns > 0
    except (OSError, ValueError, AttributeError):
        return True  # a terminal that hides its size: tqdm picks a width of its own


def progress_bar(*args, **kwargs) -> tqdm:
    """``tqdm(*args, **kwargs)`` where stderr is a terminal, else a ``LineBar`` (``file`` set: where it writes)."""
    stream = kwargs.get("file") or sys.stderr
    return tqdm(*args, **kwargs) if draws_a_bar(stream) else LineBar(*args, **kwargs)
