"""Settings chosen on one page are still there after a visit to another.

Streamlit forgets a widget's value at the end of every run that does not draw the widget, so a visit to another
page reset the Train page's New run form to its preset and dropped Insight's Sample to its minimum. A page names its
settings with ``keep_across_pages``; at the start of every run of another page, ``hold_settings_of_other_pages``
(called by app.py) writes each one back to itself, which makes it the script's own value rather than a widget's,
and Streamlit keeps those. The page that draws them is left alone, so its widgets behave as usual there.
"""

import streamlit as st

KEY_KEPT = "kept_settings"  # {widget key: url path of the page that draws it}
KEY_RUNNING = "kept_settings_page"  # the url path of the page this run draws


def hold_settings_of_other_pages(running: str) -> None:
    """Call before the page with url path ``running`` runs."""
    st.session_state[KEY_RUNNING] = running
    for key, page in st.session_state.get(KEY_KEPT, {}).items():
        if page != running and key in st.session_state:
            st.session_state[key] = st.session_state[key]


def keep_across_pages(*keys: str) -> None:
    """Keep the values of these widget keys of the running page while other pages run."""
    page = st.session_state.get(KEY_RUNNING, "")
    st.session_state.setdefault(KEY_KEPT, {}).update(dict.fromkeys(keys, page))
