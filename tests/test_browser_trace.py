"""What a person sees when the model solves: streaming steps, the step player, the grid and charts following it.

The server finds tiny untrained checkpoints made by the `model_streamlit_url` fixture (conftest.py);
screenshots go to test-artifacts/.
"""

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

STEP_METRIC = "[data-testid=stMetric]"


def _plot(page, key: str):
    return page.locator(f"[class*='st-key-{key}'] .js-plotly-plot")  # step charts add _at_STEP to their key


def _plot_value(page, key: str, expression: str):
    """Evaluate ``expression`` on the plotly graph div of the chart with ``key`` (``gd`` is the div)."""
    _plot(page, key).wait_for()
    return _plot(page, key).evaluate(f"gd => {expression}")


def _answer_cells(page) -> list[tuple[str, str]]:
    cells = page.locator(".st-key-solve_answer").get_by_role("gridcell")
    return cells.evaluate_all("els => els.map(e => [e.textContent, e.getAttribute('style') || ''])")


def _solve(page, cells: int) -> None:
    """Press Solve and wait for the player (generous: the server may still be importing on a busy machine)."""
    page.get_by_role("button", name="Solve").click()
    expect(page.locator(".st-key-solve_answer").get_by_role("gridcell")).to_have_count(cells, timeout=60_000)


def _step_shown(page, text: str, timeout: float = 5_000):
    expect(page.locator(STEP_METRIC).filter(has_text="Step").first).to_contain_text(text, timeout=timeout)


def _go_to_first_step(page, steps: int) -> None:
    """Home until the player shows step 1: on a busy machine a key pressed while the page still re-renders after
    a solve can land before the player's last rerun, which puts the cursor back on the last step."""
    for _ in range(10):
        page.keyboard.press("Home")
        try:
            _step_shown(page, f"1 / {steps}", timeout=1_500)
            return
        except AssertionError:
            continue
    _step_shown(page, f"1 / {steps}")


def test_solving_streams_then_the_player_scrubs_grid_and_charts_together(page, model_streamlit_url, screenshot):
    page.set_viewport_size({"width": 1400, "height": 3300})  # Streamlit scrolls inside: show the whole player
    page.goto(f"{model_streamlit_url}/solve")
    grid = page.locator(".st-key-solve_grid")
    # The server's first page imports torch and the model code: generous on a busy 2-core machine.
    expect(grid.get_by_role("gridcell", name="r1c1")).to_be_visible(timeout=60_000)
    grid.get_by_role("gridcell", name="r1c1", exact=True).click()
    expect(grid.get_by_role("gridcell", name="r1c1", exact=True)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("5")
    expect(grid.get_by_role("gridcell", name="r1c1", exact=True)).to_have_text("5")

    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_text("Unique solution")).to_be_visible()
    expect(page.get_by_role("combobox", name="Model")).to_have_value("tiny9-untrained")
    _solve(page, 81)
    _step_shown(page, "8 / 8")
    expect(page.get_by_text("Why it stops")).to_be_visible()
    expect(page.locator("[data-testid=stPlotlyChart]")).to_have_count(10)  # two in the closed cell inspector
    expect(page).to_have_url(re.compile(r"[?&]step=8\b"))
    last_cells = _answer_cells(page)
    assert _plot_value(page, "solve_chart_movement", "gd._fullLayout.shapes[0].x0") == 7
    screenshot("trace-player-last-step.png")

    slider = page.locator(".st-key-solve_step_slider").get_by_role("slider")
    slider.focus()
    page.keyboard.press("Home")  # scrub to the first step
    _step_shown(page, "1 / 8")
    expect(page).to_have_url(re.compile(r"[?&]step=1\b"))
    expect(page.locator(".st-key-solve_answer").get_by_role("gridcell")).to_have_count(81)
    page.wait_for_function(
        "() => document.querySelector(\"[class*='st-key-solve_chart_movement'] .js-plotly-plot\")"
        "._fullLayout.shapes[0].x0 === 0")
    assert _answer_cells(page) != last_cells  # digits or confidence shading follow the step
    outlines = _plot_value(page, "solve_chart_halt", "gd._fullData[0].marker.line.color")
    assert outlines.index("#202124") == 0  # the P(halt) chart outlines step 1 now
    screenshot("trace-player-first-step.png")

    page.get_by_role("button", name="Next").click()
    _step_shown(page, "2 / 8")
    screenshot("trace-player-step2.png")

    bars = [b.bounding_box() for b in _plot(page, "solve_chart_halt").locator(".bars .point").all()]
    target = max(range(2, 8), key=lambda i: bars[i]["height"])  # the tallest bar after step 2: easy to hit
    bar = bars[target]
    page.mouse.click(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2)  # as a person: plotly finds the bar
    _step_shown(page, f"{target + 1} / 8")
    expect(page).to_have_url(re.compile(rf"[?&]step={target + 1}\b"))

    # y and z norms per call instead of their movement
    page.locator(".st-key-solve_yz_view").get_by_text("Size", exact=True).click()
    _plot(page, "solve_chart_norms").wait_for()
    names = _plot_value(page, "solve_chart_norms", "gd._fullData.map(t => t.name)")
    assert names == ["‖z‖", "‖y‖"]
    screenshot("trace-player-norms.png")


