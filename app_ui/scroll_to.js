// Scrolls a heading to the top of the window once per request (Streamlit Custom Components v2; see scroll_to.py).
// What the user asked for is still being drawn when the request comes, and the page cannot scroll past its end,
// so the scroll is repeated as the page grows, until the heading is at the top or the user scrolls themselves.

const done = new Set(); // requests already scrolled for, so a rerun that mounts this again does not scroll back
const FOLLOW_MS = 20000;
const TICK_MS = 250;
const USER_SCROLLS = ["wheel", "touchstart", "keydown", "mousedown"];

function follow(target) {
  const started = Date.now();
  let timer = null;
  const stop = () => {
    clearInterval(timer);
    USER_SCROLLS.forEach((name) => window.removeEventListener(name, stop, true));
  };
  const tick = () => {
    if (!target.isConnected || Date.now() - started > FOLLOW_MS) return stop();
    const margin = parseFloat(getComputedStyle(target).scrollMarginTop) || 0; // where "start" puts it
    if (Math.abs(target.getBoundingClientRect().top - margin) < 2) return stop();
    target.scrollIntoView({ behavior: "smooth", block: "start" });
  };
  USER_SCROLLS.forEach((name) => window.addEventListener(name, stop, true));
  target.scrollIntoView({ behavior: "smooth", block: "start" });
  timer = setInterval(tick, TICK_MS);
}

export default function ({ data }) {
  if (!data || done.has(data.request)) return;
  const target = document.getElementById(data.target);
  if (!target) return;
  done.add(data.request);
  follow(target);
}
