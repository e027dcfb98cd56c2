// Keyboard stepping for the step player (Streamlit Custom Components v2; see step_keys.py).
// Streamlit's buttons and their shortcuts send a boolean click, and clicks that arrive during one rerun merge
// into a single step. Here every key press, and every click on the player's Previous and Next buttons, moves a
// local step at once and sends the absolute target, so the last target wins however fast they come. Space on a
// focused button presses only that button, not the Play shortcut too.

const STEP_KEYS = new Set(["ArrowLeft", "ArrowRight", "Home", "End"]);
const EDITABLE_TAGS = new Set(["INPUT", "TEXTAREA", "SELECT"]);

function ownsArrowKeys(event) {
  // Fields, sliders, menus and the Sudoku grid use these keys themselves.
  for (const node of event.composedPath ? event.composedPath() : [event.target]) {
    if (!node || !node.tagName) continue;
    if (EDITABLE_TAGS.has(node.tagName) || node.isContentEditable) return true;
    const role = node.getAttribute && node.getAttribute("role");
    if (role && /^(slider|grid|gridcell|listbox|option|combobox|menu|menuitem|tab|textbox|spinbutton)$/.test(role)) return true;
  }
  return false;
}

function isNativelyPressedBySpace(node) {
  // Space presses a focused button or ticks a box by itself; Streamlit's Space shortcut would toggle Play as well.
  if (!node || !node.tagName) return false;
  if (node.tagName === "BUTTON" || node.tagName === "SUMMARY") return true;
  return node.tagName === "INPUT" && /^(checkbox|radio|button|submit|reset)$/.test(node.type);
}

function onSpace(event) {
  if (event.key !== " " || !isNativelyPressedBySpace(document.activeElement)) return;
  event.stopImmediatePropagation(); // the shortcut's listener never sees it; the focused control's press still happens
}

function targetFor(keys, key) {
  if (key === "ArrowLeft") return Math.max(1, keys.step - 1);
  if (key === "ArrowRight") return Math.min(keys.n, keys.step + 1);
  return key === "Home" ? 1 : keys.n;
}

function onKey(keys, event) {
  if (!STEP_KEYS.has(event.key) || event.defaultPrevented) return;
  if (event.ctrlKey || event.metaKey || event.altKey || event.shiftKey || ownsArrowKeys(event)) return;
  event.preventDefault(); // Home/End would scroll the page
  const target = targetFor(keys, event.key);
  if (target !== keys.step) moveTo(keys, target);
}

function moveTo(keys, target) {
  // Sent even when it is the step shown: a click on Previous at step 1 still pauses Play.
  keys.step = target;
  keys.pending.push(target);
  keys.sent += 1;
  keys.setStateValue("target", { step: target, seq: keys.sent });
}

function onClick(keys, event) {
  // Runs in the capture phase, before Streamlit's own handler, which then never sees the click.
  for (const [buttonKey, delta] of Object.entries(keys.buttons)) {
    const button = event.target.closest && event.target.closest(`.st-key-${buttonKey} button`);
    if (!button) continue;
    if (button.disabled) return;
    event.stopPropagation();
    event.preventDefault();
    moveTo(keys, Math.min(keys.n, Math.max(1, keys.step + delta)));
    return;
  }
}

function adoptStep(keys, incoming) {
  // Reruns answer our targets in order; an answer to an older target must not undo newer presses.
  const at = keys.pending.indexOf(incoming);
  if (at >= 0 && at < keys.pending.length - 1) { keys.pending = keys.pending.slice(at + 1); return; }
  keys.pending = [];
  keys.step = incoming;
}

function buildHint(parentElement) {
  const hint = document.createElement("div");
  hint.className = "sk-hint";
  hint.innerHTML = "<kbd>←</kbd> <kbd>→</kbd> step · <kbd>Home</kbd> <kbd>End</kbd> first / last · click a chart to jump";
  parentElement.appendChild(hint);
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  let keys = parentElement.__stepKeys;
  if (!keys) {
    buildHint(parentElement);
    // seq starts at the clock so a remounted player never repeats a value Python has already seen
    keys = { step: data.step, n: data.n, pending: [], sent: Date.now() };
    keys.listener = (event) => onKey(keys, event);
    keys.clickListener = (event) => onClick(keys, event);
    parentElement.__stepKeys = keys;
  }
  keys.setStateValue = setStateValue;
  keys.n = data.n;
  keys.buttons = data.buttons || {};
  adoptStep(keys, data.step);
  document.addEventListener("keydown", keys.listener); // the same function twice is added once
  document.addEventListener("click", keys.clickListener, true);
  window.addEventListener("keydown", onSpace, true);
  return () => {
    document.removeEventListener("keydown", keys.listener);
    document.removeEventListener("click", keys.clickListener, true);
    window.removeEventListener("keydown", onSpace, true);
  };
}
