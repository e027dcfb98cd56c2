"""The HTML player that `python -m trm.render --html` writes plays offline in a browser, by keys and buttons, and
fits a projector's and a laptop's screen."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from trm.render.__main__ import main as render_main

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("width, height, scheme", [(1920, 1080, "light"), (1280, 720, "dark")])
def test_the_offline_player_plays_and_fits_the_screen(page, tmp_path, screenshot, width, height, scheme):
    html = tmp_path / "player.html"
    assert render_main(["--checkpoint", str(REPO / "checkpoints" / "sudoku4"), "--puzzle", "0000300204100000",
                        "--steps", "8", "--html", str(html)]) == 0
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route("**/*", lambda route: route.abort() if not route.request.url.startswith("file:") else
               route.continue_())  # offline: any fetch beyond the file itself fails
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(html.as_uri())
    step = page.locator("#step")
    expect(step).to_have_text("1 / 8")
    page.keyboard.press("ArrowRight")
    expect(step).to_have_text("2 / 8")
    page.keyboard.press("Alt+ArrowLeft")  # the browser's Back, not a step back
    page.keyboard.press("Control+End")
    expect(step).to_have_text("2 / 8")
    page.keyboard.press("End")
    expect(step).to_have_text("8 / 8")
    page.keyboard.press("Home")
    page.locator("#speed").select_option("150")
    page.keyboard.press(" ")
    expect(step).to_have_text("8 / 8", timeout=10_000)  # played to the end by itself
    expect(page.locator("#play")).to_have_text("Play")
    expect(page.locator(".axis")).to_have_text("step 1step 8")  # the charts' x axis: their first and last step
    for selector in ("#grid", "#haltChart", ".axis", "#play"):
        box = page.locator(selector).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= height and box["x"] + box["width"] <= width, selector
    assert page.locator(".cell").count() == 16 and errors == []
    screenshot(f"render-player-{width}.png")


def test_the_offline_player_says_whether_the_stop_was_right(page, tmp_path):
    from dataclasses import replace

    from trm.render.html_player import write_html
    from trm.trace.json_form import read_trace_file
    trace = read_trace_file(REPO / "assets" / "traces" / "easter-monster-16.json")  # never solved in 16 steps
    first = replace(trace.steps[0], q_halt_probability=0.9)  # a Q-head that stops at step 1, wrongly
    early = replace(trace, steps=[first, *trace.steps[1:]])
    page.goto(write_html(early, tmp_path / "early.html").as_uri())
    wrong = int((early.puzzle == 0).sum() - first.correct[early.puzzle == 0].sum())
    expect(page.locator("#why")).to_have_text(re.compile(
        rf"stop at step 1: .* Its answer there is not yet right: {wrong} of \d+ blanks wrong\. No step solves the "
        rf"grid in 16\."))
    solved = read_trace_file(REPO / "assets" / "traces" / "easter-monster-64.json")  # halts at 60, right there
    page.goto(write_html(solved, tmp_path / "solved.html").as_uri())
    expect(page.locator("#why")).to_have_text(re.compile(r"stop at step 60: .* Its answer there is right\. The "
                                                         r"grid is first solved at step 60\."))


def test_a_puzzle_without_a_single_solution_is_not_called_solved_or_unsolved(page, tmp_path):
    from dataclasses import replace

    from trm.render.html_player import write_html
    from trm.trace.json_form import read_trace_file
    trace = read_trace_file(REPO / "assets" / "traces" / "easter-monster-64.json")  # halts at 60, right there
    unjudged = replace(trace, solution=None, steps=[replace(step, correct=None) for step in trace.steps])
    page.goto(write_html(unjudged, tmp_path / "unjudged.html").as_uri())
    expect(page.locator("#why")).to_have_text(re.compile(
        r"stop at step 60: .* no single solution, so no answer is judged right or wrong\. Its answer there is one "
        r"valid completion: every blank filled, no digit repeated\.$"))
    expect(page.locator("#rightLabel")).to_have_text("Repeats")
    expect(page.locator("#right")).to_have_text("54")  # step 1: the model's first answer repeats many digits
    expect(page.locator(".cell.wrong").first).to_be_visible()  # and marks them
    page.keyboard.press("End")
    expect(page.locator("#right")).to_have_text("0")
    expect(page.locator(".cell.wrong")).to_have_count(0)
    expect(page.locator("#rightNote")).to_contain_text("Repeats per step")
