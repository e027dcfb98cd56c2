// Which address changes become history entries of their own (Streamlit Custom Components v2, mounted on every
// page by app.py; see address_history.py). Streamlit's browser side pushes an entry for every address it is sent;
// this wraps history.pushState once per tab so that changes which only add to what is on screen replace the
// current entry instead, and Back and Forward go between puzzles, settings and pages.

// How the solve on screen is read, not another solve: the player's step, and the halting threshold (moving it
// re-reads the trace; by arrow keys it passes through values nobody chose, which Back would then walk through).
const READINGS = new Set(["step", "threshold"]);

function keepsTheSolve(next) {
  // Every parameter of the address, a puzzle among them, keeps its value in `next` (the readings aside): `next`
  // adds to the solve on screen (a step, the defaults a link left out, a comparison) or reads it another way,
  // rather than naming another puzzle or setting. A first puzzle on an empty page is a new entry.
  const now = new URL(window.location.href), then = new URL(next, window.location.href);
  if (now.pathname !== then.pathname || !now.searchParams.has("p")) return false;
  for (const [name, value] of now.searchParams) {
    if (!READINGS.has(name) && then.searchParams.get(name) !== value) return false;
  }
  return true;
}

// Marks the entry Streamlit pushes when its menu opens a page that fills its address in on arrival: a bare /solve,
// then given the session's puzzle, or a bare /insight, then given the settings the session kept.
const VISIT = "trmSolveVisit";
const FILLED_PAGES = ["/solve", "/insight"];

function opensAPageItFills(next) {
  const now = new URL(window.location.href), then = new URL(next, window.location.href);
  return FILLED_PAGES.some((page) => then.pathname.endsWith(page)) && then.search === "" &&
    now.pathname !== then.pathname;
}

function fillsTheVisit(next) {
  // The address of a menu visit, once the page has written the session's puzzle or settings into it: the same
  // visit, so it takes the bare entry's place. As an entry of its own, Back would land on the bare page: on Solve
  // its reload (grid_component.js) opens an empty page in a new session, and the puzzle would be lost; on Insight
  // it is a second entry of the same view.
  const now = new URL(window.location.href), then = new URL(next, window.location.href);
  return Boolean(window.history.state && window.history.state[VISIT]) && now.search === "" &&
    then.pathname === now.pathname && then.search !== "";
}

// The Solve page's address as last written or opened: Back from it to another page can reach Streamlit with this
// query string (Streamlit's own copy, not the address), and that page then writes it into its address as a new
// entry, so Forward is lost and the other page's address carries the puzzle.
function rememberSolveAddress(url) {
  const then = new URL(url, window.location.href);
  if (then.pathname.endsWith("/solve")) window.__sgSolveSearch = then.search;
}

function withoutSolveParameters(next) {
  // `next` for another page, carrying the Solve page's puzzle as last seen: those of its parameters that are the
  // Solve page's (same name and value) taken out; null when `next` is not such an address.
  const then = new URL(next, window.location.href), solve = new URLSearchParams(window.__sgSolveSearch || "");
  if (then.pathname.endsWith("/solve") || !solve.has("p") || then.searchParams.get("p") !== solve.get("p")) {
    return null;
  }
  for (const [name, value] of solve) {
    if (then.searchParams.get(name) === value) then.searchParams.delete(name);
  }
  return then.pathname + then.search + then.hash;
}

function isTheSameAddress(next) {
  // Streamlit pushes the address it shows again when Forward brings a page back: as a new entry it drops Forward.
  const now = new URL(window.location.href), then = new URL(next, window.location.href);
  return now.pathname === then.pathname && now.search === then.search;
}

function withoutInsightSettings(next) {
  // Another page's address carrying Insight's settings (Streamlit's copy of the query string, when the menu is
  // used right after a setting changed): those taken out; null when `next` carries none.
  const then = new URL(next, window.location.href);
  const names = [...then.searchParams.keys()].filter((name) => name.startsWith("insight_"));
  if (then.pathname.endsWith("/insight") || names.length === 0) return null;
  names.forEach((name) => then.searchParams.delete(name));
  return then.pathname + then.search + then.hash;
}

const CLEAR_WAIT_MS = 300;

function clearsInsightSettings(next) {
  // Leaving Insight, Streamlit first pushes its bare address (its bound settings taken out), then the next page's:
  // as an entry of its own, or in place of Insight's, Back from that page would land on a bare Insight, which
  // shows its defaults. Only Insight's own settings go.
  const now = new URL(window.location.href), then = new URL(next, window.location.href);
  if (now.pathname !== then.pathname || !then.pathname.endsWith("/insight")) return false;
  for (const [name, value] of then.searchParams) {
    if (now.searchParams.get(name) !== value) return false;
  }
  return [...now.searchParams.keys()].some((name) => name.startsWith("insight_") && !then.searchParams.has(name));
}

export default function additionsReplaceTheEntry() {
  // The player writes its step into the address at every tick of Play and every scrub, and a link that leaves
  // settings out gets them written in once it is open. As history entries of their own, Back would walk through
  // every step, and from a shared link it would come back to the same link, which writes its settings in again
  // (Back never got past it). Such changes, a new threshold, and the filling of a menu visit replace the current
  // entry instead.
  if (window.__sgAdditionsReplace) return;
  window.__sgAdditionsReplace = true;
  const push = window.history.pushState.bind(window.history);
  const replace = window.history.replaceState.bind(window.history);
  rememberSolveAddress(window.location.href);
  window.addEventListener("popstate", () => clearTimeout(window.__sgPendingClear));
  window.history.replaceState = (state, unused, url) => {
    if (url != null) rememberSolveAddress(String(url));
    return replace(state, unused, url);
  };
  window.history.pushState = (state, unused, url) => {
    url = url == null ? url : (withoutInsightSettings(String(url)) ?? url);
    const cleaned = url == null ? null : withoutSolveParameters(String(url));
    if (cleaned !== null) {  // the other page's own address, in place of the one Back left it on
      return replace(state, unused, cleaned);
    }
    if (url != null) rememberSolveAddress(String(url));
    if (url != null && (keepsTheSolve(String(url)) || fillsTheVisit(String(url)) || isTheSameAddress(String(url)))) {
      return window.history.replaceState(state, unused, url);
    }
    if (url != null && clearsInsightSettings(String(url))) {
      // Held back a moment: followed by another page's address it was the leave, and Insight's entry keeps its
      // settings for Back; alone it is a setting set back to its default, and the address follows.
      // Dropped too if the tab has moved to another entry meanwhile (Back or Forward): it was that entry's leave.
      const from = window.location.href;
      clearTimeout(window.__sgPendingClear);
      window.__sgPendingClear = setTimeout(() => {
        if (window.location.href === from) window.history.replaceState(state, unused, url);
      }, CLEAR_WAIT_MS);
      return undefined;
    }
    clearTimeout(window.__sgPendingClear);
    if (url != null && opensAPageItFills(String(url))) {
      return push({...(state || {}), [VISIT]: true}, unused, url);
    }
    return push(state, unused, url);
  };
}

