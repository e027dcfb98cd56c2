"""The grid component's read-only answer view, the one the step player uses: model digits, confidence
shading, changed and wrong marks, and click-to-inspect. Served from a small script that sets each mark directly,
without a model."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PUZZLE = "003020600900305001001806400008102900700000008006708200002609500800203009005010300"
SOLUTION = "483921657967345821251876493548132976729564138136798245372689514814253769695417382"

ANSWER_VIEW_APP = f'''
import streamlit as st
from app_ui.grid_component import sudoku_grid

puzzle = [int(c) for c in "{PUZZLE}"]
solution = [int(c) for c in "{SOLUTION}"]
model = [0 if p else s for p, s in zip(puzzle, solution)]
model[0], model[1] = 5, 0            # r1c1 wrong, r1c2 not answered yet
confidence = [None if p else 0.25 + 0.75 * (i % 9) / 8 for i, p in enumerate(puzzle)]
changed = [i in (0, 9, 10) for i in range(81)]
wrong = [i == 0 for i in range(81)]

def remember(index):
    st.session_state.picked = index

st.set_page_config(layout="wide")
st.subheader("Step 3 of 16")
sudoku_grid(puzzle, 9, key="answer", givens=puzzle, readonly=True, on_select=remember,
            overlay={{"digits": model, "confidence": confidence, "changed": changed, "wrong": wrong}})
picked = st.session_state.get("picked")
st.text("picked: none" if picked is None else f"picked: r{{picked // 9 + 1}}c{{picked % 9 + 1}}")
'''


def test_answer_view_shows_model_digits_marks_and_reports_the_clicked_cell(page, streamlit_script_url, screenshot):
    with streamlit_script_url(ANSWER_VIEW_APP) as url:
        page.goto(url)
        grid = page.locator(".st-key-answer")
        r1c1 = grid.get_by_role("gridcell", name="r1c1", exact=True)
        expect(r1c1).to_have_text("5")
        expect(r1c1).to_have_class(re.compile(r"\bsg-model\b.*\bsg-wrong\b|\bsg-wrong\b.*\bsg-model\b"))
        expect(r1c1).to_have_class(re.compile(r"\bsg-changed\b"))
        expect(grid.get_by_role("gridcell", name="r1c2", exact=True)).to_have_text("")
        expect(grid.get_by_role("gridcell", name="r1c3", exact=True)).to_have_class(re.compile(r"\bsg-given\b"))
        r2c2 = grid.get_by_role("gridcell", name="r2c2", exact=True)
        expect(r2c2).to_have_text("6")
        expect(r2c2).to_have_attribute("title", "r2c2: 6 (confidence 34%)")
        expect(grid.locator(".sg-model")).to_have_count(48)
        expect(grid.locator(".sg-changed")).to_have_count(2)  # r2c1 is a given: overlay marks skip givens
        # The wrong 5 repeats r1c8's correct 5; the answer view leaves the right digit unmarked.
        expect(grid.get_by_role("gridcell", name="r1c8", exact=True)).not_to_have_class(re.compile(r"sg-conflict"))

        r2c2.click()
        expect(page.get_by_text("picked: r2c2")).to_be_visible()
        page.keyboard.press("1")
        expect(r2c2).to_have_text("6")
        expect(r2c2).to_have_attribute("aria-selected", "true")
        screenshot("grid-answer-view.png")
