"""The Train page's "New run" form: grid size, preset, data set and the training knobs; Start launches the run.

Widgets are plain (not an ``st.form``) so that changing the grid size or preset refills the fields with that
preset's defaults at once. The form sits outside the page's polling fragments, so typing is never interrupted.
"""

from pathlib import Path

import streamlit as st

from app_ui.number_field import AT_LEAST_ONE, NOT_NEGATIVE, NumberRange, checked_number, number_problem
from app_ui.training_shared import flash
from trm import TRMError
from trm.control import DeviceInfo, start_run
from trm.data import data_grid_size
from trm.runs import data_root, is_inside_data_root, resolve_run_path, tensorboard_available
from trm.train import PRESETS, Preset, get_preset

GRID_SIZES = sorted({preset.model.grid_size for preset in PRESETS.values()})
KNOBS = {
    "train_steps": "total_steps", "train_batch": "batch_size", "train_lr": "lr", "train_seed": "seed",
    "train_data": "data_dir", "train_log_every": "log_every", "train_eval_every": "eval_every",
    "train_checkpoint_every": "checkpoint_every", "train_optimizer": "optimizer", "train_muon_lr": "muon_lr",
    "train_schedule": "lr_schedule", "train_warmup": "warmup_steps", "train_grad_clip": "grad_clip",
    "train_curriculum": "depth_curriculum", "train_label_smoothing": "label_smoothing",
    "train_q_halt_weight": "q_halt_loss_weight", "train_fresh_augmentations": "fresh_augmentations",
    "train_answer_loss": "answer_loss", "train_weight_decay": "weight_decay",
    "train_muon_weight_decay": "muon_weight_decay", "train_ema_rate": "ema_rate", "train_ema_start": "ema_start_step",
    "train_prefix_weight_decay": "prefix_weight_decay",
}  # widget key -> TrainConfig field the preset fills it from
MODEL_KNOBS = {"train_swiglu": "swiglu", "train_cycles": "answer_cycles", "train_latent_steps": "latent_steps"}
RECIPE_KNOBS = ("optimizer", "muon_lr", "lr_schedule", "warmup_steps", "grad_clip", "depth_curriculum",
                "label_smoothing", "q_halt_loss_weight", "fresh_augmentations", "answer_loss", "weight_decay",
                "muon_weight_decay", "ema_rate", "ema_start_step", "prefix_weight_decay")
OPTIMIZER_NAMES = {"adam_atan2": "AdamATan2 (paper)", "muon": "Muon + Adam"}
SWIGLU_NAMES = {"standard": "standard (paper)", "normed": "normed"}
SCHEDULE_NAMES = {"constant": "constant (paper)", "cosine": "cosine to zero"}
CURRICULUM_NAMES = {"none": "none (paper)", "cgar": "CGAR"}
ANSWER_LOSS_NAMES = {"stablemax": "stable-max (paper)", "softmax": "softmax"}
NUMBER_BOXES = {  # widget key -> (label, the values Start accepts), checked on the server (app_ui/number_field.py)
    "train_steps": ("Steps", AT_LEAST_ONE), "train_batch": ("Batch size", AT_LEAST_ONE),
    "train_lr": ("Learning rate", NumberRange(above=0)), "train_seed": ("Seed", NOT_NEGATIVE),
    "train_cycles": ("Cycles per supervision step (T)", NumberRange(1, 64)),
    "train_latent_steps": ("Latent updates per cycle (n)", NumberRange(1, 64)),
    "train_muon_lr": ("Muon learning rate", NumberRange(above=0)),
    "train_weight_decay": ("Weight decay (Adam)", NOT_NEGATIVE),
    "train_muon_weight_decay": ("Muon weight decay", NOT_NEGATIVE),
    "train_warmup": ("Warm-up steps", NOT_NEGATIVE),
    "train_grad_clip": ("Gradient-norm clip (0: off)", NOT_NEGATIVE),
    "train_prefix_weight_decay": ("Puzzle-prefix weight decay", NOT_NEGATIVE),
    "train_label_smoothing": ("Label smoothing (0: off)", NumberRange(0, 0.99)),
    "train_q_halt_weight": ("Q-halt loss weight", NOT_NEGATIVE),
    "train_ema_rate": ("EMA rate", NumberRange(0, 0.9999)), "train_ema_start": ("EMA from step", NOT_NEGATIVE),
    "train_log_every": ("Log a metrics line every N steps", AT_LEAST_ONE),
    "train_eval_every": ("Evaluate on the held-out set every N steps", AT_LEAST_ONE),
    "train_checkpoint_every": ("Save a resumable checkpoint every N steps", AT_LEAST_ONE),
}
MUON_ONLY = ("train_muon_lr", "train_muon_weight_decay")  # greyed out, and not passed on, unless Muon is chosen


