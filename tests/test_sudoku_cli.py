"""``python -m trm.sudoku``: output and exit status, run as a user would."""

import subprocess
import sys
from pathlib import Path

import numpy as np

from trm.sudoku import SHAPES, count_solutions, grade_puzzle, parse_puzzle

REPO = Path(__file__).parents[1]
HARDEST = "000000008003000400090020060000079000000061200060502070008000500010000020405000003"
HARDEST_SOLUTION = "621943758783615492594728361142879635357461289869532174238197546916354827475286913"


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trm.sudoku", *args], cwd=REPO, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_solve_prints_the_solution_line_and_grid_and_exits_0():
    done = _run("solve", HARDEST)
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and lines[0] == HARDEST_SOLUTION
    assert lines[1] == "6 2 1 | 9 4 3 | 7 5 8" and len(lines) == 12


def test_solve_reads_a_grid_block_from_stdin():
    block = "\n".join(HARDEST[r * 9:r * 9 + 9] for r in range(9))
    done = _run("solve", "-", stdin=block)
    assert done.returncode == 0 and done.stdout.splitlines()[0] == HARDEST_SOLUTION


def test_solve_exits_1_naming_the_problem_for_invalid_text():
    done = _run("solve", HARDEST[:-1])
    assert done.returncode == 1 and "Found 80 cells" in done.stderr and done.stdout == ""


def test_solve_exits_1_for_conflicting_givens():
    done = _run("solve", "55" + "0" * 79)
    assert done.returncode == 1 and "duplicate 5 in row 1" in done.stderr


def test_solve_exits_1_for_an_unsolvable_puzzle():
    done = _run("solve", "123456780" + "000000009" + "0" * 63)
    assert done.returncode == 1 and "no solution" in done.stderr


def test_solve_exits_1_for_a_puzzle_with_several_solutions():
    done = _run("solve", "0" * 81)
    assert done.returncode == 1 and "more than one solution" in done.stderr


def test_generate_prints_one_unique_puzzle_per_line_of_the_requested_level():
    done = _run("generate", "--size", "9", "--level", "hard", "--count", "2", "--seed", "4")
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and len(lines) == 2 and all(len(line) == 81 for line in lines)
    for line in lines:
        puzzle = parse_puzzle(line)
        assert count_solutions(puzzle, SHAPES[9]) == 1
        assert grade_puzzle(puzzle, SHAPES[9]).level == "hard"


def test_generate_calls_a_level_the_size_lacks_bad_usage():
    done = _run("generate", "--size", "4", "--level", "hard")
    assert done.returncode == 2 and "no 'hard' level for 4x4 puzzles: they come in one, easy" in done.stderr


def test_generate_without_a_level_takes_medium_or_the_only_level_of_the_size():
    for size, level in ((4, "easy"), (6, "medium")):
        done = _run("generate", "--size", str(size), "--seed", "1")
        assert done.returncode == 0, done.stderr
        assert grade_puzzle(parse_puzzle(done.stdout.strip()), SHAPES[size]).level == level


def test_a_puzzle_without_one_solution_is_described_in_a_sentence():
    done = _run("grade", "1000000000000000")
    assert done.returncode != 0 and "this one has more than one solution." in done.stderr


def test_grade_prints_level_techniques_and_guesses():
    done = _run("grade", HARDEST)
    assert done.returncode == 0
    assert "level: extreme" in done.stdout and "hardest technique: needs guessing" in done.stdout
    assert "guesses needed:" in done.stdout


def test_unknown_command_is_a_usage_error():
    done = _run("frobnicate")
    assert done.returncode == 2 and "invalid choice" in done.stderr


def test_the_solve_page_names_why_a_puzzle_has_no_single_answer_in_a_sentence():
    from app_ui.trace_store import exact_solution

    for puzzle, phrase in (("1100000000000000", "has givens that contradict each other"),
                           ("1000000000000000", "has more than one solution")):
        grid = np.array([int(c) for c in puzzle], dtype=np.int8)  # parse_puzzle refuses conflicting givens
        solution, why = exact_solution(grid, SHAPES[4])
        assert solution is None and why.startswith(f"The puzzle {phrase}, so there is no single right answer")


def test_a_reader_that_stops_early_gets_its_lines_and_no_traceback():
    command = f"'{sys.executable}' -m trm.sudoku generate --size 4 --count 2000 --seed 1 | head -1"
    result = subprocess.run(["bash", "-c", command], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert len(result.stdout.split()) == 1 and len(result.stdout.strip()) == 16
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_a_long_generation_stopped_with_sigterm_ends_in_one_line():
    import signal
    process = subprocess.Popen([sys.executable, "-m", "trm.sudoku", "generate", "--size", "9", "--level", "hard",
                                "--count", "500"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    first = process.stdout.readline()  # a puzzle: the command is running
    process.send_signal(signal.SIGTERM)
    _, error = process.communicate(timeout=60)
    assert len(first.strip()) == 81
    assert process.returncode == 128 + signal.SIGTERM and error.strip() == "interrupted"


def test_a_file_name_given_as_the_puzzle_is_told_how_files_go_in():
    result = _run("solve", "assets/puzzles/heldout_top1465.csv")
    assert result.returncode == 1 and "Bad character 'a' at position 1" in result.stderr
    assert ("One puzzle in a file goes in through stdin: python -m trm.sudoku solve - < "
            "assets/puzzles/heldout_top1465.csv") in result.stderr
    assert "stdin" not in _run("solve", "12ab").stderr  # a mistyped puzzle is only told what is wrong with it
