"""What a person sees on the Solve page: the grid's mouse and keyboard input, conflict marks, Generate, links.

Runs `streamlit run app.py` and headless Debian Chromium (fixtures in conftest.py); screenshots go to
test-artifacts/.
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NORVIG_1 = "003020600900305001001806400008102900700000008006708200002609500800203009005010300"
CONFLICT = re.compile(r"\bsg-conflict\b")
GIVEN = re.compile(r"\bsg-given\b")


def _open_solve(page, url: str, query: str = ""):
    page.goto(f"{url}/solve{query}")
    grid = page.locator(".st-key-solve_grid")
    # the first load of a session imports the engine and loads the 9x9 model: slow on a busy 2-core machine
    expect(grid.get_by_role("gridcell", name="r1c1")).to_be_visible(timeout=30_000)
    return grid


def _cell(grid, row: int, col: int):
    return grid.get_by_role("gridcell", name=f"r{row}c{col}", exact=True)


def _select(grid, row: int, col: int):
    """Click a cell and wait until the grid has selected it (keys typed before that would go nowhere)."""
    cell = _cell(grid, row, col)
    cell.click()
    expect(cell).to_have_attribute("aria-selected", "true")
    return cell


def test_typed_digit_appears_and_a_repeat_in_the_row_is_marked_as_conflict(page, streamlit_url, screenshot):
    grid = _open_solve(page, streamlit_url)
    expect(grid.get_by_role("gridcell")).to_have_count(81)
    _select(grid, 1, 1)
    page.keyboard.press("5")
    expect(_cell(grid, 1, 1)).to_have_text("5")
    expect(page).to_have_url(re.compile(r"[?&]p=50{80}(&|$)"))

    _select(grid, 1, 7)
    page.keyboard.press("5")
    expect(_cell(grid, 1, 7)).to_have_class(CONFLICT)
    expect(_cell(grid, 1, 1)).to_have_class(CONFLICT)
    expect(_cell(grid, 2, 1)).not_to_have_class(CONFLICT)
    expect(page.get_by_text("duplicate 5 in row 1 (r1c1, r1c7)")).to_be_visible()
    screenshot("solve-conflict.png")

    page.keyboard.press("Backspace")
    expect(_cell(grid, 1, 7)).to_have_text("")
    expect(_cell(grid, 1, 1)).not_to_have_class(CONFLICT)


def test_arrow_keys_move_the_selection_and_givens_stay_locked(page, streamlit_url, screenshot):
    grid = _open_solve(page, streamlit_url, f"?p={NORVIG_1}")
    expect(page.get_by_text("Unique solution")).to_be_visible()
    _select(grid, 1, 3)
    page.keyboard.press("9")
    expect(_cell(grid, 1, 3)).to_have_text("3")
    expect(_cell(grid, 1, 3)).to_have_class(GIVEN)

    page.keyboard.press("ArrowRight")
    expect(_cell(grid, 1, 4)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("4")
    expect(_cell(grid, 1, 4)).to_have_text("4")
    expect(_cell(grid, 1, 3)).to_have_text("3")  # keys land in order: the 9 typed on the given was refused
    expect(_cell(grid, 1, 4)).to_have_class(re.compile(r"\bsg-user\b"))
    page.keyboard.press("ArrowDown")
    expect(_cell(grid, 2, 4)).to_have_attribute("aria-selected", "true")
    expect(page).to_have_url(re.compile(r"p=003420600"))
    screenshot("solve-typing.png")


def test_fast_typing_across_a_row_keeps_every_digit(page, streamlit_url):
    grid = _open_solve(page, streamlit_url)
    _select(grid, 9, 1)
    for digit in "123456789":  # no waits: edits race the reruns they trigger
        page.keyboard.press(digit)
        page.keyboard.press("ArrowRight")
    for col in range(1, 10):
        expect(_cell(grid, 9, col)).to_have_text(str(col))
    expect(page).to_have_url(re.compile(r"p=0{72}123456789(&|$)"))
    expect(page.get_by_text("More than one solution")).to_be_visible()


def test_a_6x6_grid_accepts_digits_up_to_6_only(page, streamlit_url):
    grid = _open_solve(page, streamlit_url)
    page.locator(".st-key-solve_size").get_by_text("6×6", exact=True).click()
    expect(grid.get_by_role("gridcell")).to_have_count(36)
    _select(grid, 2, 3)
    page.keyboard.press("7")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("6")
    expect(_cell(grid, 2, 4)).to_have_text("6")
    expect(_cell(grid, 2, 3)).to_have_text("")  # keys land in order: the 7 was refused, not overwritten
    expect(page).to_have_url(re.compile(r"p=0{9}60{26}(&|$)"))


def test_generate_fills_the_grid_with_locked_givens(page, streamlit_url, screenshot):
    grid = _open_solve(page, streamlit_url)
    expect(grid.locator(".sg-given")).to_have_count(0)
    page.get_by_role("button", name="Generate").click()
    expect(grid.locator(".sg-given").first).to_be_visible()
    expect(page.get_by_text("Unique solution")).to_be_visible()
    givens = grid.locator(".sg-given").count()
    assert 17 <= givens < 81
    _select(grid, 5, 5)
    screenshot("solve-generated.png")


def test_a_link_with_a_4x4_puzzle_opens_a_4x4_grid(page, streamlit_url, screenshot):
    grid = _open_solve(page, streamlit_url, "?p=0000300204100000")
    expect(grid.get_by_role("gridcell")).to_have_count(16)
    expect(_cell(grid, 2, 1)).to_have_text("3")
    expect(page.get_by_text("Unique solution")).to_be_visible()
    screenshot("solve-4x4.png")


def test_a_deep_link_on_a_fresh_server_opens_the_page_inside_the_router(page, fresh_streamlit_url, screenshot):
    grid = _open_solve(page, fresh_streamlit_url, f"?p={NORVIG_1}")
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_role("link")).to_have_text([re.compile("Home$"), re.compile("Solve$"), re.compile("Insight$"),
                                                  re.compile("Train$")])
    expect(page.get_by_text("watch a Tiny Recursive Model")).to_be_visible()
    expect(_cell(grid, 1, 3)).to_have_text("3")


def test_undo_and_redo_step_through_typed_digits_and_update_the_link(page, streamlit_url):
    grid = _open_solve(page, streamlit_url)
    _select(grid, 1, 1)
    for digit in "12":
        page.keyboard.press(digit)
        page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(r"p=120{79}(&|$)"))
    page.keyboard.press("Control+z")
    expect(_cell(grid, 1, 2)).to_have_text("")
    expect(_cell(grid, 1, 2)).to_have_attribute("aria-selected", "true")  # undo shows where it acted
    page.keyboard.press("Control+z")
    expect(_cell(grid, 1, 1)).to_have_text("")
    expect(page).to_have_url(re.compile(r"/solve$|p=0{81}$"))
    page.keyboard.press("Control+Shift+z")
    expect(_cell(grid, 1, 1)).to_have_text("1")
    page.keyboard.press("Control+y")
    expect(_cell(grid, 1, 2)).to_have_text("2")
    expect(page).to_have_url(re.compile(r"p=120{79}(&|$)"))
    page.keyboard.press("Control+y")  # nothing left to redo
    page.keyboard.press("3")  # a new edit after undo: typed at the selected r1c2
    expect(_cell(grid, 1, 2)).to_have_text("3")



def test_steps_follow_the_model_of_the_chosen_grid_size(page, streamlit_url, screenshot):
    _open_solve(page, streamlit_url, f"?p={NORVIG_1}")
    steps = page.locator(".st-key-solve_steps input")
    expect(steps).to_have_value("16")
    page.locator(".st-key-solve_size").get_by_text("4×4").click()
    expect(steps).to_have_value("4")  # the 4x4 model's own count, not the 9x9 one the browser last showed
    page.locator(".st-key-solve_size").get_by_text("9×9").click()
    expect(steps).to_have_value("16")
    screenshot("solve-steps-follow-the-model.png")


def test_back_shows_the_puzzle_its_address_names(page, streamlit_url):
    grid = _open_solve(page, streamlit_url, f"?p={NORVIG_1}")
    page.get_by_role("button", name="Generate").click()
    expect(page).not_to_have_url(re.compile(f"p={NORVIG_1}"))
    page.go_back()
    expect(page).to_have_url(re.compile(f"p={NORVIG_1}"))
    grid = page.locator(".st-key-solve_grid")
    expect(_cell(grid, 1, 3)).to_have_text("3", timeout=30_000)  # the grid follows the address back
    for (row, col), digit in {(1, 5): "2", (1, 7): "6", (2, 1): "9", (2, 4): "3"}.items():
        expect(_cell(grid, row, col)).to_have_text(digit)


def test_each_change_of_puzzle_is_one_step_back_in_the_browsers_history(page, streamlit_url):
    """The page can change several parameters at once (puzzle, step, settings): sent one by one, each was a history
    entry of its own, and Back had to be pressed once per parameter to reach the puzzle before."""
    _open_solve(page, streamlit_url)
    before = page.evaluate("history.length")
    page.get_by_role("button", name="Generate").click()
    expect(page).to_have_url(re.compile(r"p=\d{81}$"))  # not solved: the puzzle alone
    first = re.search(r"p=(\d{81})", page.url).group(1)
    page.get_by_role("button", name="Generate").click()
    expect(page).not_to_have_url(re.compile(f"p={first}"))
    expect(page.get_by_text("Unique solution")).to_be_visible()
    page.wait_for_timeout(1500)  # any later address change would be another entry
    assert page.evaluate("history.length") == before + 2
    page.go_back()
    expect(page).to_have_url(re.compile(f"p={first}"))


def test_back_after_a_visit_to_another_page_goes_to_that_page_and_keeps_the_puzzle(page, streamlit_url):
    """Back used to land on the bare /solve that the menu opens before the page writes its puzzle in; the page
    reloads on Back, and a bare /solve opened an empty grid in a new session: the puzzle was gone."""
    grid = _open_solve(page, streamlit_url, "?p=0000300204100000&steps=2")  # a link with a setting solves
    expect(page).to_have_url(re.compile(r"model=sudoku4"), timeout=30_000)
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_role("link", name="Insight").click()
    expect(page).to_have_url(re.compile("/insight$"))
    nav.get_by_role("link", name="Solve").click()
    expect(page).to_have_url(re.compile(r"/solve\?p=0000300204100000.*&model=sudoku4"))
    expect(_cell(grid, 2, 1)).to_have_text("3")
    # Back once the run has ended: one pressed mid-run can reach Streamlit with the running page's address, which
    # the page Back opens then writes as a new entry (Forward is lost) - a race of its own, not what this checks
    expect(page.get_by_test_id("stStatusWidgetRunningIcon")).to_have_count(0, timeout=30_000)
    page.go_back()
    expect(page).to_have_url(re.compile("/insight$"))
    page.go_forward()
    expect(_cell(page.locator(".st-key-solve_grid"), 2, 1)).to_have_text("3", timeout=30_000)



def test_another_page_sent_the_solve_pages_address_keeps_its_own_and_forward_still_works(page, streamlit_url):
    """Streamlit can answer Back from Solve with Solve's query string for the page Back opens; that page would write
    it into its address as a new entry (Forward lost). Here Streamlit's push of such an address is played directly,
    since the race itself is rare."""
    _open_solve(page, streamlit_url, "?p=0000300204100000&steps=2")
    expect(page).to_have_url(re.compile(r"model=sudoku4"), timeout=30_000)
    solve_search = page.evaluate("location.search")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Insight").click()
    expect(page).to_have_url(re.compile("/insight$"))
    entries = page.evaluate("history.length")
    page.evaluate(f"history.pushState({{}}, '', '/insight{solve_search}&insight_sample=200')")
    assert page.evaluate("location.pathname + location.search") == "/insight?insight_sample=200"
    assert page.evaluate("history.length") == entries  # the entry replaced, not a new one
    page.evaluate("history.pushState({}, '', '/insight?insight_sample=300')")  # an address of its own: a new entry
    assert page.evaluate("history.length") == entries + 1

def test_back_leaves_a_shared_link_that_left_settings_out(page, streamlit_url):
    """The page writes the settings such a link left out into the address once it is open; as a new entry, Back
    returned to the short link, which wrote them in again, so Back never got past it."""
    page.goto(f"{streamlit_url}/")
    expect(page.get_by_role("link", name=re.compile("Solve your own puzzle"))).to_be_visible(timeout=30_000)
    _open_solve(page, streamlit_url, f"?p={NORVIG_1}&model=sudoku9-mlp&steps=4")
    expect(page).to_have_url(re.compile(r"threshold=.*&views=1"), timeout=60_000)  # the page's defaults written in
    page.go_back()
    expect(page).not_to_have_url(re.compile("/solve"))
