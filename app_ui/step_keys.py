"""Arrow-key stepping for the step player, with a visible key hint, and clicks on its step buttons.

Streamlit's buttons (and their ``shortcut``) send a boolean click, and clicks that arrive while a rerun is
running merge into one, so pressing Right, or clicking Next, three times quickly moved one step. This Custom
Component v2 (``step_keys.js``, no iframe) listens on the page instead: each press, and each click on the
buttons named in ``buttons``, moves a local step at once and sends the absolute target, so the last one always
wins. Keys a focused field, slider, menu or the Sudoku grid uses itself are left alone. The buttons keep their
own callbacks for where no browser runs them (AppTest).

Data sent to the browser: ``{"step": current step, "n": number of steps, "buttons": {button key: step delta}}``
(1-based). The browser sends back state ``target``: ``{"step": int, "seq": int}``; ``seq`` makes repeated
targets distinct.
"""

from collections.abc import Callable
import streamlit as st

from app_ui.component_assets import component_asset


def step_keys(step: int, n: int, *, key: str, on_step: Callable[[int], None],
              buttons: dict[str, int] | None = None) -> None:
    """Show the key hint and call ``on_step(target)`` (clamped to 1..n) when the user presses a step key or
    clicks one of ``buttons`` (a button's widget key -> the steps it moves, e.g. ``{"solve_next": 1}``)."""

    def changed() -> None:
        target = st.session_state[key].get("target")
        if isinstance(target, dict) and isinstance(target.get("step"), int):
            on_step(min(max(target["step"], 1), n))

    mount = st.components.v2.component("trm_step_keys", css=component_asset("step_keys.css"),
                                         js=component_asset("step_keys.js"))
    mount(key=key, data={"step": step, "n": n, "buttons": buttons or {}}, on_target_change=changed, width="content")
