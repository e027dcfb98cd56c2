"""Puzzle CSVs as people and programs really write them: every bad file is a DataError naming its line, never a
traceback, a silent wrong solution or a hang; a UTF-8 byte-order mark (Excel) is fine."""

import string

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trm.errors import DataError
from trm.evaluate.cli import main as evaluate_main
from trm.sudoku import read_puzzle_csv

VALID = ("0000300204100000", "4231314224131324")  # a 4x4 puzzle and its solution


def _write(tmp_path, text: str | bytes):
    path = tmp_path / "puzzles.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    table = read_puzzle_csv(_write(tmp_path, "\ufeffpuzzle,solution\n" + ",".join(VALID) + "\n"))
    assert len(table) == 1 and table.solutions is not None


@pytest.mark.parametrize("digit", ["５", "٣", "²", "①"])
def test_unicode_digits_are_refused_with_their_line(tmp_path, digit):
    path = _write(tmp_path, f"puzzle,solution\n{','.join(VALID)}\n{digit}{VALID[0][1:]},{VALID[1]}\n")
    with pytest.raises(DataError, match=f"line 3.*{digit}"):
        read_puzzle_csv(path)


def test_non_utf8_bytes_name_the_line(tmp_path):
    path = _write(tmp_path, b"puzzle,solution\n" + ",".join(VALID).encode() + b"\n\xff\xfe0000,\n")
    with pytest.raises(DataError, match="line 3 is not UTF-8"):
        read_puzzle_csv(path)


def test_a_field_over_the_csv_limit_names_the_line(tmp_path):
    path = _write(tmp_path, "puzzle,solution\n" + ",".join(VALID) + "\n" + "1" * 200_000 + ",\n")
    with pytest.raises(DataError, match="line 3.*field larger than field limit"):
        read_puzzle_csv(path)


def test_a_short_row_when_the_puzzle_is_not_the_first_column(tmp_path):
    path = _write(tmp_path, "source,puzzle\nmine," + VALID[0] + "\nlonely\n")
    with pytest.raises(DataError, match="line 3 has 1 field"):
        read_puzzle_csv(path)


@pytest.mark.parametrize("solution, why", [
    ("4231314224131322", "two 2s in the last row"),
    ("2431314224131324", "rows fine, columns broken"),
    ("4132324114232314", "a valid grid that contradicts the givens"),
    ("4231314224131320", "incomplete"),
])
def test_a_wrong_solution_is_an_error_naming_its_line_never_a_silent_zero(tmp_path, solution, why):
    path = _write(tmp_path, f"puzzle,solution\n{','.join(VALID)}\n{VALID[0]},{solution}\n")
    with pytest.raises(DataError, match="line 3: the solution is not a complete valid grid"):
        read_puzzle_csv(path)


def test_the_evaluate_cli_reports_a_wrong_solution_instead_of_scoring_it(tmp_path, capsys):
    path = _write(tmp_path, f"puzzle,solution\n{VALID[0]},4132324114232314\n")
    assert evaluate_main(["--checkpoint", "checkpoints/sudoku4", "--data", str(path), "--device", "cpu"]) == 2
    assert "line 2" in capsys.readouterr().err


CSV_TEXT = st.text(alphabet=st.sampled_from(list(string.digits + ".,\n\r\"' ５٣²abc\ufeff\x00")), max_size=400)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=CSV_TEXT, header=st.sampled_from(["puzzle,solution\n", "source,puzzle,solution\n", "quizzes\n", ""]))
def test_any_text_gives_a_table_or_a_data_error(tmp_path, body, header):
    path = _write(tmp_path, header + body)
    try:
        table = read_puzzle_csv(path)
    except DataError:
        return
    assert len(table) >= 1 and table.puzzles.dtype == np.int8
    assert table.puzzles.min() >= 0 and table.puzzles.max() <= table.shape.size
    if table.solutions is not None:
        assert table.solutions.shape == table.puzzles.shape


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_any_bytes_give_a_table_or_a_data_error(tmp_path, data):
    try:
        read_puzzle_csv(_write(tmp_path, b"puzzle,solution\n" + data))
    except DataError:
        pass


def test_a_file_of_bare_puzzles_is_told_to_add_a_header(tmp_path):
    path = _write(tmp_path, f"{VALID[0]}\n{VALID[0]}\n")  # one puzzle per line, as trm.sudoku generate prints them
    with pytest.raises(DataError, match="its first line is a puzzle, not a header: add a first line 'puzzle'"):
        read_puzzle_csv(path)
    with pytest.raises(DataError, match="no puzzle column in header"):
        read_puzzle_csv(_write(tmp_path, "grid,answer\n"))
