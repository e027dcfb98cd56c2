"""Parsing puzzle text, printing grids, and finding conflicting digits."""

import numpy as np
import pytest

from trm.errors import PuzzleError
from trm.sudoku import (SHAPES, Conflict, check_grid, find_conflicts, format_grid, grid_to_string, is_solution,
                        parse_puzzle)

LINE = "000000008003000400090020060000079000000061200060502070008000500010000020405000003"
SOLUTION = "621943758783615492594728361142879635357461289869532174238197546916354827475286913"
BLOCK = """
. . . | . . . | . . 8
. . 3 | . . . | 4 . .
. 9 . | . 2 . | . 6 .
------+-------+------
. . . | . 7 9 | . . .
. . . | . 6 1 | 2 . .
. 6 . | 5 . 2 | . 7 .
------+-------+------
. . 8 | . . . | 5 . .
. 1 . | . . . | . 2 .
4 . 5 | . . . | . . 3
"""


def _with(cells: dict[tuple[int, int], int], size: int = 9) -> str:
    grid = ["0"] * (size * size)
    for (row, col), digit in cells.items():
        grid[row * size + col] = str(digit)
    return "".join(grid)


def test_parses_an_81_character_line_into_a_flat_int8_grid():
    grid = parse_puzzle(LINE)
    assert grid.dtype == np.int8 and grid.shape == (81,)
    assert grid[8] == 8 and grid[11] == 3 and grid[0] == 0 and int((grid > 0).sum()) == 22


def test_reads_dots_as_blanks_like_zeros():
    assert np.array_equal(parse_puzzle(LINE.replace("0", ".")), parse_puzzle(LINE))


def test_parses_a_boxed_nine_line_block_with_bars_and_rules():
    assert grid_to_string(parse_puzzle(BLOCK)) == LINE


def test_parses_nine_plain_lines_with_spaces():
    text = "\n".join(" ".join(LINE[r * 9:r * 9 + 9]) for r in range(9))
    assert grid_to_string(parse_puzzle(text)) == LINE


def test_format_grid_output_parses_back_for_every_size():
    for size, shape in SHAPES.items():
        grid = parse_puzzle("1" + "0" * (shape.cells - 2) + str(size))
        text = format_grid(grid, shape)
        assert np.array_equal(parse_puzzle(text), grid)
        assert len(text.splitlines()) == size + shape.bands - 1


def test_format_grid_draws_6x6_boxes_two_rows_by_three_columns():
    lines = format_grid(parse_puzzle("1" + "0" * 35), SHAPES[6]).splitlines()
    assert lines[0] == "1 . . | . . ."
    assert lines[2] == "------+------"


def test_infers_4x4_and_6x6_from_the_cell_count():
    assert parse_puzzle("1234" + "0" * 12).shape == (16,)
    assert parse_puzzle("123456" + "." * 30).shape == (36,)


def test_rejects_a_wrong_number_of_cells_saying_how_many_were_found():
    with pytest.raises(PuzzleError, match=r"Found 80 cells, expected 81 \(9x9\), 36 \(6x6\) or 16 \(4x4\)"):
        parse_puzzle(LINE[:-1])


def test_rejects_a_cell_count_that_does_not_match_the_given_size():
    with pytest.raises(PuzzleError, match="Found 81 cells, expected 36 for a 6x6 puzzle"):
        parse_puzzle(LINE, size=6)


def test_rejects_a_bad_character_naming_it_and_its_1_based_position():
    with pytest.raises(PuzzleError, match="Bad character 'x' at position 5"):
        parse_puzzle("0000x" + LINE[5:])


def test_names_line_and_column_of_a_bad_character_in_a_block():
    text = BLOCK.strip().replace("4 . .", "4 a .", 1)
    with pytest.raises(PuzzleError, match=r"Bad character 'a' at position \d+ \(line 2, column 19\)"):
        parse_puzzle(text)


def test_rejects_a_digit_too_large_for_a_4x4_puzzle():
    with pytest.raises(PuzzleError, match="Digit 7 at cell 3 .* too large for a 4x4 puzzle"):
        parse_puzzle("127" + "0" * 13)


def test_rejects_empty_text():
    with pytest.raises(PuzzleError, match="Found 0 cells"):
        parse_puzzle("  \n ")


def test_rejects_puzzle_with_repeated_digit_in_row():
    with pytest.raises(PuzzleError, match=r"duplicate 5 in row 3 \(r3c1, r3c7\)"):
        parse_puzzle(_with({(2, 0): 5, (2, 6): 5}))


def test_rejects_puzzle_with_repeated_digit_in_column():
    with pytest.raises(PuzzleError, match=r"duplicate 7 in column 7 \(r1c7, r5c7\)"):
        parse_puzzle(_with({(0, 6): 7, (4, 6): 7}))


def test_rejects_puzzle_with_repeated_digit_in_box():
    with pytest.raises(PuzzleError, match=r"duplicate 5 in box 1 \(r1c1, r2c2\)"):
        parse_puzzle(_with({(0, 0): 5, (1, 1): 5}))


def test_keeps_conflicting_givens_when_the_check_is_off():
    grid = parse_puzzle(_with({(2, 0): 5, (2, 6): 5}), check_conflicts=False)
    assert grid[18] == 5 and grid[24] == 5


def test_finds_conflicts_with_0_based_coordinates_in_every_unit_kind():
    grid = parse_puzzle(_with({(0, 0): 5, (0, 1): 5}), check_conflicts=False)
    assert find_conflicts(grid, SHAPES[9]) == [Conflict("row", 0, 5, [(0, 0), (0, 1)]),
                                               Conflict("box", 0, 5, [(0, 0), (0, 1)])]
    grid = parse_puzzle(_with({(1, 3): 2, (3, 3): 2}, size=6), check_conflicts=False)
    assert find_conflicts(grid, SHAPES[6]) == [Conflict("column", 3, 2, [(1, 3), (3, 3)])]


def test_conflict_describes_itself_with_1_based_numbers():
    assert Conflict("box", 8, 4, [(6, 6), (8, 8)]).describe() == "duplicate 4 in box 9 (r7c7, r9c9)"


def test_a_valid_puzzle_has_no_conflicts_and_its_solution_is_a_solution():
    shape = SHAPES[9]
    assert find_conflicts(parse_puzzle(LINE), shape) == []
    assert is_solution(parse_puzzle(SOLUTION), shape, parse_puzzle(LINE))
    assert not is_solution(parse_puzzle(LINE), shape)


def test_check_grid_rejects_wrong_length_and_out_of_range_values():
    with pytest.raises(PuzzleError, match="has 81 cells; got an array of shape"):
        check_grid(np.zeros(80, dtype=np.int8), SHAPES[9])
    with pytest.raises(PuzzleError, match=r"Value 5 at cell 2 \(r1c2\) is out of range"):
        check_grid(np.array([0, 5] + [0] * 14, dtype=np.int8), SHAPES[4])