def presets_for(size: int) -> list[str]:
    """Preset names whose model plays ``size`` x ``size`` Sudoku, in PRESETS order (the main recipe first)."""
    return [name for name, preset in PRESETS.items() if preset.model.grid_size == size]


def free_run_name(runs_root: Path, preset: str) -> str:
    """``<preset>-<k>`` with the smallest k >= 1 whose folder does not exist yet."""
    k = 1
    while (runs_root / f"{preset}-{k}").exists():
        k += 1
    return f"{preset}-{k}"


def _apply_preset(runs_root: Path) -> None:
    preset = get_preset(st.session_state.train_preset)
    for key, field in KNOBS.items():
        st.session_state[key] = getattr(preset.train, field)
    for key, field in MODEL_KNOBS.items():
        st.session_state[key] = getattr(preset.model, field)
    st.session_state.train_name = free_run_name(runs_root, st.session_state.train_preset)


def _apply_size(runs_root: Path) -> None:
    st.session_state.train_preset = presets_for(st.session_state.train_size or GRID_SIZES[0])[0]
    _apply_preset(runs_root)


def _start(runs_root: Path) -> None:
    state = st.session_state
    preset = get_preset(state.train_preset)
    problems = _number_problems()
    if problems:
        flash("error", "Could not start the run: " + " ".join(problems))
        return
    try:
        run_dir = start_run(runs_root, state.train_name.strip(), state.train_preset, data_dir=state.train_data.strip(),
                            steps=state.train_steps, batch_size=state.train_batch, lr=state.train_lr,
                            seed=state.train_seed, train_overrides=_train_overrides(preset),
                            model_overrides={field: state[key] for key, field in MODEL_KNOBS.items()
                                             if state[key] != getattr(preset.model, field)},
                            tensorboard=bool(state.get("train_tensorboard")))
    except (TRMError, OSError) as error:
        flash("error", f"Could not start the run: {error}")
        return
    flash("success", f"Started run **{run_dir.name}** in `{run_dir}`. It trains in the background: you can "
                     f"leave this page or close the tab.")
    state.train_run = run_dir.name
    state.train_name = free_run_name(runs_root, state.train_preset)


def _number_problems() -> list[str]:
    """What is wrong with the form's numbers, one sentence per box; the learning rate's says why it matters."""
    muon = st.session_state.get("train_optimizer") == "muon"
    problems = [number_problem(label, allowed, key) for key, (label, allowed) in NUMBER_BOXES.items()
                if muon or key not in MUON_ONLY]
    if st.session_state.get("train_lr") == 0:  # the engine takes 0 (a frozen fine-tuning check)
        preset_lr = get_preset(st.session_state.train_preset).train.lr
        problems.append(f"At 0 the weights would never change (this preset's is {preset_lr:.1e}).")
    return [problem for problem in problems if problem]


def _number(container, key: str, **kwargs) -> None:
    """The form's number box ``key``, labelled and range-checked as NUMBER_BOXES says."""
    label, allowed = NUMBER_BOXES[key]
    checked_number(container, label, allowed, key=key, persist_state="session", **kwargs)


def _train_overrides(preset: Preset) -> dict:
    """The form's TrainConfig fields beyond the ones start_run names; recipe fields only where they differ from the
    preset, so the run's command (which its model card quotes) names just what was changed."""
    named = ("total_steps", "batch_size", "lr", "seed", "data_dir")
    fields = {field: st.session_state[key] for key, field in KNOBS.items() if field not in named}
    if fields["optimizer"] != "muon":  # only Muon reads these: a value left in a greyed-out box changes nothing
        fields.pop("muon_lr")
        fields.pop("muon_weight_decay")
    return {field: value for field, value in fields.items()
            if field not in RECIPE_KNOBS or value != getattr(preset.train, field)}


