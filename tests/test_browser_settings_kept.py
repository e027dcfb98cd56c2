"""Settings survive a visit to another page through the sidebar, in a real browser (Streamlit forgets a widget's
value when its page is left unless the widget persists it; AppTest's page switch does not go the same way)."""


import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _go(page, name: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible(timeout=60_000)


def _set(field, value: str) -> None:
    field.fill(value)
    field.press("Tab")


def test_insight_and_train_settings_come_back_after_a_visit_elsewhere(page, model_streamlit_url):
    page.goto(f"{model_streamlit_url}/insight")
    sample = page.get_by_role("spinbutton", name="Sample")
    expect(sample).to_be_visible(timeout=60_000)
    _set(sample, "37")
    page.wait_for_timeout(1_000)  # the rerun that takes the value
    _go(page, "Train")
    steps = page.get_by_role("spinbutton", name="Steps")
    _set(steps, "1234")
    page.wait_for_timeout(500)
    _go(page, "Insight")
    expect(page.get_by_role("spinbutton", name="Sample")).to_have_value("37", timeout=30_000)  # not Sample's minimum, 1
    _go(page, "Train")
    expect(page.get_by_role("spinbutton", name="Steps")).to_have_value("1234")  # not the preset's count


def test_the_solve_pages_steps_and_threshold_come_back_after_a_visit_elsewhere(page, model_streamlit_url):
    page.goto(f"{model_streamlit_url}/solve?p=0000300204100000")
    steps = page.get_by_role("spinbutton", name="Steps")
    expect(steps).to_be_visible(timeout=60_000)
    _set(steps, "5")
    page.locator(".st-key-solve_threshold").get_by_role("slider").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator(".st-key-solve_threshold").get_by_role("slider")).to_have_value("0.55")
    page.wait_for_timeout(1_000)  # the rerun that takes the value (unsolved, the address keeps the puzzle alone)
    _go(page, "Train")
    _go(page, "Solve")
    expect(page.get_by_role("spinbutton", name="Steps")).to_have_value("5", timeout=30_000)
    expect(page.locator(".st-key-solve_threshold").get_by_role("slider")).to_have_value("0.55")
