"""Bring what the user just asked for into the window: pressing Solve on a large screen leaves the solve's
progress and player below the fold, where nothing seems to happen.

A Custom Component v2 (``scroll_to.js``, no iframe) scrolls the element with a given id (a heading's anchor) to
the top of the window, once per ``request``. The page cannot scroll past its end, so while a solve is still being
drawn the heading may stop short: a second request of the same ``group``, once the solve is drawn, finishes the
scroll, unless the user has scrolled the page in between (then it is theirs). Requests are named
``"<group>:<name>"``.

Data sent to the browser: ``{"target": element id, "group": str, "request": str}``. Nothing is sent back.
"""

import streamlit as st

from app_ui.component_assets import component_asset


def scroll_to(anchor: str, *, key: str, group: str, name: str) -> None:
    """Scroll the page so that the element with id ``anchor`` (a heading's ``anchor=``) sits at the top of the
    window, once for request ``name`` of ``group``."""
    mount = st.components.v2.component("trm_scroll_to", js=component_asset("scroll_to.js"))
    mount(key=key, data={"target": anchor, "group": group, "request": f"{group}:{name}"}, width="content",
          height=0)
