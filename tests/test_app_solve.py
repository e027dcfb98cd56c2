"""The Solve page under Streamlit's AppTest: loading puzzles from the URL, paste box, examples, Generate, Clear.

AppTest cannot operate the grid component (it renders as an unknown element), so these tests drive the page's
other widgets and read the puzzle the page keeps in ``st.session_state``; test_browser_solve.py covers the grid.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from trm.sudoku import SolveStatus, parse_puzzle, shape_for_size, solve

APP = str(Path(__file__).resolve().parent.parent / "app.py")
NORVIG_1 = "003020600900305001001806400008102900700000008006708200002609500800203009005010300"
EXAMPLES = json.loads((Path(APP).parent / "assets" / "examples.json").read_text(encoding="utf-8"))


def _solve_page(query: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if query is not None:
        at.query_params["p"] = query
    at.run()
    at.switch_page("app_pages/solve.py").run()
    assert not at.exception
    return at


def _cells(at: AppTest) -> list[int]:
    return list(at.session_state["solve_cells"])


def test_every_page_runs_without_an_exception():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "TRM Studio"
    for page, title in (("app_pages/solve.py", "Solve"), ("app_pages/train.py", "Train")):
        at.switch_page(page).run()
        assert not at.exception
        assert at.title[0].value == title


@pytest.mark.parametrize("away", ["app_pages/train.py", "app_pages/home.py"])
def test_leaving_solve_and_coming_back_keeps_the_puzzle_and_its_grid_size(away):
    at = _solve_page("0" * 15 + "1")  # a 4x4 puzzle: the size control must come back as 4, not as nothing
    at.switch_page(away).run()
    assert not at.exception
    at.switch_page("app_pages/solve.py").run()
    assert not at.exception
    assert _cells(at) == [0] * 15 + [1] and at.session_state["solve_size"] == 4


def test_empty_grid_invites_input_and_offers_a_disabled_solve_button():
    at = _solve_page()
    assert _cells(at) == [0] * 81
    assert "grid is empty" in at.info[0].value
    solve_button = at.button(key="solve_run")
    assert solve_button.label == "Solve"
    assert solve_button.disabled
    assert at.button(key="solve_generate").label == "Generate"


def test_puzzle_in_the_query_string_is_loaded_and_reported_unique():
    at = _solve_page(NORVIG_1)
    assert _cells(at) == [int(c) for c in NORVIG_1]
    assert at.session_state["solve_givens"] == [int(c) for c in NORVIG_1]
    assert "Unique solution" in at.success[0].value
    assert at.query_params["p"] == [NORVIG_1]


def test_the_9x9_models_record_on_puzzles_this_hard_is_quoted_beside_it():
    at = _solve_page(NORVIG_1)  # propagation alone solves it: band 0 of the shipped card's accuracy by difficulty
    notes = [c.value for c in at.caption if "dead ends on this puzzle" in c.value]
    assert notes and notes[0].startswith("The exact solver meets 0 dead ends on this puzzle (band 0). Of the puzzles")


def test_a_rerun_carrying_an_older_url_of_this_session_does_not_undo_newer_edits():
    at = _solve_page(NORVIG_1)
    edited = [int(c) for c in NORVIG_1]
    for cell, digit in ((0, 4), (1, 5)):  # two edits, each stored as the grid's on_change does
        edited[cell] = digit
        at.session_state["solve_cells"] = edited
        at.run()
    assert at.query_params["p"] == ["45" + NORVIG_1[2:]]
    edited[5] = 1
    at.session_state["solve_cells"] = edited
    at.query_params["p"] = "4" + NORVIG_1[1:]  # the browser asked for this rerun before it had ?p=45...
    at.run()
    assert _cells(at) == edited
    assert at.query_params["p"] == ["45" + NORVIG_1[2:5] + "1" + NORVIG_1[6:]]


def test_puzzle_with_dots_in_the_query_string_loads_as_blanks():
    at = _solve_page(NORVIG_1.replace("0", "."))
    assert _cells(at) == [int(c) for c in NORVIG_1]
    assert at.query_params["p"] == [NORVIG_1]


def test_bad_puzzle_in_the_query_string_shows_an_error_and_an_empty_grid():
    at = _solve_page("12345")
    assert not at.exception
    assert "could not be loaded" in at.error[0].value
    assert "Found 5 cells" in at.error[0].value
    assert _cells(at) == [0] * 81


def test_conflicting_link_loads_and_lists_the_conflict():
    at = _solve_page("55" + "0" * 79)
    assert _cells(at)[:2] == [5, 5]
    assert "duplicate 5 in row 1 (r1c1, r1c2)" in at.error[0].value


def test_4x4_link_switches_the_size_selector():
    at = _solve_page("0000300204100000")
    assert at.session_state["solve_size"] == 4
    assert at.segmented_control(key="solve_size").value == 4
    assert "Unique solution" in at.success[0].value


@pytest.mark.parametrize("text, message", [
    ("12x", "Bad character 'x' at position 3"),
    ("123", "Found 3 cells"),
    ("5" + "0" * 15, "Digit 5 at cell 1"),
])
def test_rejects_bad_pasted_puzzle_with_an_error_not_an_exception(text, message):
    at = _solve_page(NORVIG_1)
    at.text_input(key="solve_paste").input(text).run()
    assert not at.exception
    assert any(message in error.value for error in at.error), [e.value for e in at.error]
    assert _cells(at) == [int(c) for c in NORVIG_1]


def test_a_failed_paste_after_a_good_one_does_not_leave_the_good_ones_caption():
    at = _solve_page()
    at.text_input(key="solve_paste").input(NORVIG_1).run()
    assert any("Loaded the pasted puzzle." in caption.value for caption in at.caption)
    at.text_input(key="solve_paste").input("1234").run()
    assert any("the grid is unchanged. Found 4 cells" in error.value for error in at.error)
    assert not any("Loaded the pasted puzzle." in caption.value for caption in at.caption)
    assert _cells(at) == [int(c) for c in NORVIG_1]


def test_a_pasted_puzzle_with_conflicts_loads_with_them_marked_as_typed_digits_do():
    at = _solve_page(NORVIG_1)
    at.text_input(key="solve_paste").input("11" + "0" * 79).run()
    assert not at.exception
    assert _cells(at)[:3] == [1, 1, 0]
    assert any("duplicate 1 in row 1" in error.value for error in at.error), [e.value for e in at.error]
    assert at.text_input(key="solve_paste").value == ""


def test_pasted_multiline_puzzle_is_loaded_and_mirrored_in_the_url():
    rows = "\n".join(NORVIG_1[i:i + 9] for i in range(0, 81, 9))
    at = _solve_page()
    at.text_input(key="solve_paste").input(rows).run()
    assert not at.error
    assert _cells(at) == [int(c) for c in NORVIG_1]
    assert at.query_params["p"] == [NORVIG_1]
    assert at.text_input(key="solve_paste").value == ""


def test_multiple_solutions_and_no_solution_are_reported():
    at = _solve_page("1" + "0" * 80)
    assert "More than one solution**: 1 given is not enough" in at.warning[0].value
    # Row 1 holds 1..8 and column 9 holds a 9 lower down: no digit fits r1c9, yet nothing repeats.
    no_fit = "123456780" + "000000009" + "0" * 63
    at = _solve_page(no_fit)
    assert "No solution" in at.warning[0].value


@pytest.mark.parametrize("size", [9, 6, 4])
def test_generate_fills_a_unique_puzzle_of_the_selected_size(size):
    at = _solve_page()
    at.segmented_control(key="solve_size").set_value(size).run()
    at.button(key="solve_generate").click().run()
    assert not at.exception
    cells = np.array(_cells(at), dtype=np.int8)
    assert cells.size == size * size
    assert 0 < np.count_nonzero(cells) < size * size
    assert solve(cells, shape_for_size(size)).status is SolveStatus.UNIQUE
    assert at.session_state["solve_givens"] == cells.tolist()
    assert "Unique solution" in at.success[0].value
    assert at.query_params["p"] == ["".join(map(str, cells.tolist()))]


def test_difficulty_choices_follow_the_grid_size():
    at = _solve_page()
    assert at.selectbox(key="solve_level").options == ["Easy", "Medium", "Hard", "Extreme"]
    assert at.selectbox(key="solve_level").value == "medium"
    at.segmented_control(key="solve_size").set_value(4).run()
    assert at.selectbox(key="solve_level").options == ["Easy"]


def test_clear_empties_the_grid_and_the_url():
    at = _solve_page(NORVIG_1)
    at.button(key="solve_clear").click().run()
    assert _cells(at) == [0] * 81
    assert at.session_state["solve_givens"] == [0] * 81
    assert "p" not in at.query_params
    assert "grid is empty" in at.info[0].value


def test_changing_the_size_starts_an_empty_grid_of_that_size():
    at = _solve_page(NORVIG_1)
    at.segmented_control(key="solve_size").set_value(6).run()
    assert _cells(at) == [0] * 36


def test_every_example_loads_with_its_description():
    at = _solve_page()
    for example in EXAMPLES:
        at.selectbox(key="solve_example").set_value(example["name"]).run()
        assert not at.exception and not at.error
        grid = parse_puzzle(example["puzzle"])
        assert _cells(at) == grid.tolist()
        assert any(example["description"] in caption.value for caption in at.caption)
        assert "Unique solution" in at.success[0].value


def test_examples_file_holds_puzzles_with_exactly_one_solution():
    assert len(EXAMPLES) >= 5
    for example in EXAMPLES:
        assert example["name"] and example["description"]
        grid = parse_puzzle(example["puzzle"])
        size = round(grid.size ** 0.5)
        assert solve(grid, shape_for_size(size)).status is SolveStatus.UNIQUE, example["name"]
