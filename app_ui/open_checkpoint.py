"""The Solve page's "Open a checkpoint…": another project's TRM file (the reference code's format or nano-trm's), by
path, ``hf:OWNER/REPO[/FILE]`` or upload, converted (trm.convert) into the user's checkpoints folder and selected,
with the same clear errors as the command line. A path to a TRM Studio checkpoint (or run) from elsewhere is
checked and copied as it is, whichever format is picked."""

import re
import tempfile
from pathlib import Path

import streamlit as st

from trm import CheckpointError, TRMError, check_folder_name
from trm.catalog import checkpoints_root, find_models
from trm.convert import (FORMATS, copy_studio_checkpoint, from_nano_trm, from_reference, open_source, studio_folder,
                         write_converted)

KEY_FORMAT = "open_ckpt_format"
KEY_PATH, KEY_CONFIG, KEY_NAME = "open_ckpt_path", "open_ckpt_config", "open_ckpt_name"
KEY_UPLOAD, KEY_UPLOAD_CONFIG, KEY_RESULT = "open_ckpt_upload", "open_ckpt_upload_config", "open_ckpt_result"
KEY_OPENED = "open_ckpt_opened"  # (folder, grid size) of the checkpoint just converted, for the model picker
CONFIG_NAME = "all_config.yaml"


def _default_name(source: str) -> str:
    """A folder name from the source file's name and its parent ('run7-step_65100')."""
    path = Path(source)
    stem = f"{path.parent.name}-{path.stem}" if path.parent.name else path.stem
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.")[:64] or "converted"


HOW_CONVERTED = "converted"
HOW_LISTED = "listed"  # a folder of the checkpoints folder: selected, not copied beside itself


def _listed(folder: Path) -> tuple[str, int] | None:
    """(the model picker's path, grid size) of ``folder`` when it is a checkpoint of the checkpoints folder, else
    None (a run's best model is still copied: that makes it a checkpoint with a card)."""
    if folder.resolve().parent != checkpoints_root().resolve():
        return None
    for size in (9, 6, 4):
        for choice in find_models(size):
            if Path(choice.path).resolve() == folder.resolve():
                return choice.path, size
    return None


def _destination(name: str) -> Path:
    """The new checkpoint's folder: a plain name inside the checkpoints folder, not taken yet."""
    destination = checkpoints_root() / check_folder_name(name, "The name")
    if destination.exists():
        raise FileExistsError(f"a checkpoint named {name} already exists in {checkpoints_root()}: choose another "
                              f"name")
    return destination


def _convert_from_path(name: str) -> tuple[Path, int, str]:
    """(folder written, grid size, how: a copy's trm.convert.studio_copy.CARD_* or HOW_CONVERTED)."""
    source, config = st.session_state.get(KEY_PATH, "").strip(), st.session_state.get(KEY_CONFIG, "").strip()
    ours = _studio_source(source)
    if ours is not None and not name and (listed := _listed(ours)):  # a copy: a second entry of the same model
        return (*listed, HOW_LISTED)
    if ours is not None:  # already our format: nothing to convert; named after its folder (or its run's)
        default = ours.parent.name if ours.name == "best" else ours.name
        return copy_studio_checkpoint(ours, _destination(name or _default_name(default)))
    destination = _destination(name or _default_name(source))
    local = source if source.startswith("hf:") else str(Path(source).expanduser())
    if Path(local).is_dir():  # here a TRM Studio checkpoint folder is taken too, unlike trm.convert's
        raise CheckpointError(f"{source} is a folder but not a TRM Studio checkpoint folder (a config.json that "
                              f"TRM Studio wrote, beside model.safetensors): give that, or the weights file "
                              f"inside it (step_N, .pth, .ckpt, .safetensors).")
    converted = open_source(st.session_state[KEY_FORMAT], local, Path(config).expanduser() if config else None)
    return write_converted(converted, destination, command=f"TRM Studio, Solve page: Open a checkpoint ({source})"), \
        converted.grid_size, HOW_CONVERTED


def _convert_uploads(name: str) -> tuple[Path, int, str]:
    weights, config = st.session_state.get(KEY_UPLOAD), st.session_state.get(KEY_UPLOAD_CONFIG)
    reference = st.session_state[KEY_FORMAT] == "reference"
    if reference and config is None:
        raise FileNotFoundError(f"upload the run's {CONFIG_NAME} with the weights: it holds the architecture")
    destination = _destination(name or _default_name(weights.name))
    with tempfile.TemporaryDirectory(prefix="trm-open-") as folder:  # ours: removed with what we wrote into it
        source = Path(folder) / Path(weights.name).name
        source.write_bytes(weights.getvalue())
        if reference:
            (Path(folder) / CONFIG_NAME).write_bytes(config.getvalue())
        try:
            converted = from_reference(source) if reference else from_nano_trm(source)
        except TRMError as error:  # name the uploads, not the temporary folder
            raise type(error)(str(error).replace(f"{folder}/", "")) from None
        converted.origin["file"] = weights.name
        if reference:
            converted.origin["config_file"] = config.name
        return write_converted(converted, destination,
                               command=f"TRM Studio, Solve page: Open a checkpoint (upload of {weights.name})"), \
            converted.grid_size, HOW_CONVERTED


