"""Which existing files ``python -m trm.render`` may replace: those it wrote, known by a mark every format carries.

A GIF holds the mark in its comment, an MP4 in its metadata (moved to the front of the file), a PNG in a text chunk
before its pixels, the HTML player in a generator tag and a saved trace in its format field. Anything else at an
output path is somebody's file: the command refuses it unless told --force.
"""

import re
from pathlib import Path

from trm.trace.json_form import TRACE_FORMAT

MARK = "TRM Studio"
HTML_MARK = f'<meta name="generator" content="{MARK}">'
MP4_OUTPUT_PARAMS = ["-metadata", f"comment=made with {MARK}", "-movflags", "+faststart"]
_HEAD_BYTES = {".gif": 4096, ".mp4": 2 ** 20, ".png": 4096, ".html": 4096, ".htm": 4096, ".json": 256}


def _head(path: Path, size: int) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


def written_by_render(path: Path) -> bool:
    """Whether the file at ``path`` carries the mark its extension's writer puts in (a GIF, MP4, PNG, HTML player or
    trace JSON of this command), read from its first bytes only: a large foreign file costs nothing to refuse."""
    path = Path(path)
    suffix = path.suffix.lower()
    head = _head(path, _HEAD_BYTES.get(suffix, 0))
    if suffix == ".json":
        return re.match(rb'\s*\{\s*"format"\s*:\s*"' + re.escape(TRACE_FORMAT.encode()) + rb'"', head) is not None
    mark = HTML_MARK if suffix in (".html", ".htm") else MARK
    return suffix in _HEAD_BYTES and mark.encode() in head
