"""Presentation mode of the Solve page (a toggle, ``present=1`` in the address): the solve on one screen for an
audience - the grid scaled to the window, P(halt) and cells right beside it, large type, keys only (Space, arrows,
Home/End, F for fullscreen, T for the theme), a speed menu - in the offline player of trm.render. The page's own
widgets keep running, hidden, so leaving the mode finds everything as it was.
"""

import streamlit as st

from app_ui import address
from app_ui.present_leave import present_leave
from app_ui.trace_store import KEY_PLAYING, KEY_STEP, StoredTrace, with_threshold
from trm.render import describe_maker, render_html

KEY_PRESENT = "solve_present"
URL_PRESENT = "present"
NORMAL_CONTAINER = "solve_normal"  # the page as usual; hidden while presenting
PRESENT_CONTAINER = "solve_presenting"
SOLVING_CONTAINER = "solve_presenting_solving"  # a presented solve's progress, before its player
LEAVE_BUTTON = "solve_present_leave"
HOLD_CONTAINER = "solve_present_hold"  # the page hidden from a run's start, until the slide or the solving shows
KEY_NOTHING_PRESENTED = "solve_present_nothing"  # the last run presented nothing: the page is drawn whole

_HIDE_PAGE = f"""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
.st-key-{NORMAL_CONTAINER} {{ display: none !important; }}
[data-testid="stMainBlockContainer"] {{ padding: 0.4rem 1rem 0 1rem !important; max-width: none !important; }}
[data-testid="stMain"], [data-testid="stAppViewContainer"] {{ overflow: hidden !important; }}
.st-key-{PRESENT_CONTAINER} iframe {{ height: calc(100vh - 96px) !important; width: 100% !important; }}
/* a phone: no keyboard, so no key hint (its two wrapped lines would push the frame's foot off the screen), and
   the height the browser's own bars leave */
@media (max-width: 640px) {{
  .st-key-{PRESENT_CONTAINER} [data-testid="stCaptionContainer"] {{ display: none !important; }}
  .st-key-{PRESENT_CONTAINER} iframe {{ height: calc(100dvh - 72px) !important; }}
}}
/* pinned to the window: entered from a scrolled page, it must not keep that scroll (the page cannot scroll now) */
.st-key-{PRESENT_CONTAINER} {{ position: fixed !important; top: 0.4rem; left: 1rem; right: 1rem;
                             width: auto !important; }}  /* Streamlit's own width would run past the right edge */
</style>"""


# While the holding line is on the page, the page around it is hidden; the line itself stays above a solve's
# progress and gives way to the slide as soon as it is there (the slide hides the page itself).
_HOLD = f""".stApp:has(.st-key-{HOLD_CONTAINER})"""
_HOLD_STYLE = f"""<style>
{_HOLD} [data-testid="stSidebar"], {_HOLD} [data-testid="stSidebarCollapsedControl"],
{_HOLD} [data-testid="stHeader"], {_HOLD} .st-key-{NORMAL_CONTAINER} {{ display: none !important; }}
.stApp:has(.st-key-{PRESENT_CONTAINER}) .st-key-{HOLD_CONTAINER} {{ display: none !important; }}
</style>"""


def hold_the_stage(slot) -> None:
    """While presenting, hide the ordinary page from the start of each run: before a link's slide shows, the run
    draws the whole page and loads the model, seconds the audience would otherwise watch. ``slot`` sits above
    the presentation's own; render_presentation empties it when there is nothing to present, and the page shows
    again."""
    if not st.session_state.get(KEY_PRESENT):
        return
    with slot.container(key=HOLD_CONTAINER):
        # plain text first: markdown with HTML draws a moment later in a fresh browser (a grey bar meanwhile)
        st.markdown("#### TRM Studio")
        st.caption("Preparing the solve…")
        # in a markdown, not alone in st.html: a style alone goes to a page-wide place that emptying this slot
        # would not clear, and the page would stay hidden with nothing to present
        with _out_of_sight():
            st.markdown(_HOLD_STYLE, unsafe_allow_html=True)


