"""TRM Studio: the Streamlit entry point. It sets the page config, routes between the pages in ``app_pages/``
with ``st.navigation`` and draws the sidebar every page shares.

The folder is not called ``pages/``: while a ``pages/`` folder exists, Streamlit 1.64 serves a deep link
(``/solve?p=...``) on a fresh server with its legacy page discovery, running the page without this router.
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads: see trm/__init__.py (15x slower CPU calls)

import streamlit as st  # noqa: E402

from app_ui.address_history import keep_history_tidy  # noqa: E402

# A presentation link opens with the sidebar closed: its slide's styles hide the sidebar only once the page has run,
# and an audience would see it flash until then. (The sidebar's arrow opens it again after the talk.)
SIDEBAR = "collapsed" if st.query_params.get("present") == "1" else "auto"
st.set_page_config(page_title="TRM Studio", page_icon="🧩", layout="wide", initial_sidebar_state=SIDEBAR)

PAGES = [
    st.Page("app_pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("app_pages/solve.py", title="Solve", icon=":material/grid_on:", url_path="solve"),
    st.Page("app_pages/insight.py", title="Insight", icon=":material/insights:", url_path="insight"),
    st.Page("app_pages/train.py", title="Train", icon=":material/model_training:", url_path="train"),
]

navigation = st.navigation(PAGES)

with st.sidebar:
    keep_history_tidy()
    st.caption(
        "**TRM Studio** — watch a Tiny Recursive Model "
        "([arXiv 2510.04871](https://arxiv.org/abs/2510.04871)) solve Sudoku, step by step."
    )

navigation.run()