def test_play_advances_the_step_by_itself_and_stops_at_the_end(page, model_streamlit_url):
    page.goto(f"{model_streamlit_url}/solve?p=0000300204100000")
    expect(page.get_by_role("combobox", name="Model")).to_have_value("tiny4-untrained", timeout=60_000)  # first load
    _solve(page, 16)
    _step_shown(page, "6 / 6")
    page.get_by_role("button", name="Play").click()
    # Play restarts from step 1 and moves on by itself; on a starved machine a poll can miss any single step.
    step_metric = page.locator(STEP_METRIC).filter(has_text="Step").first
    expect(step_metric).not_to_contain_text("6 / 6", timeout=20_000)
    _step_shown(page, "6 / 6", timeout=30_000)  # five ticks of 0.8 s, each a rerun: slow on a busy 2-core machine
    expect(page.get_by_role("button", name="Play")).to_be_visible(timeout=20_000)


def test_left_and_right_arrow_keys_step_through_the_trace(page, model_streamlit_url, screenshot):
    page.goto(f"{model_streamlit_url}/solve?p=0000300204100000")
    expect(page.get_by_role("combobox", name="Model")).to_have_value("tiny4-untrained", timeout=60_000)  # first load
    _solve(page, 16)
    _step_shown(page, "6 / 6")
    expect(page.locator(".sk-hint")).to_contain_text("first / last")
    page.locator("h1").click()  # focus outside the grid, which uses the arrow keys itself
    for _ in range(3):  # faster than the reruns: every press must still count
        page.keyboard.press("ArrowLeft")
    _step_shown(page, "3 / 6")
    page.keyboard.press("ArrowRight")
    _step_shown(page, "4 / 6")
    page.keyboard.press("Home")
    _step_shown(page, "1 / 6")
    page.keyboard.press("End")
    _step_shown(page, "6 / 6")
    page.keyboard.press("ArrowLeft")
    _step_shown(page, "5 / 6")

    grid = page.locator(".st-key-solve_grid")  # inside the input grid the arrows move the selection only
    grid.get_by_role("gridcell", name="r1c1", exact=True).click()
    expect(grid.get_by_role("gridcell", name="r1c1", exact=True)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowRight")
    expect(grid.get_by_role("gridcell", name="r1c2", exact=True)).to_have_attribute("aria-selected", "true")
    page.wait_for_timeout(1000)  # a leaked step key would rerun within this time
    _step_shown(page, "5 / 6")
    page.locator("h1").click()
    page.keyboard.press("ArrowLeft")
    _step_shown(page, "4 / 6")

    page.locator(".st-key-solve_step_slider").get_by_role("slider").focus()  # its own arrows: one step, not two
    page.keyboard.press("ArrowLeft")
    _step_shown(page, "3 / 6")
    page.wait_for_timeout(1000)
    _step_shown(page, "3 / 6")
    screenshot("trace-player-keys.png")


def test_quick_clicks_on_previous_and_next_each_move_one_step(page, model_streamlit_url):
    page.goto(f"{model_streamlit_url}/solve?p=0000300204100000")
    expect(page.get_by_role("combobox", name="Model")).to_have_value("tiny4-untrained", timeout=60_000)  # first load
    _solve(page, 16)
    _step_shown(page, "6 / 6")
    def click_quickly(name: str, times: int) -> None:  # all within one rerun: Streamlit alone merges them into one
        key = {"Previous": "solve_prev", "Next": "solve_next"}[name]
        page.locator(f".st-key-{key} button").first.evaluate(f"button => {{ for (let i = 0; i < {times}; i++) "
                                                              "button.dispatchEvent(new MouseEvent('click', "
                                                              "{bubbles: true, cancelable: true})); }")

    click_quickly("Previous", 4)
    _step_shown(page, "2 / 6")
    click_quickly("Next", 5)  # past the last step: clamped
    _step_shown(page, "6 / 6")
    expect(page).to_have_url(re.compile(r"[?&]step=6\b"))
    page.wait_for_timeout(1000)  # no late rerun moves it on
    _step_shown(page, "6 / 6")

    page.get_by_role("button", name="Play").click()  # from the last step Play restarts at step 1
    _step_shown(page, "1 / 6")
    click_quickly("Previous", 1)  # already at step 1: no step to go back to, but Play pauses
    expect(page.get_by_role("button", name="Play")).to_be_visible(timeout=10_000)
    page.wait_for_timeout(2000)  # more than two ticks
    step_metric = page.locator(STEP_METRIC).filter(has_text="Step").first
    expect(step_metric).to_contain_text(re.compile(r"(?<!\d)[12] / 6"))



def _choose_speed(page, name: str) -> None:
    """Pick the Play speed; a rerun that redraws the player while its menu is open closes the menu: open it again."""
    box = page.get_by_role("combobox", name="Speed")
    for _ in range(3):
        expect(page.get_by_test_id("stStatusWidgetRunningIcon")).to_have_count(0, timeout=30_000)
        box.click()
        try:
            page.get_by_role("option", name=name).click(timeout=5_000)
            break
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
    expect(box).to_have_value(name)

def test_next_clicked_during_play_pauses_one_step_past_the_step_shown(page, model_streamlit_url):
    page.goto(f"{model_streamlit_url}/solve?p=0000300204100000")
    expect(page.get_by_role("combobox", name="Model")).to_have_value("tiny4-untrained", timeout=60_000)  # first load
    _solve(page, 16)
    _go_to_first_step(page, 6)
    _choose_speed(page, "slow")  # 1.5 s a step: room for the clicks on a busy machine
    page.get_by_role("button", name="Play").click()
    _step_shown(page, "3 / 6", timeout=20_000)
    step_metric = page.locator(STEP_METRIC).filter(has_text="Step").first
    before = int(re.search(r"(\d+) / 6", step_metric.inner_text()).group(1))  # on a busy machine a tick may pass
    assert before < 6, "Play reached the last step before Next could be clicked"
    page.get_by_role("button", name="Next").click()  # the browser sends the slider's old step along: not a drag
    expect(page.get_by_role("button", name="Play")).to_be_visible(timeout=10_000)
    allowed = "".join(str(step) for step in range(before + 1, min(before + 2, 6) + 1))
    expect(step_metric).to_contain_text(re.compile(rf"(?<!\d)[{allowed}] / 6"))  # a tick may land before the click
    shown = step_metric.inner_text()
    page.wait_for_timeout(2000)
    assert step_metric.inner_text() == shown


def test_space_on_a_focused_button_presses_only_that_button(page, model_streamlit_url):
    page.goto(f"{model_streamlit_url}/solve?p=0000300204100000")
    expect(page.get_by_role("combobox", name="Model")).to_have_value("tiny4-untrained", timeout=60_000)  # first load
    _solve(page, 16)
    _step_shown(page, "6 / 6")
    step_metric = page.locator(STEP_METRIC).filter(has_text="Step").first
    page.get_by_role("button", name="Previous").focus()
    page.keyboard.press(" ")  # steps back; Play's Space shortcut must not start playing as well
    _step_shown(page, "5 / 6")
    page.wait_for_timeout(2000)  # more than two ticks of Play
    expect(step_metric).to_contain_text("5 / 6")
    expect(page.get_by_role("button", name="Play")).to_be_visible()

    page.get_by_role("button", name="Play").focus()
    page.keyboard.press(" ")  # pressed once, not pressed and toggled back by the shortcut
    expect(page.get_by_role("button", name="Pause")).to_be_visible(timeout=10_000)
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible(timeout=10_000)

    page.locator("h1").click()  # nothing focused: Space is Play's shortcut
    page.keyboard.press(" ")
    expect(page.get_by_role("button", name="Pause")).to_be_visible(timeout=10_000)


def test_a_puzzle_whose_givens_clash_shows_the_clash_in_the_answer(page, model_streamlit_url):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(model_streamlit_url + "/solve?p=1100000000000000&model=tiny4-untrained&steps=3")  # two 1s in row 1
    answer = page.locator(".st-key-solve_answer")
    expect(answer.get_by_role("gridcell")).to_have_count(16, timeout=60_000)  # solved by itself
    for cell in ("r1c1", "r1c2"):  # no solution to call anything wrong: the repeat is the cue
        expect(answer.locator(f"[aria-label={cell}]")).to_have_class(re.compile("sg-conflict"))
    expect(page.get_by_text("a digit repeated in its row, column or box")).to_be_visible()


def test_moving_the_step_leaves_no_history_entries_and_back_and_forward_go_between_puzzles(page,
                                                                                          model_streamlit_url):
    """Play and scrubbing write the step into the address; as entries of their own, Back walked through every step
    before the puzzle before, and a reloaded link's step dropped the Forward entries."""
    page.goto(f"{model_streamlit_url}/solve")
    expect(page.locator(".st-key-solve_grid").get_by_role("gridcell", name="r1c1")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Generate").click()
    _solve(page, 81)
    expect(page).to_have_url(re.compile(r"[?&]step=8\b"))
    first = re.search(r"p=(\d{81})", page.url).group(1)
    page.get_by_role("button", name="Generate").click()
    expect(page).not_to_have_url(re.compile(f"p={first}"))
    _solve(page, 81)
    second = re.search(r"p=(\d{81})", page.url).group(1)
    entries = page.evaluate("history.length")
    page.locator(".st-key-solve_step_slider").get_by_role("slider").focus()
    _go_to_first_step(page, 8)
    page.get_by_role("button", name="Next").click()
    expect(page).to_have_url(re.compile(r"[?&]step=2\b"))
    assert page.evaluate("history.length") == entries
    page.go_back()
    expect(page).to_have_url(re.compile(f"p={first}"))
    expect(page.locator(".st-key-solve_answer").get_by_role("gridcell")).to_have_count(81, timeout=60_000)
    page.wait_for_timeout(1500)  # the reloaded link solves by itself and writes its step
    page.go_forward()
    expect(page).to_have_url(re.compile(f"p={second}"))


HEADING_AT_TOP = """() => {
  const heading = document.getElementById("watch-the-model-think");
  return Math.abs(heading.getBoundingClientRect().top - parseFloat(getComputedStyle(heading).scrollMarginTop)) < 2;
}"""


def test_solve_pressed_at_the_bottom_of_a_projector_window_scrolls_the_solve_up(page, model_streamlit_url):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{model_streamlit_url}/solve")
    expect(page.locator(".st-key-solve_grid").get_by_role("gridcell", name="r1c1")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_text("Unique solution")).to_be_visible()
    assert not page.evaluate(HEADING_AT_TOP)  # the button is in view, the player would be below the fold
    _solve(page, 81)
    page.wait_for_function(HEADING_AT_TOP, timeout=10_000)

    page.mouse.wheel(0, -300)  # the user takes over: the page no longer pulls the heading back up
    page.wait_for_timeout(1_000)
    assert not page.evaluate(HEADING_AT_TOP)


def test_the_threshold_moved_by_arrow_keys_leaves_no_history_entries(page, model_streamlit_url):
    """Each arrow press is a rerun that writes the threshold into the address: as entries of their own, Back would walk
    through thresholds nobody chose."""
    page.goto(f"{model_streamlit_url}/solve")
    expect(page.locator(".st-key-solve_grid").get_by_role("gridcell", name="r1c1")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Generate").click()
    _solve(page, 81)
    expect(page).to_have_url(re.compile(r"[?&]threshold=0\.50\b"))
    entries = page.evaluate("history.length")
    page.locator(".st-key-solve_threshold").get_by_role("slider").focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(r"[?&]threshold=0\.75\b"), timeout=15_000)
    page.wait_for_timeout(1_000)
    assert page.evaluate("history.length") == entries
