"""What training prints where its output is a log file, not a terminal: whole lines, no bar redrawn in place."""

import io

from trm.train.__main__ import main as train_main
from trm.train.progress import ProgressLines


def test_a_log_file_gets_whole_lines_and_the_finished_step_once(tmp_path, sudoku4_data, capsys):
    assert train_main(["--preset", "sudoku4-tiny", "--out", str(tmp_path / "run"), "--data", str(sudoku4_data),
                       "--device", "cpu", "--steps", "20", "--set", "train.eval_every=10", "--set",
                       "train.log_every=5", "--set", "train.eval_puzzles=20"]) == 0
    printed = capsys.readouterr()
    for stream in (printed.err, printed.out):
        assert "\r" not in stream  # a bar's carriage returns and clearing runs of spaces would stay in the file
        assert all(line.strip() for line in stream.splitlines())
    assert sum(line.startswith("step 20 of 20 (100%)") for line in printed.err.splitlines()) == 1, printed.err
    assert "step 10: held-out exact" in printed.out and "step 20: held-out exact" in printed.out


class _Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_lines_come_once_a_minute_with_rate_time_left_and_the_last_metrics():
    clock, stream = _Clock(), io.StringIO()
    progress = ProgressLines(total=1_000, initial=100, stream=stream, every_seconds=60, clock=clock)
    for _ in range(50):  # 50 steps at 2 s each: a line after the 30th step's minute, none before
        clock.now += 2
        progress.update()
        if progress.step == 110:
            progress.set_postfix(loss="0.512", exact="0.346")
    lines = stream.getvalue().splitlines()
    assert lines == ["step 130 of 1,000 (13%), 0.50 steps/s, about 29 min 00 s left, loss 0.512, exact 0.346"]
    progress.close()
    progress.close()
    lines = stream.getvalue().splitlines()
    assert lines[1:] == ["step 150 of 1,000 (15%), 0.50 steps/s, loss 0.512, exact 0.346"]  # no time left: it ends


def test_progress_lines_say_nothing_more_on_close_when_the_last_line_was_the_last_step():
    clock, stream = _Clock(), io.StringIO()
    progress = ProgressLines(total=3, initial=0, stream=stream, every_seconds=1, clock=clock)
    for _ in range(3):
        clock.now += 1
        progress.update()
    progress.close()
    assert stream.getvalue().splitlines()[-1] == "step 3 of 3 (100%), 1.00 steps/s"
    assert len(stream.getvalue().splitlines()) == 3
