"""A saved trace uploaded on the Solve page replays without a model; a file that is not a trace says why; the
player offers the solve as JSON, HTML, GIF and CSV, and each chart as PNG."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from trm.render.__main__ import main as render_main

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[1]


def test_an_uploaded_trace_replays_and_a_bad_one_is_explained(page, model_streamlit_url, tmp_path, screenshot):
    saved = tmp_path / "saved.json"
    assert render_main(["--checkpoint", str(REPO / "checkpoints" / "sudoku4"), "--puzzle", "0000300204100000",
                        "--steps", "5", "--trace-out", str(saved)]) == 0
    (tmp_path / "bad.json").write_text("{\"format\": \"trm-studio/trace\", \"grid_size\": 4}")
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.goto(f"{model_streamlit_url}/solve")
    upload = page.locator("[class*='st-key-solve_trace_upload'] input[type=file]")
    upload.set_input_files(str(tmp_path / "bad.json"))
    expect(page.get_by_text("Could not replay it: bad.json is a damaged trace")).to_be_visible(timeout=30_000)
    upload.set_input_files(str(saved))
    expect(page.get_by_text("Replayed from a saved trace (sudoku4, 5 supervision steps)")).to_be_visible(
        timeout=30_000)
    expect(page.get_by_text("Unique solution")).to_be_visible()  # its puzzle fills the grid
    expect(page.get_by_text("Replaying a saved trace (sudoku4, 5 supervision steps)")).to_be_visible()  # the banner
    expect(page.get_by_role("button", name="Offline page (HTML)")).to_be_visible()
    expect(page.get_by_role("button", name="Animation (GIF)")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Offline page (HTML)").click()
    html = Path(download.value.path()).read_text()
    assert "__TRACE_JSON__" not in html and "sudoku4, 5 supervision steps" in html
    with page.expect_download() as download:
        page.get_by_role("button", name="Steps (CSV)").click()
    rows = Path(download.value.path()).read_text().splitlines()
    assert rows[0].startswith("step,q_halt_probability") and len(rows) == 6
    page.locator("[class*='st-key-solve_chart_halt'] .js-plotly-plot").hover()
    camera = page.locator("[class*='st-key-solve_chart_halt'] [data-title='Download plot as a PNG']")
    with page.expect_download() as download:
        camera.click()
    assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    screenshot("solve-replay.png")


def test_a_full_link_opens_on_its_solve_and_step(page, model_streamlit_url):
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.goto(f"{model_streamlit_url}/solve?p=0000300204100000&model=tiny4-untrained&steps=5&threshold=0.3&views=2"
              f"&step=3")
    expect(page.get_by_text("2 views, one judge")).to_be_visible(timeout=60_000)  # solved without a click
    expect(page.get_by_text("3 / 5", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]step=3\b"))
    expect(page).to_have_url(re.compile(r"[?&]threshold=0\.30\b"))


def test_a_link_with_a_comparison_opens_on_both_solves(page, model_streamlit_url, screenshot):
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.goto(f"{model_streamlit_url}/solve?p=0000300204100000&model=tiny4-untrained&steps=4&cmp_steps=8"
              f"&cmp_threshold=0.7")
    compared = page.get_by_text(re.compile(r"Compared \(tiny4-untrained, 8 steps, threshold 0\.70"))
    expect(compared).to_be_visible(timeout=60_000)  # both solved without a click
    expect(page).to_have_url(re.compile(r"[?&]cmp_steps=8\b"))
    compared.scroll_into_view_if_needed()
    expect(page.get_by_role("button", name="Solve the comparison")).to_be_visible()
    screenshot("link_with_comparison.png")
