"""A researcher compares two solves of one puzzle on the Solve page: the same model with more steps, played on the
player's cursor beside the solve above."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PUZZLE_4X4 = "0000300204100000"


def test_a_longer_solve_plays_beside_the_first_on_one_cursor(page, model_streamlit_url, screenshot):
    page.set_viewport_size({"width": 1366, "height": 3800})
    page.goto(f"{model_streamlit_url}/solve?p={PUZZLE_4X4}")
    expect(page.get_by_text("Unique solution")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Solve").click()  # before a solve, the only button of that name
    step_metric = page.locator("[data-testid=stMetric]").filter(has_text="Step").first
    expect(step_metric).to_contain_text("6 / 6", timeout=60_000)
    expect(page.get_by_role("heading", name="Compare")).to_be_visible()
    page.get_by_role("button", name="Solve the comparison").click()
    expect(page.get_by_text("tiny4-untrained, 24 steps, threshold 0.50, float32 at step 6")).to_be_visible(
        timeout=60_000)
    expect(page.locator("[class*='st-key-solve_chart_cmp_6'] .js-plotly-plot")).to_have_count(1)
    expect(page.locator(".st-key-solve_cmp_grid [aria-label=r1c1]")).to_be_visible()
    page.get_by_role("heading", name="Compare").scroll_into_view_if_needed()
    screenshot("compare.png")
    page.get_by_role("button", name="Previous").click()  # the comparison follows the cursor
    expect(page.locator("[class*='st-key-solve_chart_cmp_5'] .js-plotly-plot")).to_have_count(1, timeout=20_000)
