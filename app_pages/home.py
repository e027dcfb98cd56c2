"""Home: the thing itself - the shipped 9x9 model solving a famous puzzle, playing - with one line on what a TRM
is and the way to Solve and Train."""

import streamlit as st

from app_ui.demo_traces import DEMO_FOLDER
from trm import TRMError
from trm.render import describe_maker, render_html
from trm.trace import read_trace_file

DEMO = DEMO_FOLDER / "easter-monster-64.json"
# st.iframe sizes its frame to the page inside, but never measures that page smaller than the frame: once grown
# (fullscreen, a narrow window) it would stay tall. The page therefore tells the frame its own height again. It also
# lays itself out for the window's height left below the frame's top, so a projector shows the whole demo unscrolled.
FIT_FRAME = """<script>
(() => {
  const offsetInPage = (element) => {
    let top = element.getBoundingClientRect().top;
    for (let box = element.parentElement; box; box = box.parentElement) top += box.scrollTop;
    return top;
  };
  const fit = () => {
    try {
      // under 640 px the charts no longer fit beside the grid; past 760 the grid would outgrow the page's width
      const room = parent.innerHeight - offsetInPage(frameElement) - 12;
      const height = Math.round(Math.min(760, Math.max(640, room)));
      document.documentElement.style.setProperty("--page-height", height + "px");
    } catch (error) {}  // a page of another origin around the frame: keep the height it was given
  };
  const say = () => {
    if (document.fullscreenElement) return;
    fit();
    const box = document.body.getBoundingClientRect();
    parent.postMessage({type: "streamlit:iframe:setSize", width: Math.ceil(box.width), height: Math.ceil(box.height)},
                       "*");
  };
  say();
  addEventListener("resize", () => requestAnimationFrame(say));
  parent.addEventListener("resize", () => requestAnimationFrame(say));
  document.addEventListener("fullscreenchange", () => requestAnimationFrame(say));
})();
</script>"""
DEMO_HEIGHT = 640  # pixels, until the page inside measures the window; on a phone the player stacks
DEMO_PUZZLE_LINK = "1.......2.9.4...5...6...7...5.9.3.......7.......85..4.7.....6...3...9.8...2.....1"


@st.cache_data(show_spinner=False)
def _demo_page(path: str, stamp: float) -> str | None:
    try:
        trace = read_trace_file(path)
    except TRMError:
        return None
    return render_html(trace, "Easter Monster, solved by a 5M-parameter TRM",
                       note=describe_maker(trace), autoplay=True, speed_ms=250, page_height=DEMO_HEIGHT)


st.title("TRM Studio")
st.markdown("A **Tiny Recursive Model** (arXiv 2510.04871) is one small network applied over and over: it refines "
            "an answer *y* and a latent scratchpad *z*, and after each supervision step a **Q-head** decides "
            "whether to stop. Below, the shipped model works on Easter Monster for 64 steps: watch the grid settle "
            "and P(halt) jump once it is right.")
left, right = st.columns(2)
with left:
    st.page_link("app_pages/solve.py", label="Solve your own puzzle, step by step", icon=":material/grid_on:",
                 query_params={"p": DEMO_PUZZLE_LINK})
with right:
    st.page_link("app_pages/train.py", label="Train a model in the background", icon=":material/model_training:")
page = _demo_page(str(DEMO), DEMO.stat().st_mtime) if DEMO.exists() else None
if page is None:
    st.info("The demo trace (assets/traces/easter-monster-64.json) is missing or damaged; the Solve page still "
            "solves any puzzle.")
else:
    st.iframe(page.replace("</body>", FIT_FRAME + "</body>"), height="content")
