"""Presentation mode keeps the audience's step: leaving it, or reloading the page mid-talk, comes back to the step
the presented player last showed, not the one it opened on.

The player runs in its own frame and steps by itself, so Streamlit never hears of its steps. This Custom Component
v2 (``present_leave.js``, no iframe) reads the frame's step, mirrors it into the address's ``step``, and answers a
click on Leave presentation itself, sending the step with it. The Leave button keeps its own callback for where no
browser runs (AppTest).

Data sent to the browser: ``{"leave": the Leave button's widget key, "presenting": the presenting container's}``.
The browser sends back state ``leave``: ``{"step": int | None, "seq": int}``; ``seq`` makes repeated leaves distinct.
"""

from collections.abc import Callable

import streamlit as st

from app_ui.component_assets import component_asset


def present_leave(n: int, *, key: str, leave_button: str, presenting: str,
                  on_leave: Callable[[int | None], None]) -> None:
    """Call ``on_leave(step)`` (clamped to 1..n, None when the player's step could not be read) when the user clicks
    the button with widget key ``leave_button`` in a browser; the player is the frame in the container with key
    ``presenting``."""

    def changed() -> None:
        leave = st.session_state[key].get("leave")
        if isinstance(leave, dict):
            step = leave.get("step")
            on_leave(min(max(step, 1), n) if isinstance(step, int) else None)

    mount = st.components.v2.component("trm_present_leave", js=component_asset("present_leave.js"))
    mount(key=key, data={"leave": leave_button, "presenting": presenting}, on_leave_change=changed,
          width="content")
