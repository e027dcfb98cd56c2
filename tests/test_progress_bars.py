"""The command lines' progress in a log file: whole lines (a start, one a minute, an end), never a bar's
carriage-return redraws or the runs of spaces that clear it around a message."""

import io
from pathlib import Path

from tqdm import tqdm

from trm.evaluate.cli import main as evaluate_main
from trm.progress_bars import LineBar, progress_bar

CHECKPOINT = Path(__file__).resolve().parents[1] / "checkpoints" / "sudoku4"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_into_a_file_writes_a_line_at_its_start_and_end_and_keeps_messages_whole():
    stream = io.StringIO()
    bar = LineBar(total=5, desc="generate 4x4", file=stream, mininterval=3600)
    for done in range(1, 6):
        bar.update()
        if done == 3:
            tqdm.write("a message", file=stream)
    bar.close()
    bar.close()
    lines = stream.getvalue().split("\n")
    assert "\r" not in stream.getvalue() and lines[-1] == ""
    assert lines[:-1] == ["generate 4x4:   0% 0/5 [00:00<?, ?it/s]", "a message",
                          lines[2]] and lines[2].startswith("generate 4x4: 100% 5/5 [")


def test_a_bar_over_an_iterable_without_a_length_counts_without_a_total():
    stream = io.StringIO()
    assert list(LineBar(iter(range(3)), desc="solving", file=stream)) == [0, 1, 2]
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("solving: 0 [") and lines[-1].startswith("solving: 3 [")


def test_a_terminal_gets_the_usual_bar_and_anything_else_lines():
    assert type(progress_bar(total=3, file=_Terminal(), disable=True)) is tqdm
    assert isinstance(progress_bar(total=3, file=io.StringIO(), disable=True), LineBar)


def test_an_evaluation_into_a_log_file_prints_whole_lines(tmp_path, capsys):
    data = tmp_path / "two.csv"
    data.write_text("puzzle\n0000300204100000\n1000020000300004\n")
    assert evaluate_main(["--checkpoint", str(CHECKPOINT), "--data", str(data), "--device", "cpu"]) == 0
    error = capsys.readouterr().err
    assert "\r" not in error and all(line.strip() for line in error.splitlines()), error[:500]
    assert any(" 100% " in line and "puzzle-steps" in line for line in error.splitlines()), error[:1000]


def test_a_terminal_that_reports_no_width_gets_lines_and_one_with_a_width_a_bar():
    import fcntl
    import os
    import struct
    import termios

    from trm.progress_bars import draws_a_bar
    controller, terminal = os.openpty()
    try:
        with os.fdopen(terminal, "w", closefd=False) as stream:
            for columns, expected in ((0, False), (120, True)):
                fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
                assert draws_a_bar(stream) is expected
    finally:
        os.close(controller)
        os.close(terminal)
