"""A person opens a reference checkpoint on the Solve page: uploads its step file and all_config.yaml, converts,
and the model solves a puzzle."""

import pytest
from playwright.sync_api import expect

from tests.conftest import _skip_without_chromium, streamlit_server
from tests.reference_steps import write_reference_run

pytestmark = pytest.mark.browser

PUZZLE_9X9 = "1.......2.9.4...5...6...7...5.9.3.......7.......85..4.7.....6...3...9.8...2.....1".replace(".", "0")


@pytest.fixture
def empty_models_url(tmp_path):
    _skip_without_chromium()
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "runs").mkdir()
    env = {"TRM_STUDIO_CHECKPOINTS": str(tmp_path / "checkpoints"), "TRM_STUDIO_RUNS": str(tmp_path / "runs"),
           "TRM_COMPILE": "0"}
    with streamlit_server(env=env) as url:
        yield url


def _uploader(page, label: str):
    return page.locator("[data-testid=stFileUploader]").filter(has_text=label).locator("input[type=file]")


def test_an_uploaded_reference_checkpoint_is_converted_and_solves(page, empty_models_url, tmp_path, screenshot):
    source = write_reference_run(tmp_path / "their-run", "mlp")
    page.set_viewport_size({"width": 1400, "height": 2200})
    page.goto(f"{empty_models_url}/solve?p={PUZZLE_9X9}")
    expect(page.get_by_text("No 9×9 model found")).to_be_visible(timeout=30_000)
    page.get_by_text("Open a checkpoint…").click()
    _uploader(page, "upload the weights file").set_input_files(str(source))
    chips = page.locator("[data-testid=stFileChipName]")
    expect(chips).to_have_count(1, timeout=30_000)  # the upload has arrived
    _uploader(page, "and its all_config.yaml").set_input_files(str(source.parent / "all_config.yaml"))
    expect(chips).to_have_count(2, timeout=30_000)
    expect(page.get_by_text("Ready to convert step_1000 with all_config.yaml.")).to_be_visible(timeout=30_000)
    # the upload's rerun may still be drawing the page; a click then can be lost with the elements it replaces
    expect(page.get_by_test_id("stStatusWidgetRunningIcon")).to_have_count(0, timeout=30_000)
    page.get_by_role("button", name="Convert and open").click()
    expect(page.get_by_text("Converted into")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("converted from step_1000 (reference format")).to_be_visible()
    page.get_by_role("button", name="Solve").click()
    expect(page.locator("[data-testid=stMetric]").filter(has_text="Step").first).to_contain_text("16 / 16",
                                                                                               timeout=120_000)
    screenshot("open-checkpoint.png")