def _on_convert() -> None:
    name = st.session_state.get(KEY_NAME, "").strip()
    try:
        if st.session_state.get(KEY_PATH, "").strip():  # a typed path wins over an upload left from before
            written, size, how = _convert_from_path(name)
        elif st.session_state.get(KEY_UPLOAD) is not None:
            written, size, how = _convert_uploads(name)
        else:
            raise FileNotFoundError("give the path of the weights file, or upload it")
    except (TRMError, OSError) as error:
        text = str(error).rstrip()
        st.session_state[KEY_RESULT] = ("error", f"Could not open that checkpoint: {text}"
                                                 f"{'' if text.endswith(('.', ')')) else '.'}")
        return
    st.session_state[KEY_OPENED] = (str(written), size)
    if how == HOW_LISTED:
        st.session_state[KEY_RESULT] = ("success", f"`{written}` is in the model list already, for {size}×{size} "
                                                   f"puzzles, and is selected there. Give a name to copy it under "
                                                   f"that name.")
        return
    said = ("its MODEL_CARD.md says where it came from." if how == HOW_CONVERTED else
            f"it was a TRM Studio checkpoint already; its MODEL_CARD.md is {how}.")
    done = "Converted into" if how == HOW_CONVERTED else "Copied into"
    st.session_state[KEY_RESULT] = ("success", f"{done} `{written}` ({size}×{size}): {said}")


def _studio_source(source: str) -> Path | None:
    """The TRM Studio checkpoint folder a typed path names, or None (another format, or an hf: address)."""
    return None if not source or source.startswith("hf:") else studio_folder(Path(source).expanduser())


def _what_converts(kind: str) -> str:
    """What Convert will read, as the page has received it (an upload counts once it has arrived)."""
    path, upload = st.session_state.get(KEY_PATH, "").strip(), st.session_state.get(KEY_UPLOAD)
    if path and _studio_source(path) is not None:
        return f"`{path}` is a TRM Studio checkpoint: it is checked and copied as it is, whatever the format above."
    if path:
        return f"Convert reads `{path}`."
    if upload is None:
        return "Give a path or upload a file."
    config = st.session_state.get(KEY_UPLOAD_CONFIG)
    if kind == "reference" and config is None:
        return f"Received {upload.name}; its {CONFIG_NAME} is still needed."
    return f"Ready to convert {upload.name}" + (f" with {config.name}." if kind == "reference" else ".")


def take_opened() -> tuple[str, int] | None:
    """The (folder, grid size) of a checkpoint converted since the last run, once."""
    return st.session_state.pop(KEY_OPENED, None)


def render_open_checkpoint() -> None:
    """The expander, with the last conversion's outcome."""
    with st.expander("Open a checkpoint…", icon=":material/folder_open:"):
        kind = st.segmented_control("Format", FORMATS, key=KEY_FORMAT, default=FORMATS[0], required=True,
                                    format_func=lambda k: {"reference": "Reference code", "nano-trm": "nano-trm"}[k])
        if kind == "reference":
            st.caption("A model trained with the reference code (SamsungSAILMontreal/TinyRecursiveModels) or a fork "
                       "that keeps its format: its `step_N` or `.pth` file and the run's `all_config.yaml`.")
        else:
            st.caption("A model trained with olivkoch/nano-trm: its Lightning `last.ckpt`, which holds the "
                       "architecture; its EMA weights are used when it has them.")
        st.caption(f"Read as weights only (nothing is unpickled) and saved in `{checkpoints_root()}`. A TRM Studio "
                   f"checkpoint or run folder from elsewhere is copied as it is. "
                   f"`hf:OWNER/REPO[/FILE]` fetches from the Hugging Face Hub (with huggingface_hub installed).")
        st.text_input("Weights file path", key=KEY_PATH,
                      placeholder="/path/to/run/step_65100" if kind == "reference" else "/path/to/last.ckpt")
        if kind == "reference":
            st.text_input("Its all_config.yaml (default: beside the weights)", key=KEY_CONFIG)
        st.file_uploader("…or upload the weights file", key=KEY_UPLOAD)
        if kind == "reference":
            st.file_uploader(f"…and its {CONFIG_NAME}", type=["yaml", "yml"], key=KEY_UPLOAD_CONFIG)
        st.caption(_what_converts(kind))
        st.text_input("Name here", key=KEY_NAME, placeholder="default: from the file name", max_chars=64)
        st.button("Convert and open", key="open_ckpt_convert", on_click=_on_convert, icon=":material/input:")
        result = st.session_state.pop(KEY_RESULT, None)
        if result is not None:
            (st.error if result[0] == "error" else st.success)(result[1])
