// Sudoku grid for TRM Studio (Streamlit Custom Components v2). The data schema is documented in
// grid_component.py. Streamlit calls the default export on mount and again whenever `data` changes;
// the grid's DOM and its listeners are built once per parentElement and kept in `root.__grid`.

const DIGIT_KEYS = /^[1-9]$/;
const CLEAR_KEYS = new Set(["Backspace", "Delete", "0"]);
const MOVES = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

function unitsOf(size, boxRows, boxCols) {
  // Every row, column and box as a list of cell indices.
  const units = [];
  for (let r = 0; r < size; r++) units.push([...Array(size)].map((_, c) => r * size + c));
  for (let c = 0; c < size; c++) units.push([...Array(size)].map((_, r) => r * size + c));
  for (let br = 0; br < size; br += boxRows) {
    for (let bc = 0; bc < size; bc += boxCols) {
      const box = [];
      for (let r = br; r < br + boxRows; r++) for (let c = bc; c < bc + boxCols; c++) box.push(r * size + c);
      units.push(box);
    }
  }
  return units;
}

function conflictCells(values, units) {
  // Indices of cells whose digit repeats in their row, column or box.
  const bad = new Set();
  for (const unit of units) {
    const seen = new Map();
    for (const i of unit) {
      const v = values[i];
      if (!v) continue;
      if (seen.has(v)) { bad.add(i); bad.add(seen.get(v)); } else seen.set(v, i);
    }
  }
  return bad;
}

function peersOf(index, size, boxRows, boxCols) {
  const r = Math.floor(index / size), c = index % size;
  const br = r - (r % boxRows), bc = c - (c % boxCols);
  const peers = new Set();
  for (let k = 0; k < size; k++) { peers.add(r * size + k); peers.add(k * size + c); }
  for (let i = br; i < br + boxRows; i++) for (let j = bc; j < bc + boxCols; j++) peers.add(i * size + j);
  peers.delete(index);
  return peers;
}

function readData(data) {
  const size = data.size;
  const [boxRows, boxCols] = data.box;
  const n = size * size;
  const givens = data.givens || Array(n).fill(0);
  const cells = (data.cells || Array(n).fill(0)).map((v, i) => givens[i] || v);
  const readonly = !!data.readonly;
  const showConflicts = data.show_conflicts === undefined || data.show_conflicts === null ? !readonly : !!data.show_conflicts;
  return { size, boxRows, boxCols, givens, cells, readonly, showConflicts, overlay: data.overlay || null };
}

function shownDigit(g, i) {
  // Givens win, then the model's digit (answer view), then what the user typed.
  if (g.givens[i]) return [g.givens[i], "given"];
  const model = g.overlay && g.overlay.digits ? g.overlay.digits[i] : 0;
  if (model) return [model, "model"];
  if (g.cells[i]) return [g.cells[i], "user"];
  return [0, "blank"];
}

function buildCells(g) {
  g.board.replaceChildren();
  g.board.style.setProperty("--sg-size", g.size);
  g.board.dataset.size = g.size;
  g.board.setAttribute("aria-label", `Sudoku grid ${g.size}x${g.size}`);
  g.units = unitsOf(g.size, g.boxRows, g.boxCols);
  g.cellEls = [];
  for (let i = 0; i < g.size * g.size; i++) {
    const r = Math.floor(i / g.size), c = i % g.size;
    const el = document.createElement("div");
    el.setAttribute("role", "gridcell");
    el.setAttribute("aria-label", `r${r + 1}c${c + 1}`);
    el.dataset.index = i;
    el.className = "sg-cell";
    if (c % g.boxCols === g.boxCols - 1 && c < g.size - 1) el.classList.add("sg-box-right");
    if (r % g.boxRows === g.boxRows - 1 && r < g.size - 1) el.classList.add("sg-box-bottom");
    const digit = document.createElement("span");
    digit.className = "sg-digit";
    el.appendChild(digit);
    g.board.appendChild(el);
    g.cellEls.push(el);
  }
  g.builtFor = `${g.size}:${g.boxRows}x${g.boxCols}`;
  buildPad(g);
}

