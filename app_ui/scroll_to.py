"""Bring what the user just asked for into the window: pressing Solve on a large screen leaves the solve's
progress and player below the fold, where nothing seems to happen.

A Custom Component v2 (``scroll_to.js``, no iframe) scrolls the element with a given id (a heading's anchor) to
the top of the window, following the page as it grows until the element is there or the user scrolls. It scrolls
once per ``request``: a rerun that mounts it again with the same request leaves the page where the user put it.

Data sent to the browser: ``{"target": element id, "request": str}``. Nothing is sent back.
"""

import streamlit as st

from app_ui.component_assets import component_asset


def scroll_to(anchor: str, *, key: str, request: str) -> None:
    """Scroll the page so that the element with id ``anchor`` (a heading's ``anchor=``) sits at the top of the
    window, once for each new ``request``."""
    mount = st.components.v2.component("trm_scroll_to", js=component_asset("scroll_to.js"))
    mount(key=key, data={"target": anchor, "request": request}, width="content", height=0)
