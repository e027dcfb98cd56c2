"""Arrow-key stepping for the step player, with a visible key hint.

Streamlit's button ``shortcut`` sends a boolean click, and presses that arrive while a rerun is running
merge into one click, so pressing Right three times quickly moved one step. This Custom Component v2
(``step_keys.js``, no iframe) listens on the page instead: each press moves a local step at once and sends
the absolute target, so the last press always wins. Keys a focused field, slider, menu or the Sudoku grid
uses itself are left alone.

Data sent to the browser: ``{"step": current step, "n": number of steps}`` (1-based). The browser sends
back state ``target``: ``{"step": int, "seq": int}``; ``seq`` makes repeated targets distinct.
"""

from collections.abc import Callable
import streamlit as st

from app_ui.component_assets import component_asset


def step_keys(step: int, n: int, *, key: str, on_step: Callable[[int], None]) -> None:
    """Show the key hint and call ``on_step(target)`` (clamped to 1..n) when the user presses a step key."""

    def changed() -> None:
        target = st.session_state[key].get("target")
        if isinstance(target, dict) and isinstance(target.get("step"), int):
            on_step(min(max(target["step"], 1), n))

    mount = st.components.v2.component("trm_step_keys", css=component_asset("step_keys.css"),
                                         js=component_asset("step_keys.js"))
    mount(key=key, data={"step": step, "n": n}, on_target_change=changed, width="content")
