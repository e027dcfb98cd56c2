"""Under the step player: where the trace on screen came from, and its downloads (JSON that loads back, an offline
HTML player, a GIF, the numbers as CSV)."""

import streamlit as st

from app_ui.demo_traces import PRECOMPUTED
from app_ui.trace_store import REPLAYED, StoredTrace
from trm.render import describe_maker, gif_bytes, render_html
from trm.trace import Trace, digits_csv, steps_csv


def provenance(stored: StoredTrace, n: int) -> str:
    """Where the trace on screen came from: computed here (and how fast), precomputed, or a saved file."""
    if stored.network == REPLAYED:
        maker = f" ({describe_maker(stored.trace)})" if stored.trace.made_by else ""
        return f"Replayed from a saved trace{maker}: nothing was recomputed."
    if stored.network == PRECOMPUTED:
        return (f"Precomputed with these very weights ({describe_maker(stored.trace)}; assets/traces): shown at "
                "once. Solving it here does the same maths; on the hardest puzzles, rounding that differs between "
                "machines can still change the later steps.")
    made = stored.trace.made_by
    views = f", {made['views']} views" if isinstance(made.get("views"), int) and made["views"] > 1 else ""
    precision = f", {made['precision']}" if made.get("precision") and views else ""
    return (f"Computed with the {stored.network} network{views}{precision}: step 1 after "
            f"{stored.first_step_seconds:.2f} s, "
            f"all {n} steps and the PCA in {stored.total_seconds:.2f} s.")


def render_downloads(stored: StoredTrace, trace: Trace, threshold: float, export_name: str, step: int) -> None:
    """The trace as JSON (loads back into the app), as an offline HTML player opening at this step, as a GIF, and
    its numbers as CSV: talk and paper material from the page, built only when clicked. (Each chart's camera
    button gives its PNG.)"""
    stem = export_name.removesuffix(".json")
    with st.container(horizontal=True, gap="small"):
        st.download_button("Download trace (JSON)", stored.export_json(threshold), file_name=export_name,
                           mime="application/json", key="solve_export", on_click="ignore", icon=":material/download:")
        st.download_button("Offline page (HTML)", lambda: render_html(trace, note=describe_maker(trace), start=step),
                           file_name=f"{stem}.html", mime="text/html", key="solve_export_html", on_click="ignore",
                           icon=":material/slideshow:", help="One file that plays this solve offline in any browser")
        st.download_button("Animation (GIF)", lambda: gif_bytes(trace), file_name=f"{stem}.gif", mime="image/gif",
                           key="solve_export_gif", on_click="ignore", icon=":material/animated_images:",
                           help="The grid, step and P(halt), one frame per step, for slides")
        st.download_button("Steps (CSV)", lambda: steps_csv(trace), file_name=f"{stem}-steps.csv", mime="text/csv",
                           key="solve_export_steps", on_click="ignore", icon=":material/table:",
                           help="One row per step: P(halt), its logit, blanks right, cells changed, confidence")
        st.download_button("Answers (CSV)", lambda: digits_csv(trace), file_name=f"{stem}-answers.csv",
                           mime="text/csv", key="solve_export_answers", on_click="ignore", icon=":material/grid_on:",
                           help="The predicted grid after every step, one column per cell")