def _recipe_fields() -> None:
    """The faster-recipe options, each defaulting to the preset's value; one per row, as the form is narrow."""
    with st.expander("Recipe: depth, optimiser, loss, schedule, curriculum"):
        st.caption("Filled with the preset's values; \"(paper)\" and the help texts give the paper's. "
                   "`bench/README.md` records what each try reached.")
        _model_fields()
        _optimiser_fields()
        _loss_and_averaging_fields()


def _model_fields() -> None:
    flat = get_preset(st.session_state.train_preset).model.is_flat_baseline
    st.selectbox("SwiGLU", list(SWIGLU_NAMES), format_func=SWIGLU_NAMES.get, key="train_swiglu",
                 persist_state="session", disabled=flat,
                 help="The flat baseline has the paper's SwiGLU only." if flat else
                 "normed: down(sigmoid(gate) x RMSNorm(gate x up)), which keeps activations bounded so Muon's "
                 "large steps stay stable (arXiv 2601.19085).")
    _number(st, "train_cycles", step=1,
            help="Answer updates per supervision step, each after n latent updates; only the last cycle "
                 "carries gradients. 3 in the paper, 6 in arXiv 2601.19085.")
    _number(st, "train_latent_steps", step=1,
            help="6 in the paper, 9 in arXiv 2601.19085. A supervision step runs T x (n + 1) network "
                 "calls, training and solving alike.")


def _optimiser_fields() -> None:
    muon = st.session_state.train_optimizer == "muon"
    st.selectbox("Optimiser", list(OPTIMIZER_NAMES), format_func=OPTIMIZER_NAMES.get, key="train_optimizer",
                 persist_state="session",
                 help="Muon orthogonalises each update of the recursive network's matrices; the embedding, "
                      "heads and biases stay with Adam.")
    _number(st, "train_muon_lr", step=0.005, format="%.3f", disabled=not muon,
            help="Muon's rate for the network's matrices (0.02 in arXiv 2601.19085); "
                 "the Learning rate above is then Adam's, for the rest.")
    _number(st, "train_weight_decay", step=0.1, format="%.3f",
            help="AdamATan2's decoupled weight decay: 1.0 in the paper.")
    _number(st, "train_muon_weight_decay", step=0.005, format="%.3f", disabled=not muon,
            help="0.005 in arXiv 2601.19085.")
    st.selectbox("Learning-rate schedule", list(SCHEDULE_NAMES), format_func=SCHEDULE_NAMES.get,
                 key="train_schedule", persist_state="session",
                 help="After the warm-up: constant, or a cosine falling to zero at the last step.")
    _number(st, "train_warmup", step=100,
            help="Linear warm-up of every learning rate: 2,000 steps in the paper.")
    _number(st, "train_grad_clip", step=0.5,
            help="Clip the global gradient norm to this before each step: off in the paper, 1.0 in arXiv "
                 "2601.19085.")
    _number(st, "train_prefix_weight_decay", step=0.1, format="%.3f",
            help="Sign-SGD's decay on the puzzle prefix: 1.0 in the paper.")


def _loss_and_averaging_fields() -> None:
    st.selectbox("Answer loss", list(ANSWER_LOSS_NAMES), format_func=ANSWER_LOSS_NAMES.get,
                 key="train_answer_loss", persist_state="session",
                 help="The cross-entropy of each cell's digit: the paper's stable-max "
                 "(grows linearly, not exponentially), or the usual softmax that arXiv 2601.19085 trains with.")
    _number(st, "train_label_smoothing", step=0.05, format="%.3f",
            help="Share of each cell's target spread evenly over all "
                 "output classes (digits, blank, padding); arXiv 2601.19085 trains with 0.2. The LM loss "
                 "then includes it: compare accuracies between runs, not losses.")
    _number(st, "train_q_halt_weight", step=0.05, format="%.3f",
            help="Weight of the halting head's loss beside the answer loss: 0.5 in the paper, 0.05 in "
                 "arXiv 2601.19085.")
    _number(st, "train_ema_rate", step=0.001, format="%.4f",
            help="The evaluated and exported weights are this moving average "
                 "of the trained ones: 0.999 in the paper, 0.9 in arXiv 2601.19085.")
    _number(st, "train_ema_start", step=500,
            help="Until this step the average copies the trained weights; arXiv 2601.19085 starts at "
                 "5,000. 0: from the first step, as the paper.")
    st.checkbox("Fresh augmentations", key="train_fresh_augmentations", persist_state="session",
                help="Give every drawn puzzle a new random symmetry (digits, bands, stacks, rows, columns, "
                     "transpose) instead of picking one of the variants made at the start.")
    st.selectbox("Depth curriculum", list(CURRICULUM_NAMES), format_func=CURRICULUM_NAMES.get,
                 key="train_curriculum", persist_state="session",
                 help="CGAR (arXiv 2511.08653): recurse a third as deep for the first "
                 "30% of the steps, two thirds for the next 30%; evaluation always runs the full depth.")


