"""TRM Studio: the Streamlit entry point (router and shared frame)."""

import streamlit as st

st.set_page_config(page_title="TRM Studio", page_icon="🧩", layout="wide")


def landing() -> None:
    st.title("TRM Studio")
    st.markdown(
        "Train, run and **watch** a Tiny Recursive Model (TRM, arXiv 2510.04871) solve Sudoku: "
        "its answer after every supervision step, its latent states y and z, and the Q-head "
        "deciding when to stop."
    )
    st.info("The Solve and Training pages are being built; the engine (`trm/`) runs from the command line.")


navigation = st.navigation([st.Page(landing, title="Home", icon="🏠", default=True)])
navigation.run()
