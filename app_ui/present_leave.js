// Presentation mode's memory of the step (Streamlit Custom Components v2; see present_leave.py).
// The presented player runs in its own frame, so the page never hears of its steps. This reads the frame's
// step: it mirrors it into the address (a reload mid-talk comes back to it) and, when Leave presentation is
// clicked, sends it with the leave, so the ordinary page opens on the step the audience last saw. It also gives
// the page around the player the player's background.

function playerDocument(keys) {
  return document.querySelector(`.st-key-${keys.presenting} iframe`).contentDocument;  // same origin: readable
}

function shownStep(keys) {
  // The player writes "5 / 16" into #step; null while its frame is missing or not loaded yet.
  try {
    const text = playerDocument(keys).getElementById("step").textContent;
    const step = parseInt(text, 10);
    return Number.isInteger(step) && step > 0 ? step : null;
  } catch (error) {
    return null;
  }
}

function mirrorIntoAddress(keys) {
  // Compared with the address itself, not with what was last written: a rerun may have rewritten it since.
  const step = shownStep(keys);
  const url = new URL(window.location.href);
  if (step === null || url.searchParams.get("step") === String(step)) return;
  url.searchParams.set("step", String(step));
  window.history.replaceState(window.history.state, "", url);
}

function framesAround() {
  // The app's background and Streamlit's top bar, which has a background of its own.
  return [document.querySelector('[data-testid="stApp"]'), document.querySelector('[data-testid="stHeader"]')]
    .filter(Boolean);
}

function matchBackground(keys) {
  // The player's T key switches its own theme only: the page around it takes the player's background, so a dark
  // slide on a projector has no white frame.
  try {
    const player = getComputedStyle(playerDocument(keys).body);
    for (const frame of framesAround()) frame.style.background = player.backgroundColor;
    const hint = document.querySelector(`.st-key-${keys.presenting} [data-testid="stCaptionContainer"]`);
    if (hint) hint.style.color = player.color;  // the key hint stays legible on either background
    const leave = document.querySelector(`.st-key-${keys.leave} button`);
    if (leave) Object.assign(leave.style, { background: "transparent", color: player.color });
  } catch (error) {
    // the frame is not loaded yet: the next tick tries again
  }
}

function onClick(state, event) {
  // Capture phase: Streamlit's own handler never sees the click; the leave and its step arrive in one message.
  const button = event.target.closest && event.target.closest(`.st-key-${state.keys.leave} button`);
  if (!button || button.disabled) return;
  event.stopPropagation();
  event.preventDefault();
  state.sent += 1;
  state.setStateValue("leave", { step: shownStep(state.keys), seq: state.sent });
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let state = parentElement.__presentLeave;
  if (!state) {
    // seq starts at the clock so a remounted component never repeats a value Python has already seen
    state = { sent: Date.now() };
    state.clickListener = (event) => onClick(state, event);
    parentElement.__presentLeave = state;
  }
  state.setStateValue = setStateValue;
  state.keys = data;  // the widget keys of the Leave button and of the presenting container
  document.addEventListener("click", state.clickListener, true);
  clearInterval(state.timer);
  state.timer = setInterval(() => { mirrorIntoAddress(state.keys); matchBackground(state.keys); }, 400);
  return () => {
    document.removeEventListener("click", state.clickListener, true);
    clearInterval(state.timer);
    for (const frame of framesAround()) frame.style.background = "";  // the ordinary page keeps Streamlit's theme
  };
}