function buildPad(g) {
  // A touch screen shows no keyboard for the board (it is no text field): digit buttons under it instead,
  // shown only where the main pointer is coarse (grid_component.css), for the cell selected by a tap.
  if (!g.pad) {
    g.pad = document.createElement("div");
    g.pad.className = "sg-pad";
    g.pad.setAttribute("role", "group");
    g.pad.setAttribute("aria-label", "Digit pad");
    g.root.appendChild(g.pad);
  }
  g.pad.replaceChildren();
  for (let value = 0; value <= g.size; value++) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "sg-pad-key";
    button.textContent = value ? String(value) : "Clear";
    button.setAttribute("aria-label", value ? `Digit ${value}` : "Clear the cell");
    button.addEventListener("click", () => {
      if (g.selected !== null && !g.readonly) setCell(g, g.selected, value);
    });
    if (value) g.pad.appendChild(button); else g.pad.dataset.clear = "1";
    if (!value) g.clearKey = button;
  }
  g.pad.appendChild(g.clearKey);
  g.pad.appendChild(buildUndoKey(g)); // a touch screen has no Ctrl+Z
}

function buildUndoKey(g) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "sg-pad-key";
  button.textContent = "Undo";
  button.setAttribute("aria-label", "Undo the last digit");
  button.addEventListener("click", () => { if (!g.readonly) stepHistory(g, g.undo, g.redo, "before"); });
  g.undoKey = button;
  return button;
}

function paint(g) {
  // Redraw every cell's digit and classes from g (cheap: at most 81 cells).
  const shown = g.cellEls.map((_, i) => shownDigit(g, i));
  const conflicts = g.showConflicts ? conflictCells(shown.map(([v]) => v), g.units) : new Set();
  // Row/column/box and same-digit help is for entering digits; in the answer view it would hide the shading.
  const isHelping = !g.readonly && g.selected !== null;
  const peers = isHelping ? peersOf(g.selected, g.size, g.boxRows, g.boxCols) : new Set();
  const selectedDigit = isHelping ? shown[g.selected][0] : 0;
  const ov = g.overlay || {};
  g.board.classList.toggle("sg-readonly", g.readonly);
  if (g.undoKey) g.undoKey.disabled = !g.undo || g.undo.length === 0;
  g.cellEls.forEach((el, i) => {
    const [value, kind] = shown[i];
    el.querySelector(".sg-digit").textContent = value ? String(value) : "";
    el.classList.remove("sg-given", "sg-user", "sg-model", "sg-blank");
    el.classList.add(`sg-${kind}`);
    el.classList.toggle("sg-conflict", conflicts.has(i));
    el.classList.toggle("sg-selected", i === g.selected);
    el.classList.toggle("sg-peer", peers.has(i));
    el.classList.toggle("sg-same", !!selectedDigit && value === selectedDigit && i !== g.selected);
    const isOverlaid = kind !== "given";
    el.classList.toggle("sg-changed", isOverlaid && !!(ov.changed && ov.changed[i]));
    el.classList.toggle("sg-wrong", isOverlaid && !!(ov.wrong && ov.wrong[i]));
    const confidence = kind === "model" && ov.confidence ? ov.confidence[i] : null;
    if (confidence === null || confidence === undefined) el.style.removeProperty("--sg-confidence");
    else el.style.setProperty("--sg-confidence", Math.max(0, Math.min(1, confidence)).toFixed(3));
    el.title = confidence === null || confidence === undefined
      ? el.getAttribute("aria-label")
      : `${el.getAttribute("aria-label")}: ${value || "blank"} (confidence ${(confidence * 100).toFixed(0)}%)`;
    el.setAttribute("aria-selected", i === g.selected ? "true" : "false");
    el.setAttribute("aria-readonly", g.readonly || kind === "given" ? "true" : "false");
  });
}

function setCell(g, index, value, fromHistory = false) {
  if (g.readonly || g.givens[index] || g.cells[index] === value) return;
  if (!fromHistory) {
    g.undo.push({ index, before: g.cells[index], after: value });
    g.redo = [];
  }
  g.cells[index] = value;
  paint(g);
  const sent = g.cells.slice();
  g.pending.push(JSON.stringify(sent));
  g.setStateValue("cells", sent);
}

function stepHistory(g, from, to, field) {
  // Undo (field "before") or redo (field "after") one typed edit, and select the cell it touched.
  const edit = from.pop();
  if (!edit) return;
  to.push(edit);
  g.selected = edit.index;
  setCell(g, edit.index, edit[field], true);
  paint(g);
}

function onHistoryKey(g, event) {
  // Ctrl/Cmd+Z undoes the last typed digit; Ctrl/Cmd+Shift+Z or Ctrl+Y redoes it. True when handled.
  if (g.readonly || !(event.ctrlKey || event.metaKey) || event.altKey) return false;
  const key = event.key.toLowerCase();
  if (key === "z" && !event.shiftKey) stepHistory(g, g.undo, g.redo, "before");
  else if ((key === "z" && event.shiftKey) || (key === "y" && !event.shiftKey)) stepHistory(g, g.redo, g.undo, "after");
  else return false;
  event.preventDefault();
  return true;
}

