"""Train: an honest placeholder until training from the app arrives (issue 6)."""

import streamlit as st

st.title("Train")
st.info(
    "Training from the app arrives with issue 6: start and stop a run, watch its loss and accuracy live, "
    "resume from a checkpoint. Until then, train from the command line.",
    icon=":material/construction:",
)
st.markdown("Start a run from a preset, or resume one from its last checkpoint:")
st.code(
    "python -m trm.train --preset NAME --out RUN_DIR [--steps N] [--device cpu|cuda]\n"
    "python -m trm.train --resume RUN_DIR\n"
    "python -m trm.train --help    # lists the presets and every option",
    language="bash",
)
st.markdown(
    "For example `python -m trm.train --preset sudoku4-tiny --out runs/sudoku4-tiny` trains a small 4×4 model "
    "on a CPU. A run folder holds the metrics log and checkpoints; the Solve page will load a checkpoint to "
    "show the model's reasoning step by step."
)
