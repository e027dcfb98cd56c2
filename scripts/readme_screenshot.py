"""Take the README's picture of the Solve page: the shipped 9x9 model solving a hard puzzle, at a chosen step.

    python scripts/readme_screenshot.py [--puzzle 81CHARS] [--step 3] [--out assets/solve-player.png]

Needs Debian chromium (/usr/bin/chromium) and playwright, like the browser tests (it reuses their server helper).
"""

import argparse
import sys
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
    parser.add_argument("--out", default=str(REPO / "assets" / "solve-player.png"))
    args = parser.parse_args()
    expect.set_options(timeout=180_000)  # a 9x9 solve on a busy 2-core CPU takes a while; expect's default is 5 s
    with streamlit_server(env={"TRM_COMPILE": "0"}) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2400}, color_scheme="light")
        page.set_default_timeout(180_000)
        page.goto(f"{url}/solve?p={args.puzzle}")
        expect(page.get_by_text("Unique solution")).to_be_visible()
        page.get_by_role("button", name="Solve").click()
        expect(page.get_by_text("Why it stops")).to_be_visible()
        slider = page.locator(".st-key-solve_step").get_by_role("slider")
        slider.focus()
        page.keyboard.press("Home")
        step_metric = page.locator("[data-testid=stMetric]").filter(has_text="Step").first
        for step in range(2, args.step + 1):  # one click per rerun: clicks during a rerun would merge
            page.get_by_role("button", name="Next").click()
            expect(step_metric).to_contain_text(f"{step} /")
        page.evaluate("document.activeElement && document.activeElement.blur()")  # a focused button shows its tooltip
        page.mouse.move(5, 5)  # no tooltip in the picture
        page.wait_for_timeout(1500)  # let plotly finish redrawing before the picture (a script, not a test)
        page.screenshot(path=args.out, full_page=False)
        browser.close()
    print(args.out)


if __name__ == "__main__":
    main()
