"""Presentation mode: the solve alone on one screen, no scrolling at a projector's 1920x1080 or a laptop's
1280x720, in light and dark, played by keys; leaving it finds the page as it was."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
LINK = "/solve?p=0000300204100000&model=tiny4-untrained&steps=6&step=4&present=1"


@pytest.mark.parametrize("width, height, scheme", [(1920, 1080, "light"), (1280, 720, "dark")])
def test_presentation_fills_one_screen_and_plays_by_keys(page, model_streamlit_url, screenshot, width, height,
                                                         scheme):
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(model_streamlit_url + LINK)
    player = page.frame_locator(".st-key-solve_presenting iframe")
    step = player.locator("#step")
    expect(step).to_have_text("4 / 6", timeout=60_000)  # solved by itself, on the linked step
    expect(page.get_by_role("heading", name="Solve")).to_be_hidden()
    frame = page.locator(".st-key-solve_presenting iframe").bounding_box()
    assert frame["x"] >= 0 and frame["x"] + frame["width"] <= width  # nothing cut off at the right edge
    for selector in ("#grid", "#haltChart", "#rightChart", "#play", "#speed"):
        box = player.locator(selector).bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= height and box["x"] + box["width"] <= width, \
            selector
    page.mouse.wheel(0, 600)  # a wheel or trackpad must not move the slide
    page.wait_for_timeout(300)
    for selector in ("#grid", "#play"):
        box = player.locator(selector).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, f"{selector} scrolled away"
    assert page.get_by_role("button", name="Leave presentation").bounding_box()["y"] >= 0
    player.locator("#grid").click()
    page.keyboard.press("ArrowRight")
    expect(step).to_have_text("5 / 6")
    page.keyboard.press("End")
    expect(step).to_have_text("6 / 6")
    screenshot(f"present-{width}-{scheme}.png")
    page.keyboard.press("t")  # the player's own theme switch: the page around it follows, no frame of the other
    background = player.locator("body").evaluate("body => getComputedStyle(body).backgroundColor")
    expect(page.get_by_test_id("stApp")).to_have_css("background-color", background, timeout=5_000)
    ink = player.locator("body").evaluate("body => getComputedStyle(body).color")
    expect(page.locator(".st-key-solve_presenting [data-testid=stCaptionContainer]")).to_have_css("color", ink)
    expect(page.get_by_test_id("stHeader")).to_have_css("background-color", background)  # the top bar too
    expect(page.get_by_role("button", name="Leave presentation")).to_have_css("color", ink)
    screenshot(f"present-{width}-{scheme}-switched.png")
    expect(page).to_have_url(re.compile(r"step=6"))  # the address follows the presented step
    page.get_by_role("button", name="Leave presentation").click()
    expect(page.get_by_role("heading", name="Solve")).to_be_visible(timeout=30_000)
    expect(page).not_to_have_url(re.compile(r"present=1"))
    expect(page).to_have_url(re.compile(r"step=6"))  # the ordinary page opens on the step the audience last saw
    expect(page.get_by_test_id("stMetricValue").filter(has_text=re.compile(r"^\d+ / 6$")).first).to_have_text(
        "6 / 6", timeout=10_000)


def test_a_reload_mid_talk_comes_back_to_the_presented_step(page, model_streamlit_url):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(model_streamlit_url + LINK)
    player = page.frame_locator(".st-key-solve_presenting iframe")
    expect(player.locator("#step")).to_have_text("4 / 6", timeout=60_000)
    player.locator("#grid").click()
    page.keyboard.press("Home")
    expect(player.locator("#step")).to_have_text("1 / 6")
    expect(page).to_have_url(re.compile(r"step=1(&|$)"))
    page.reload()
    expect(page.frame_locator(".st-key-solve_presenting iframe").locator("#step")).to_have_text("1 / 6",
                                                                                                timeout=60_000)


def test_presentation_entered_from_a_scrolled_page_starts_at_the_top(page, model_streamlit_url):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(model_streamlit_url + LINK.replace("&present=1", ""))
    expect(page.locator(".st-key-solve_answer")).to_be_visible(timeout=60_000)  # solved by itself
    toggle = page.get_by_text("Presentation mode")
    toggle.scroll_into_view_if_needed()  # below the fold at this size: the page scrolls first
    toggle.click()
    leave = page.get_by_role("button", name="Leave presentation")
    expect(leave).to_be_visible(timeout=30_000)
    # pinned to the window once the mode's style applies (a moment after the button shows, on a loaded machine)
    page.wait_for_function("document.querySelector('.st-key-solve_present_leave').getBoundingClientRect().top >= 0",
                           timeout=10_000)
    player = page.frame_locator(".st-key-solve_presenting iframe")
    expect(player.locator("#step")).to_have_text("4 / 6", timeout=30_000)
    for selector in ("#grid", "#play"):
        box = player.locator(selector).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 720, selector


def test_on_a_phone_the_presented_player_fits_the_width_and_its_buttons_are_reached(page, model_streamlit_url,
                                                                                   screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(model_streamlit_url + LINK)
    player = page.frame_locator(".st-key-solve_presenting iframe")
    expect(player.locator("#step")).to_have_text("4 / 6", timeout=60_000)
    frame = page.locator(".st-key-solve_presenting iframe").bounding_box()
    assert frame["x"] >= 0 and frame["x"] + frame["width"] <= 390
    grid = player.locator("#grid").bounding_box()
    assert grid["x"] >= frame["x"] and grid["x"] + grid["width"] <= frame["x"] + frame["width"]
    assert frame["y"] >= 0 and frame["y"] + frame["height"] <= 844  # its foot on the screen too
    for control in ("#play", "#speed", "#theme"):  # below the grid and the charts: the player scrolls inside
        player.locator(control).scroll_into_view_if_needed()
        box = player.locator(control).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 844, control
    play = player.locator("#play")
    play.scroll_into_view_if_needed()
    play.click()
    screenshot("present-phone.png")
    expect(player.locator("#play")).to_have_text(re.compile("Pause"), timeout=5_000)


# Frame by frame: whether the page said it is preparing the slide, and for how long the ordinary Solve page was
# on the screen after that.
WATCH_THE_PAGE = """
window.holdSeen = false;
window.normalPageMs = 0;
window.sidebarMs = 0;
let last = performance.now();
const watch = (now) => {
  const hold = document.querySelector('.st-key-solve_present_hold');
  if (hold && hold.innerText.includes('TRM Studio')) window.holdSeen = true;
  const page = document.querySelector('.st-key-solve_normal');
  // from the first paint: the styles that hide the page draw late in a fresh browser (one-pixel box meanwhile)
  if (page && page.getBoundingClientRect().height > 2 && getComputedStyle(page).display !== 'none') {
    window.normalPageMs += now - last;
  }
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  const box = sidebar && sidebar.getBoundingClientRect();
  if (box && box.width > 0 && box.right > 0 && getComputedStyle(sidebar).display !== 'none') {
    window.sidebarMs += now - last;
  }
  last = now;
  requestAnimationFrame(watch);
};
requestAnimationFrame(watch);
"""


def test_a_presentation_link_holds_the_stage_until_its_slide_shows(page, model_streamlit_url):
    page.add_init_script(WATCH_THE_PAGE)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(model_streamlit_url + LINK.replace("p=0000300204100000", "p=0200300004100000"))
    expect(page.frame_locator(".st-key-solve_presenting iframe").locator("#step")).to_have_text("4 / 6",
                                                                                                timeout=60_000)
    assert page.evaluate("window.holdSeen")  # "TRM Studio" from the run's first moment, not the ordinary page
    assert page.evaluate("window.normalPageMs") == 0
    assert page.evaluate("window.sidebarMs") == 0  # not even before the slide's styles arrive
    expect(page.locator(".st-key-solve_present_hold")).to_be_hidden()  # the slide took its place
    page.get_by_role("button", name="Leave presentation").click()
    expect(page.get_by_role("heading", name="Solve")).to_be_visible()
    page.wait_for_timeout(500)
    assert page.evaluate("window.normalPageMs") > 0  # the watch itself works


def test_a_presentation_link_with_nothing_to_present_shows_the_page(page, model_streamlit_url):
    page.goto(model_streamlit_url + "/solve?present=1")  # no puzzle: nothing to solve, nothing to present
    expect(page.get_by_role("heading", name="Solve")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Enter or generate a puzzle first.")).to_be_visible()


def test_presentation_switched_on_with_nothing_solved_keeps_it_in_the_address_and_the_page_whole(
        page, model_streamlit_url):
    page.goto(model_streamlit_url + "/solve?p=0000300204100000")  # not solved: nothing to present
    expect(page.locator(".st-key-solve_grid").get_by_role("gridcell", name="r1c1")).to_be_visible(timeout=60_000)
    page.get_by_text("Presentation mode").click()
    expect(page).to_have_url(re.compile(r"present=1"), timeout=10_000)  # a link copied now opens presenting
    expect(page.get_by_role("heading", name="Solve")).to_be_visible()
    assert page.locator(".st-key-solve_normal").bounding_box()["height"] > 300  # drawn whole, not in the box
