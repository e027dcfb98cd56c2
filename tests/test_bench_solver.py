"""``python -m bench.bench_solver``: runs in any clone (the shipped sample when the full list is not beside it) and
answers a bad file with one line."""

import subprocess
import sys
from pathlib import Path

import bench.bench_solver as bench_solver

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bench.bench_solver", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def test_the_default_file_is_one_that_exists():
    assert bench_solver.DEFAULT_FILE.is_file()
    assert bench_solver.SHIPPED_SAMPLE.is_file()  # what a clone without the shared data reads


def test_it_solves_and_checks_the_first_puzzles_of_a_file():
    result = _run("--file", str(bench_solver.SHIPPED_SAMPLE), "--limit", "25")
    assert result.returncode == 0, result.stderr
    assert "25 puzzles, solve(limit=2), all solutions correct" in result.stdout


def test_a_missing_file_or_one_without_solutions_is_one_line(tmp_path):
    missing = _run("--file", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "Puzzle file not found" in missing.stderr
    unsolved = tmp_path / "puzzles.csv"
    unsolved.write_text("puzzle\n" + "0" * 80 + "1\n")
    answer = _run("--file", str(unsolved))
    assert answer.returncode == 2 and "has no solution column" in answer.stderr
