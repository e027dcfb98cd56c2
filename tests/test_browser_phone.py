"""The Solve and Train pages on a phone (390 x 844, the width of most phones held upright): everything fits the
width, the grid and the player are usable, and nothing needs a sideways scroll. Screenshots go to test-artifacts/.
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _fits_the_width(page, selector: str) -> None:
    """No element matched by ``selector`` reaches past the screen's right edge, and the page has no sideways
    scroll."""
    overflow = page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px"
    for box in page.locator(selector).evaluate_all("els => els.map(e => e.getBoundingClientRect().toJSON())"):
        assert box["left"] >= -1 and box["right"] <= PHONE["width"] + 1, f"{selector} at {box} leaves the screen"


def test_solving_on_a_phone_keeps_the_grids_and_the_player_on_screen(page, model_streamlit_url, screenshot):
    page.set_viewport_size(PHONE)
    page.goto(f"{model_streamlit_url}/solve")
    grid = page.locator(".st-key-solve_grid")
    expect(grid.get_by_role("gridcell", name="r1c1")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_text("Unique solution")).to_be_visible()
    page.get_by_role("button", name="Solve").click()
    answer = page.locator(".st-key-solve_answer").get_by_role("gridcell")
    expect(answer).to_have_count(81, timeout=60_000)
    expect(page.get_by_text("Why it stops")).to_be_visible()
    _fits_the_width(page, ".st-key-solve_grid [role=gridcell], .st-key-solve_answer [role=gridcell]")
    _fits_the_width(page, "[data-testid=stButton] button")
    screenshot("solve-phone.png")
    page.locator(".st-key-solve_grid").scroll_into_view_if_needed()
    screenshot("solve-phone-grid.png")
    page.locator(".st-key-solve_answer").scroll_into_view_if_needed()
    screenshot("solve-phone-answer.png")
    page.get_by_text("Why it stops").scroll_into_view_if_needed()
    screenshot("solve-phone-player.png")


def test_the_train_page_on_a_phone_fits_the_width(page, train_streamlit_url, screenshot):
    page.set_viewport_size(PHONE)
    page.goto(f"{train_streamlit_url}/train")
    expect(page.get_by_role("button", name="Start training")).to_be_visible(timeout=60_000)
    _fits_the_width(page, "[data-testid=stButton] button, input")
    screenshot("train-phone.png")


def test_a_touch_screen_types_and_undoes_digits_with_the_pad_under_the_grid(browser, streamlit_url, screenshot, page):
    from tests.conftest import ARTIFACTS

    page.goto(f"{streamlit_url}/solve")  # a mouse and keyboard: no pad
    expect(page.locator(".st-key-solve_grid").get_by_role("gridcell", name="r1c1")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("group", name="Digit pad")).to_be_hidden()
    phone = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2)
    try:
        touch = phone.new_page()
        touch.goto(f"{streamlit_url}/solve")
        grid = touch.locator(".st-key-solve_grid")
        cell = grid.get_by_role("gridcell", name="r1c1", exact=True)
        expect(cell).to_be_visible(timeout=60_000)
        cell.tap()
        expect(cell).to_have_attribute("aria-selected", "true")
        pad = touch.get_by_role("group", name="Digit pad")
        expect(pad.get_by_role("button")).to_have_count(11)  # 1-9, Clear and Undo
        undo = pad.get_by_role("button", name="Undo the last digit")
        expect(undo).to_be_disabled()
        pad.get_by_role("button", name="Digit 5").tap()
        expect(cell).to_have_text("5")
        expect(touch).to_have_url(re.compile(r"p=50{80}"))
        _fits_the_width(touch, ".sg-pad-key")
        ARTIFACTS.mkdir(exist_ok=True)
        grid.screenshot(path=ARTIFACTS / "solve-phone-digit-pad.png")
        pad.get_by_role("button", name="Clear the cell").tap()
        expect(cell).to_have_text("")
        undo.tap()  # a touch screen has no Ctrl+Z: the pad's Undo takes back the clear, then the 5
        expect(cell).to_have_text("5")
        undo.tap()
        expect(cell).to_have_text("")
        expect(undo).to_be_disabled()
    finally:
        phone.close()