def _out_of_sight():
    """A one-pixel box for elements that draw nothing visible: styles, whose grey placeholder would otherwise show
    for a second in a browser that has not loaded Streamlit's HTML element yet."""
    return st.container(height=1, border=False)


def normal_page_box() -> dict:
    """st.container arguments for the ordinary page: while presenting, a box one pixel tall. The styles that hide
    the page draw a moment after plain elements in a browser that has not loaded Streamlit's HTML element yet (up
    to ~2 s after the page's first paint); the box hides it from the first paint, and its widgets keep running.
    Once a run found nothing to present, the page is drawn whole (render_presentation)."""
    if st.session_state.get(KEY_PRESENT) and not st.session_state.get(KEY_NOTHING_PRESENTED):
        return {"height": 1, "border": False}
    return {}


def read_present_link() -> None:
    """``present=1`` in a link opens in presentation mode (read once per session)."""
    if KEY_PRESENT not in st.session_state:
        st.session_state[KEY_PRESENT] = st.query_params.get(URL_PRESENT) == "1"


def write_present_link() -> None:
    address.put(URL_PRESENT, "1" if st.session_state.get(KEY_PRESENT) else None)


def _leave() -> None:
    st.session_state[KEY_PRESENT] = False


def _leave_at(step: int | None) -> None:
    """Leave on the step the presented player last showed (the ordinary page then opens on it, paused)."""
    _leave()
    if step is not None:
        st.session_state[KEY_STEP], st.session_state[KEY_PLAYING] = step, False


def _toast(notes: list[str]) -> None:
    """What a link changed, as toasts: the page's own warnings are hidden and the player needs the room."""
    for text in notes:
        st.toast(text, icon=":material/warning:", duration="long")


def solving_container(slot, notes: list[str]):
    """While presenting, a container in ``slot`` for the progress of a solve about to run (the page stays hidden,
    so the audience never sees the ordinary page while it computes); None when not presenting."""
    if not st.session_state.get(KEY_PRESENT):
        return None
    _toast(notes)
    box = slot.container(key=SOLVING_CONTAINER)
    with box, _out_of_sight():  # under the holding line (hold_the_stage), which names the app
        st.html(_HIDE_PAGE)
    return box


def render_presentation(slot, stored: StoredTrace | None, threshold: float, step: int,
                        notes: list[str] = (), hold=None) -> bool:
    """Fill ``slot`` (a container at the top of the page) with the presented solve, when presenting one; ``notes``
    (what a link changed) pop up as toasts. With nothing to present, ``hold`` (hold_the_stage's slot) is emptied,
    so the ordinary page shows again. Returns True when this run drew the page in normal_page_box's one-pixel box
    and has nothing to present: the caller runs the page again, whole."""
    presenting = st.session_state.get(KEY_PRESENT)
    if not presenting or stored is None:
        if hold is not None:
            hold.empty()
        boxed = bool(normal_page_box())
        st.session_state[KEY_NOTHING_PRESENTED] = bool(presenting)
        return boxed
    st.session_state[KEY_NOTHING_PRESENTED] = False
    _toast(notes)
    trace = with_threshold(stored.trace, threshold)
    with slot.container(key=PRESENT_CONTAINER):
        st.html(_HIDE_PAGE)
        with st.container(horizontal=True, vertical_alignment="center"):
            st.button("Leave presentation", key=LEAVE_BUTTON, on_click=_leave, icon=":material/close:")
            st.caption("Click the player once so that its keys work")
            present_leave(len(trace.steps), key="solve_present_memory", leave_button=LEAVE_BUTTON,
                          presenting=PRESENT_CONTAINER, on_leave=_leave_at)
        # a phone's one-column player is taller than the screen: it scrolls inside the frame
        st.iframe(render_html(trace, "TRM Studio", note=describe_maker(trace), start=min(max(step, 1),
                                                                                       len(trace.steps))), height=720)
