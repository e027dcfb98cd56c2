"""A researcher makes one intervention on the Solve page: z wiped after a chosen step, the altered run shown beside
the untouched one on the same cursor."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PUZZLE_4X4 = "0000300204100000"


def _solved(page, url: str, height: int):
    """The Solve page with the 4x4 puzzle solved (6 steps); returns the Step metric."""
    page.set_viewport_size({"width": 1366, "height": height})
    page.goto(f"{url}/solve?p={PUZZLE_4X4}")
    expect(page.get_by_text("Unique solution")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Solve").click()
    step_metric = page.locator("[data-testid=stMetric]").filter(has_text="Step").first
    expect(step_metric).to_contain_text("6 / 6", timeout=60_000)
    return step_metric


def test_resetting_z_at_the_cursor_runs_and_shows_the_altered_run(page, model_streamlit_url, screenshot):
    step_metric = _solved(page, model_streamlit_url, 2600)
    for step in (5, 4, 3):  # one click per rerun: Streamlit merges the clicks that come while a rerun runs
        page.get_by_role("button", name="Previous").click()
        expect(step_metric).to_contain_text(f"{step} / 6", timeout=20_000)
    expect(page.get_by_role("heading", name="Intervene")).to_be_visible()
    page.get_by_role("button", name="Run from step 3 with this change").click()
    expect(page.get_by_text("z reset to its initial state after step 3")).to_be_visible(timeout=60_000)
    expect(page.locator("[class*='st-key-solve_chart_iv_3'] .js-plotly-plot")).to_have_count(1)
    page.get_by_role("heading", name="Intervene").scroll_into_view_if_needed()
    screenshot("intervene.png")
    page.get_by_role("button", name="Next").click()  # the altered run follows the cursor
    expect(page.locator("[class*='st-key-solve_chart_iv_4'] .js-plotly-plot")).to_have_count(1, timeout=10_000)


def test_clicking_a_cell_in_the_player_inspects_it_and_the_bars_follow_the_cursor(page, model_streamlit_url,
                                                                                   screenshot):
    _solved(page, model_streamlit_url, 1400)
    expect(page.get_by_text("The model's probability of each digit in r1c1 after step 6")).to_be_visible()
    page.locator(".st-key-solve_answer [aria-label=r2c2]").click()
    expect(page.get_by_text("The model's probability of each digit in r2c2 after step 6")).to_be_visible(
        timeout=20_000)
    page.get_by_role("button", name="Previous").click()
    expect(page.get_by_text("The model's probability of each digit in r2c2 after step 5")).to_be_visible(
        timeout=20_000)
    page.get_by_text("Cell inspector").scroll_into_view_if_needed()
    screenshot("cell-inspector.png")
