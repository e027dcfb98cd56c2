// Scrolls a heading to the top of the window (Streamlit Custom Components v2; see scroll_to.py). Each request
// scrolls once; requests of one group stop for good once the user scrolls the page themselves in between.

const done = new Set(); // requests already answered: a rerun that mounts one again does not scroll back
const leftAlone = new Set(); // groups the user has scrolled since their first request
const USER_SCROLLS = ["wheel", "touchstart", "keydown", "mousedown"];

function watchTheUser(group) {
  const moved = () => {
    leftAlone.add(group);
    USER_SCROLLS.forEach((name) => window.removeEventListener(name, moved, true));
  };
  USER_SCROLLS.forEach((name) => window.addEventListener(name, moved, true));
}

export default function ({ data }) {
  if (!data || done.has(data.request) || leftAlone.has(data.group)) return;
  const target = document.getElementById(data.target);
  if (!target) return;
  const first = ![...done].some((request) => request.startsWith(`${data.group}:`));
  done.add(data.request);
  target.scrollIntoView({ behavior: "smooth", block: "start" });
  if (first) watchTheUser(data.group);
}
