"""Views on the Solve page as a person sees them: one small grid per view following the step cursor, the chosen
one outlined, the views' halting chart, start noise and the agreement the panel judges by."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PUZZLE_4X4 = "0000300204100000"


def test_views_lanes_follow_the_cursor_and_mark_the_chosen_view(page, model_streamlit_url, screenshot):
    page.set_viewport_size({"width": 1400, "height": 3600})
    page.goto(f"{model_streamlit_url}/solve?p={PUZZLE_4X4}")
    expect(page.get_by_text("Unique solution")).to_be_visible(timeout=30_000)
    views = page.get_by_role("spinbutton", name="Views")
    views.fill("6")
    views.press("Enter")
    page.get_by_role("combobox", name="Start noise").click()  # appears with several views
    page.get_by_role("option", name="0.3").click()
    page.get_by_role("button", name="Solve").click()
    lanes = page.locator(".vl-lane")
    expect(lanes).to_have_count(6, timeout=60_000)
    expect(page.locator(".vl-lane.chosen")).to_have_count(1)
    expect(lanes.first).to_contain_text("the puzzle")
    expect(lanes.first.locator(".vl-cell")).to_have_count(16)
    expect(page.get_by_text("6 views, one judge")).to_be_visible()
    expect(page.get_by_text("Why it stops, with views")).to_be_visible()
    expect(page.get_by_text("moved by noise of size 0.3")).to_be_visible()
    expect(page.get_by_role("spinbutton", name="Halted views that must agree")).to_have_value("2")
    expect(page.locator("[class*='st-key-solve_chart_views_halt'] .js-plotly-plot")).to_have_count(1)
    expect(page.locator("[class*='st-key-solve_chart_logit'] .js-plotly-plot")).to_have_count(1)
    titles_at_end = lanes.locator(".vl-title").all_inner_texts()
    screenshot("views-player.png")

    page.get_by_role("button", name="Previous").click()
    page.get_by_role("button", name="Previous").click()
    step_metric = page.locator("[data-testid=stMetric]").filter(has_text="Step").first
    expect(step_metric).to_contain_text("4 / 6", timeout=20_000)  # two reruns of the views panel on a busy CI
    expect(lanes).to_have_count(6)
    # The lanes now show step 4: the titles carry each view's P(halt) and logit there.
    expect(lanes.locator(".vl-title").first).not_to_have_text(titles_at_end[0], timeout=10_000)
