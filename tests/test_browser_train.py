"""What a person sees on the Train page: the form with its recipe options at the preset's values, a tiny 4x4 run
started from it, its loss curve growing live (the page polls the run's files by itself), then Stop. Screenshots go
to test-artifacts/."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

POINTS = "(key) => document.querySelector(`.st-key-${key} .js-plotly-plot`)?.data?.at(-1)?.x?.length ?? 0"
TALL = {"width": 1280, "height": 2900}  # Streamlit scrolls inside the app, so a full-page shot needs a tall window


def _fill(page, key: str, value: str) -> None:
    field = page.locator(f".st-key-{key} input")
    field.fill(value)
    field.press("Enter")


def _button(page, key: str):
    # By widget key, since while a script reruns Streamlit's header shows a "Stop" button too; the visible one, since
    # a button with help text also renders a hidden copy to measure its width.
    return page.locator(f".st-key-{key} button").filter(visible=True)


def test_live_loss_curve_grows_while_a_tiny_run_trains(train_streamlit_url, sudoku4_data, page, screenshot):
    page.set_viewport_size(TALL)
    page.goto(f"{train_streamlit_url}/train")
    expect(page.get_by_text("No runs yet")).to_be_visible(timeout=30_000)  # a session's first load, on 2 busy cores
    _fill(page, "train_data", str(sudoku4_data))
    expect(page.get_by_text(f"Found {sudoku4_data}")).to_be_visible()
    _fill(page, "train_steps", "5000")  # far more than the test waits for: it must still run at Stop
    page.get_by_text("Recipe: depth, optimiser, loss, schedule, curriculum").click()
    expect(page.get_by_role("combobox", name="Optimiser")).to_have_value("AdamATan2 (paper)")
    expect(page.locator(".st-key-train_muon_lr input")).to_be_disabled()  # only Muon reads it
    expect(page.get_by_role("combobox", name="Depth curriculum")).to_be_in_viewport()
    page.wait_for_timeout(500)  # the expander's opening animation
    screenshot("train-recipe.png")
    page.get_by_text("Logging and checkpoints").click()
    _fill(page, "train_log_every", "10")
    _fill(page, "train_name", "live-demo")
    _button(page, "train_start").click()
    expect(page.get_by_text("Started run live-demo")).to_be_visible()

    # The loss chart (the first in the live view) gains points without any click: the fragment polls.
    page.wait_for_function(f"({POINTS})('train_chart_0') >= 3", timeout=120_000)
    seen = page.evaluate(POINTS, "train_chart_0")
    page.wait_for_function(f"({POINTS})('train_chart_0') > {seen}", timeout=60_000)  # redrawn by itself
    expect(page.locator(".stMarkdownBadge", has_text="running")).to_be_visible()
    expect(_button(page, "train_stop")).to_be_enabled()
    expect(page.get_by_text(re.compile(r"steps/s this session · ETA \d"))).to_be_visible()
    expect(page.locator("[data-testid=stException]")).to_have_count(0)
    page.mouse.move(0, 0)  # no hover tooltip in the screenshot
    screenshot("train-live.png")

    _button(page, "train_stop").click()
    expect(page.locator(".stMarkdownBadge", has_text="stopped")).to_be_visible(timeout=60_000)  # status chip
    expect(_button(page, "train_resume")).to_be_enabled()
    screenshot("train-stopped.png")


def test_a_run_started_elsewhere_appears_on_an_idle_page(train_streamlit_url, tmp_path, page):
    page.goto(f"{train_streamlit_url}/train")
    expect(page.get_by_text("No runs yet")).to_be_visible()
    folder = tmp_path / "runs" / "from-terminal"  # as `python -m trm.train --out ...` in a shell would leave it
    folder.mkdir(parents=True)
    (folder / "run.json").write_text('{"preset": "sudoku4-tiny", "train": {"total_steps": 10}}')
    (folder / "status.json").write_text('{"state": "finished", "step": 10}')
    (folder / "metrics.jsonl").write_text('{"kind": "train", "step": 10, "lm_loss": 1.5}\n')
    # No click: with no run alive the runs list still looks every IDLE_POLL_SECONDS, and a new run redraws the page.
    expect(page.get_by_role("combobox", name="Run", exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("No runs yet")).to_have_count(0)
    expect(page.locator("[data-testid=stException]")).to_have_count(0)
