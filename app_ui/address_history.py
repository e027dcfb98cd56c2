"""Keep the browser's history to one entry per puzzle, setting or page visit, on every page.

A Custom Component v2 (``address_history.js``, no iframe, nothing drawn) wraps the browser's ``history.pushState``
once per tab: the additions a page makes to what is on screen (the player's step, a link's missing defaults, a
menu visit's address filled in) replace the current entry, so Back and Forward land on what the user saw. It is
mounted by the router on every page, since a visit that starts on Insight needs it before Solve is ever opened.

Nothing is sent to the browser and nothing comes back.
"""

import streamlit as st

from app_ui.component_assets import component_asset


def keep_history_tidy() -> None:
    """Install the history wrapper in this tab (once; later mounts do nothing)."""
    mount = st.components.v2.component("trm_address_history", js=component_asset("address_history.js"))
    mount(key="address_history", data={}, width="content", height=0)