def _data_caption(data_dir: str, size: int) -> str:
    if not data_dir.strip():
        return f"⚠️ Name a data set folder inside `{data_root()}` (a missing one is built there)."
    if not is_inside_data_root(data_dir):  # Start refuses it: say so before the click
        return f"⚠️ `{data_dir}` is not inside `{data_root()}`: choose a data set folder there."
    path = resolve_run_path(data_dir)
    held = data_grid_size(path)
    if held is not None and held != size:
        return (f"⚠️ `{data_dir}` holds {held}x{held} puzzles; this model plays {size}x{size}. Choose a "
                f"{size}x{size} set.")
    if (path / "train.npz").exists() and (path / "test.npz").exists():
        return f"Found `{data_dir}` (train.npz + test.npz; the test split is the held-out set)."
    return f"`{data_dir}` is missing: the {size}x{size} data set is built there first (about 20 s for 4x4 and 6x6)."


def render_start_form(runs_root: Path, device: DeviceInfo) -> None:
    """Draw the New run form; its Start button launches ``python -m trm.train`` in the background."""
    if st.session_state.get("train_preset") not in PRESETS:
        st.session_state.train_size = GRID_SIZES[0]
        _apply_size(runs_root)
    st.segmented_control("Grid size", GRID_SIZES, key="train_size", persist_state="session",
                         format_func=lambda n: f"{n}×{n}",
                         required=True, on_change=_apply_size, args=(runs_root,))
    size = st.session_state.train_size or GRID_SIZES[0]
    st.selectbox("Model preset", presets_for(size), key="train_preset", persist_state="session",
                 on_change=_apply_preset, args=(runs_root,),
                 help="Recipes from trm/train/config.py; the fields below are filled with the preset's values.")
    st.caption(get_preset(st.session_state.train_preset).description)
    st.text_input("Data set (folder)", key="train_data", persist_state="session",
                  help="A folder with train.npz and test.npz "
                  "(`python -m trm.data build`), relative to the repository or absolute; it must lie in the "
                  "data folder (`data/`, or `$TRM_STUDIO_DATA`), where a missing set is built.")
    st.caption(_data_caption(st.session_state.train_data, size))
    steps, batch = st.columns(2)
    _number(steps, "train_steps", step=100, help="Total optimiser steps.")
    _number(batch, "train_batch", step=16)
    lr, seed = st.columns(2)
    _number(lr, "train_lr", step=1e-4, format="%.1e")
    _number(seed, "train_seed", step=1)
    _recipe_fields()
    with st.expander("Logging and checkpoints"):
        for key in ("train_log_every", "train_eval_every", "train_checkpoint_every"):
            _number(st, key, step=1)
        available = tensorboard_available()
        st.checkbox("Also write TensorBoard event files", key="train_tensorboard", persist_state="session",
                    disabled=not available,
                    help="Into the run's `tensorboard/` folder: `tensorboard --logdir runs` shows every run."
                    if available else "Needs the tensorboard package: pip install tensorboard.")
    st.text_input("Run name", key="train_name", persist_state="session", help=f"The run's folder under `{runs_root}`.")
    st.caption(f"Device: **{device.describe()}**")
    if size == 9 and not device.is_cuda:
        st.warning("The 9×9 presets are sized for a GPU; on this CPU they would take days.", icon=":material/speed:")
    st.button("Start training", key="train_start", type="primary", icon=":material/play_arrow:",
              on_click=_start, args=(runs_root,), width="stretch")
