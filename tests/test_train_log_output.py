"""What training prints where its output is a log file, not a terminal: each drawing of the bar is kept there."""

from trm.train.__main__ import main as train_main


def test_a_log_file_gets_the_finished_bar_once(tmp_path, sudoku4_data, capsys):
    assert train_main(["--preset", "sudoku4-tiny", "--out", str(tmp_path / "run"), "--data", str(sudoku4_data),
                       "--device", "cpu", "--steps", "20", "--set", "train.eval_every=10", "--set",
                       "train.log_every=5", "--set", "train.eval_puzzles=20"]) == 0
    printed = capsys.readouterr()
    bar = [line.strip() for line in printed.err.replace("\r", "\n").splitlines() if line.strip()]
    assert sum("20/20" in line for line in bar) == 1, bar  # a terminal redraws the bar in place; a file keeps all
    assert sum("10/20" in line for line in bar) <= 1, bar  # a log line's loss does not draw it again
    assert "step 20: held-out exact" in printed.out
