"""Take the README's pictures: the Solve page (the shipped 9x9 model solving a hard puzzle, at a chosen step) or the
Insight page (the same model on held-out top1465 puzzles with two views).

    python scripts/readme_screenshot.py [--puzzle 81CHARS] [--step 3] [--out assets/solve-player.png]
    python scripts/readme_screenshot.py --page insight [--sample 50] [--out assets/insight.png]

Needs Debian chromium (/usr/bin/chromium) and playwright, like the browser tests (it reuses their server helper).
"""

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402

HARD_PUZZLE = "000005209907000000030040000700000000000003100089700023040200800800010690000000050"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--puzzle", default=HARD_PUZZLE)
    parser.add_argument("--step", type=int, default=3)
    parser.add_argument("--page", choices=["solve", "insight"], default="solve")
    parser.add_argument("--sample", type=int, default=50, help="Insight: puzzles to run")
    parser.add_argument("--file", default="heldout_top1465.csv",
                        help="Insight: the held-out file (top1465 mixes techniques; on forum-hardest every cell "
                             "needs a guess)")
    parser.add_argument("--out")
    args = parser.parse_args()
    expect.set_options(timeout=600_000)  # a 9x9 solve on a busy 2-core CPU takes a while; expect's default is 5 s
    with (tempfile.TemporaryDirectory(prefix="trm-screenshot-") as cache,  # a fresh Insight cache: it really runs
          streamlit_server(env={"TRM_COMPILE": "0", "TRM_STUDIO_CACHE": cache}) as url,
          sync_playwright() as playwright):
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        if args.page == "insight":
            _insight(browser, url, args.file, args.sample, args.out or str(REPO / "assets" / "insight.png"))
        else:
            _solve(browser, url, args.puzzle, args.step, args.out or str(REPO / "assets" / "solve-player.png"))
        browser.close()
    print(args.out or f"assets/{'insight' if args.page == 'insight' else 'solve-player'}.png")


def _insight(browser, url: str, file: str, sample: int, out: str) -> None:
    # Tall enough for every chart: Streamlit scrolls an inner element, so a full-page picture is the viewport.
    page = browser.new_page(viewport={"width": 1600, "height": 3600}, color_scheme="light")
    page.set_default_timeout(600_000)
    page.goto(f"{url}/insight")
    page.get_by_role("combobox", name="Held-out file").click()
    page.get_by_role("option", name=file).click()
    page.get_by_role("spinbutton", name="Sample").fill(str(sample))
    page.get_by_role("spinbutton", name="Sample").press("Enter")
    page.get_by_role("combobox", name="Views").click()
    page.get_by_role("option", name="2", exact=True).click()
    expect(page.get_by_role("combobox", name="Views")).to_have_value("2")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("[data-testid=stMetric]").filter(has_text="Puzzles").first).to_contain_text(
        f"{sample} of {sample}")
    expect(page.locator("[class*='st-key-insight_chart_views'] .js-plotly-plot")).to_have_count(1)
    page.mouse.move(5, 5)
    page.wait_for_timeout(1500)
    top = page.locator("[data-testid=stMetric]").first.bounding_box()["y"] - 16
    # down to whichever of the last two charts ends lower (the technique chart's legend sits under its plot)
    boxes = [page.locator(selector).first.bounding_box()
             for selector in ("[class*='st-key-insight_chart_views']", ".st-key-insight_techniques")]
    bottom = max(box["y"] + box["height"] for box in boxes)
    page.screenshot(path=out, clip={"x": 300, "y": top, "width": 1300, "height": bottom + 60 - top})


def _solve(browser, url: str, puzzle: str, step_to: int, out: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 2400}, color_scheme="light")
    page.set_default_timeout(180_000)
    page.goto(f"{url}/solve?p={puzzle}")
    expect(page.get_by_text("Unique solution")).to_be_visible()
    page.get_by_role("button", name="Solve").click()
    expect(page.get_by_text("Why it stops")).to_be_visible()
    slider = page.locator(".st-key-solve_step_slider").get_by_role("slider")
    slider.focus()
    page.keyboard.press("Home")
    step_metric = page.locator("[data-testid=stMetric]").filter(has_text="Step").first
    for step in range(2, step_to + 1):  # one click per rerun: clicks during a rerun would merge
        page.get_by_role("button", name="Next").click()
        expect(step_metric).to_contain_text(f"{step} /")
    page.evaluate("document.activeElement && document.activeElement.blur()")  # a focused button shows its tooltip
    page.mouse.move(5, 5)  # no tooltip in the picture
    page.wait_for_timeout(1500)  # let plotly finish redrawing before the picture (a script, not a test)
    page.screenshot(path=out, full_page=False)


if __name__ == "__main__":
    main()
