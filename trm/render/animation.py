"""A trace as an animated GIF, an MP4 (where an encoder is installed) or one PNG per step."""

import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from trm.errors import ConfigError
from trm.render.frames import render_charts, render_frame
from trm.render.own_files import MARK, MP4_OUTPUT_PARAMS, written_by_render
from trm.trace.records import Trace

Progress = Callable[[int], None]  # called with each step as its frame is drawn


def _frames(trace: Trace, theme: str, progress: Progress | None) -> Iterator[Image.Image]:
    for record in trace.steps:
        frame = render_frame(trace, record.step, theme=theme)
        if progress:
            progress(record.step)
        yield frame


def gif_bytes(trace: Trace, seconds_per_step: float = 0.6, theme: str = "light",
              progress: Progress | None = None) -> bytes:
    """An animated GIF that loops, holding the last step three times as long so the end can be read."""
    frames = list(_frames(trace, theme, progress))
    durations = [int(seconds_per_step * 1000)] * len(frames)
    durations[-1] *= 3
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0,
                   optimize=True, comment=MARK)
    return buffer.getvalue()


def write_gif(trace: Trace, path: Path, seconds_per_step: float = 0.6, theme: str = "light",
              progress: Progress | None = None) -> Path:
    """:func:`gif_bytes` written to ``path``."""
    Path(path).write_bytes(gif_bytes(trace, seconds_per_step, theme, progress))
    return Path(path)


def write_mp4(trace: Trace, path: Path, seconds_per_step: float = 0.6, theme: str = "light",
              progress: Progress | None = None) -> Path:
    """An H.264 MP4 through imageio-ffmpeg's bundled encoder (``pip install imageio-ffmpeg``)."""
    try:
        import imageio_ffmpeg  # optional: ships an ffmpeg binary of ~30 MB that most users never need
    except ImportError as error:
        raise ConfigError("writing an MP4 needs an encoder: pip install imageio-ffmpeg (or use --gif / --html).") \
            from error
    frames = list(_frames(trace, theme, progress))
    width, height = frames[0].size
    even = (width + width % 2, height + height % 2)  # H.264 in yuv420p needs even sides
    fps = 10
    repeats = max(1, round(seconds_per_step * fps))
    writer = imageio_ffmpeg.write_frames(str(path), even, fps=fps, codec="libx264", pix_fmt_out="yuv420p",
                                         macro_block_size=1, quality=8,
                                         output_params=MP4_OUTPUT_PARAMS)
    writer.send(None)
    for index, frame in enumerate(frames):
        padded = Image.new("RGB", even, frame.getpixel((0, 0)))
        padded.paste(frame)
        data = np.ascontiguousarray(np.asarray(padded))
        for _ in range(repeats * (3 if index == len(frames) - 1 else 1)):
            writer.send(data)
    writer.close()
    return Path(path)


def is_step_picture(name: str) -> bool:
    """Whether a file name is one write_pngs writes: step_NNN.png or charts.png."""
    return name == "charts.png" or re.fullmatch(r"step_\d{3,}\.png", name) is not None


def _marked() -> PngInfo:
    """The PNG text chunk that tells this command's pictures from anyone else's (trm.render.own_files)."""
    info = PngInfo()
    info.add_text("Software", MARK)
    return info


def write_pngs(trace: Trace, folder: Path, theme: str = "light", progress: Progress | None = None) -> list[Path]:
    """``step_001.png`` ... one picture per step and ``charts.png`` (P(halt) and blanks right per step), in a
    folder made if missing; step pictures past the last step that this command drew there before (a longer solve)
    go. Every picture carries the mark of trm.render.own_files."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for earlier in folder.glob("step_*.png"):  # a longer solve drawn here before: its extra steps would mislead
        if is_step_picture(earlier.name) and int(earlier.stem[5:]) > len(trace.steps) and written_by_render(earlier):
            earlier.unlink()
    digits = len(str(len(trace.steps)))
    paths = []
    for record, frame in zip(trace.steps, _frames(trace, theme, progress)):
        path = folder / f"step_{record.step:0{max(3, digits)}d}.png"
        frame.save(path, pnginfo=_marked())
        paths.append(path)
    render_charts(trace, theme).save(folder / "charts.png", pnginfo=_marked())
    return [*paths, folder / "charts.png"]
