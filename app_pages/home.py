"""Home: what TRM Studio is and where to go next."""

import streamlit as st

st.title("TRM Studio")
st.markdown(
    "Train, run and **watch** a Tiny Recursive Model (TRM, *Less is More: Recursive Reasoning with Tiny "
    "Networks*, arXiv 2510.04871) solve Sudoku. A TRM is a two-layer network that improves its answer **y** "
    "and a latent scratchpad **z** over and over; after each supervision step a small Q-head says whether it "
    "is done. TRM Studio shows that loop: the answer after every step, the latent states and the halting "
    "decision."
)

left, right = st.columns(2)
with left, st.container(border=True):
    st.subheader("Solve")
    st.markdown(
        "Enter a Sudoku (4x4, 6x6 or 9x9) in the grid, paste one, generate one or pick a famous example. "
        "The page checks it as you type: conflicts, no solution, several solutions or exactly one."
    )
    st.page_link("app_pages/solve.py", label="Open the Solve page", icon=":material/grid_on:")
with right, st.container(border=True):
    st.subheader("Train")
    st.markdown(
        "Train a TRM on 4x4, 6x6 or 9x9 Sudoku in the background: live loss and held-out accuracy, stop, "
        "resume after a crash, and export the best model so the Solve page lists it."
    )
    st.page_link("app_pages/train.py", label="Open the Train page", icon=":material/model_training:")

st.caption(
    "Every puzzle lives in the address bar (`?p=...`), so a link reproduces it. "
    "Paper: [arxiv.org/abs/2510.04871](https://arxiv.org/abs/2510.04871)."
)
