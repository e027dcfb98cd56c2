"""The Home page opens on the shipped 9x9 model solving Easter Monster, playing by itself, with the way to Solve."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width, height", [(1920, 1080), (1280, 720)])
def test_home_opens_on_a_solve_that_plays_by_itself(page, streamlit_url, screenshot, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(streamlit_url)
    player = page.frame_locator("iframe[title='st.iframe']").first
    step = player.locator("#step")
    expect(step).to_have_text(re.compile(r"^\d+ / 64$"), timeout=30_000)
    first = int(step.inner_text().split(" / ")[0])
    expect(step).not_to_have_text(f"{first} / 64", timeout=10_000)  # it moves without a click
    expect(player.locator(".cell")).to_have_count(81)
    expect(page.get_by_role("link", name=re.compile("Solve your own puzzle"))).to_be_visible()
    screenshot(f"home-{width}.png")
    page.get_by_role("link", name=re.compile("Solve your own puzzle")).click()
    expect(page).to_have_url(re.compile(r"/solve\?p="), timeout=30_000)


def _overlap(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] - 1 and b["x"] < a["x"] + a["width"] - 1
            and a["y"] < b["y"] + b["height"] - 1 and b["y"] < a["y"] + a["height"] - 1)


@pytest.mark.parametrize("width, height", [(390, 844), (844, 390), (768, 1024), (1366, 768)])
def test_on_phones_tablets_and_laptops_nothing_in_the_player_overlaps_or_is_cut_off(page, streamlit_url, screenshot,
                                                                                     width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(streamlit_url)
    player = page.frame_locator("iframe[title='st.iframe']").first
    expect(player.locator("#step")).to_have_text(re.compile(r"^\d+ / 64$"), timeout=30_000)
    boxes = {name: player.locator(selector).bounding_box() for name, selector in (
        ("grid", "#grid"), ("stats", ".stats"), ("halt", "#haltChart"), ("right", "#rightChart"), ("why", "#why"),
        ("play", "#play"), ("speed", "#speed"))}
    names = list(boxes)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            assert not _overlap(boxes[first], boxes[second]), (first, second, boxes)
    frame = page.locator("iframe[title='st.iframe']").first.bounding_box()
    for name, box in boxes.items():  # none cut off by the frame, none wider than the screen
        assert box["height"] >= 20 and box["x"] + box["width"] <= width, (name, box)
        assert frame["y"] <= box["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"], (name, box)
    if width >= 1000:  # a laptop keeps the charts beside the grid
        assert boxes["halt"]["x"] >= boxes["grid"]["x"] + boxes["grid"]["width"]
    player.locator("#play").scroll_into_view_if_needed()
    screenshot(f"home-{width}x{height}.png")


def test_after_fullscreen_the_demo_frame_returns_to_its_own_height(page, streamlit_url):
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(streamlit_url)
    frame = page.locator("iframe[title='st.iframe']").first
    player = page.frame_locator("iframe[title='st.iframe']").first
    expect(player.locator("#step")).to_have_text(re.compile(r"^\d+ / 64$"), timeout=30_000)
    before = frame.bounding_box()["height"]
    player.locator("#grid").click()
    page.keyboard.press("f")
    page.wait_for_timeout(1_000)
    page.keyboard.press("f")
    page.wait_for_function(f"() => Math.abs(document.querySelector(\"iframe[title='st.iframe']\")"
                           f".getBoundingClientRect().height - {before}) < 2", timeout=10_000)
    below = player.locator("#rightChart").bounding_box()
    play = player.locator("#play").bounding_box()
    assert below["y"] + below["height"] <= play["y"]  # the controls sit under the charts again, not on them


@pytest.mark.parametrize("width, height", [(1366, 768), (1920, 1080)])
def test_the_way_to_solve_is_on_the_first_screen_and_a_projector_shows_a_large_whole_demo(page, streamlit_url, width,
                                                                                        height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(streamlit_url)
    player = page.frame_locator("iframe[title='st.iframe']").first
    expect(player.locator("#step")).to_have_text(re.compile(r"^\d+ / 64$"), timeout=30_000)
    link = page.get_by_role("link", name=re.compile("Solve your own puzzle")).bounding_box()
    assert link["y"] + link["height"] <= height, link
    if height >= 1080:  # the player grows into the room below it: a large grid, its controls still on the screen
        page.wait_for_function("""() => {
            const frame = document.querySelector("iframe[title='st.iframe']");
            const inside = (id) => frame.contentDocument.getElementById(id).getBoundingClientRect();
            const playBottom = frame.getBoundingClientRect().top + inside("play").bottom;
            return inside("grid").height >= 560 && playBottom <= innerHeight;
        }""", timeout=10_000)
