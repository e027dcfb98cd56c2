"""bench/evaluate_speed.py times both copies of a model and reports the same accuracy for each: on the CPU both run
the plain layers, and the summary says so instead of a speed-up."""

import pytest

from bench.evaluate_speed import main


def test_both_copies_are_timed_and_agree_on_the_cpu(capsys):
    summary = main(["--checkpoint", "checkpoints/sudoku4", "--data", "assets/puzzles/heldout_4x4.csv", "--limit",
                    "12", "--steps", "2", "--batch-size", "8", "--repeats", "2", "--device", "cpu"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 * 2 + 1  # one line per timed evaluation, then the summary
    assert summary["kernels_enabled"] is False and summary["puzzles"] == 12
    assert summary["plain_exact_accuracy"] == summary["kernels_exact_accuracy"]
    assert summary["plain_seconds"] > 0 and summary["kernels_seconds"] > 0
    assert summary["speedup"] is None and "both copies ran the plain layers" in summary["note"]
    assert '"layers": "plain (second copy)"' in lines[1]  # no line claims kernels that did not run


def test_bad_arguments_are_refused_with_a_message(capsys):
    for argv in (["--steps", "0"], ["--repeats", "0"], ["--batch-size", "x"]):
        with pytest.raises(SystemExit):
            main(argv)
        assert "is not a whole number of at least 1" in capsys.readouterr().err