function select(g, index) {
  g.selected = index;
  paint(g);
  if (g.reportSelection) g.setTriggerValue("selected", index);
}

function onKey(g, event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const move = MOVES[event.key];
  if (move) {
    event.preventDefault();
    if (g.selected === null) { select(g, 0); return; }
    const r = Math.floor(g.selected / g.size) + move[0], c = (g.selected % g.size) + move[1];
    if (r >= 0 && r < g.size && c >= 0 && c < g.size) select(g, r * g.size + c);
    return;
  }
  if (g.selected === null || g.readonly) return;
  if (DIGIT_KEYS.test(event.key) && Number(event.key) <= g.size) {
    event.preventDefault();
    setCell(g, g.selected, Number(event.key));
  } else if (CLEAR_KEYS.has(event.key)) {
    event.preventDefault();
    setCell(g, g.selected, 0);
  }
}

function reloadOnBackOrForward() {
  // Each new puzzle is written into the address bar as a history entry, but Streamlit does not rerun when Back or
  // Forward brings an older one back: the address would name one puzzle and the grid show another. Reload, so the
  // page shows what its address says (leaving for another page is Streamlit's own and is left alone).
  if (window.__sgReloadsOnHistory) return;
  window.__sgReloadsOnHistory = true;
  window.addEventListener("popstate", () => {
    if (window.location.pathname.endsWith("/solve")) {
      window.location.reload();
    }
  });
}

function createGrid(parentElement) {
  reloadOnBackOrForward();
  const root = document.createElement("div");
  root.className = "sg-root";
  const board = document.createElement("div");
  board.className = "sg-board";
  board.setAttribute("role", "grid");
  board.tabIndex = 0;
  root.appendChild(board);
  parentElement.appendChild(root);
  const g = { root, board, selected: null, pending: [], builtFor: null, cellEls: [], undo: [], redo: [] };
  board.addEventListener("mousedown", (event) => {
    const cell = event.target.closest(".sg-cell");
    if (!cell) return;
    event.preventDefault(); // keep focus on the board instead of selecting text
    board.focus({ preventScroll: true });
    select(g, Number(cell.dataset.index));
  });
  board.addEventListener("keydown", (event) => {
    if (onHistoryKey(g, event)) { event.stopPropagation(); return; }
    onKey(g, event);
    // While the board has focus its keys are the grid's: page shortcuts (the player's Left/Right/Space) stay quiet.
    if (!(event.ctrlKey || event.metaKey || event.altKey)) event.stopPropagation();
  });
  root.__grid = g;
  return g;
}

function adoptCells(g, incoming) {
  // Our own edits come back as `data` one rerun later. If a newer edit is still in flight, keep the
  // local cells so fast typing is not undone; anything we did not send (Generate, Clear, paste) wins.
  const key = JSON.stringify(incoming);
  const at = g.pending.indexOf(key);
  if (at >= 0 && at < g.pending.length - 1) { g.pending = g.pending.slice(at + 1); return; }
  g.pending = [];
  if (JSON.stringify(g.cells) !== key) { g.undo = []; g.redo = []; } // Generate, Clear, paste: a new history
  g.cells = incoming;
}

export default function (component) {
  const { data, parentElement, setStateValue, setTriggerValue } = component;
  const existing = parentElement.querySelector(".sg-root");
  const g = existing ? existing.__grid : createGrid(parentElement);
  g.setStateValue = setStateValue;
  g.setTriggerValue = setTriggerValue;
  const d = readData(data || { size: 9, box: [3, 3] });
  const shapeChanged = g.builtFor !== `${d.size}:${d.boxRows}x${d.boxCols}`;
  Object.assign(g, { size: d.size, boxRows: d.boxRows, boxCols: d.boxCols, givens: d.givens });
  Object.assign(g, { readonly: d.readonly, overlay: d.overlay, showConflicts: d.showConflicts });
  g.root.dataset.readonly = d.readonly ? "true" : "false";
  g.reportSelection = !!(data && data.report_selection);
  if (shapeChanged) {
    buildCells(g);
    g.selected = null;
    g.pending = [];
    g.undo = [];
    g.redo = [];
    g.cells = d.cells;
  } else {
    adoptCells(g, d.cells);
  }
  paint(g);
}
