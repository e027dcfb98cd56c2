"""One picture per supervision step of a trace, for slides and animations: the grid with the model's digits
shaded by its confidence, changed cells and wrong digits marked, the step, P(halt), and a strip of every step's
P(halt) with the threshold, so the halting decision is visible in a still."""

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from trm.render.judging import shown_conflicts, wrong_cells
from trm.sudoku.shape import shape_for_size
from trm.trace.records import StepRecord, Trace


@dataclass(frozen=True)
class Theme:
    background: str
    ink: str  # givens, lines, text
    muted: str
    model_digit: str
    shade: tuple[int, int, int]  # RGB of a fully confident model cell
    wrong: str = "#C62828"  # the app grid's red for wrong digits
    changed: str = "#E69F00"
    halt: str = "#CC79A7"


LIGHT = Theme("#FFFFFF", "#1F2328", "#8C959F", "#0B5E5A", (166, 222, 214))
DARK = Theme("#0E1117", "#E6EDF3", "#6E7681", "#7EE0D3", (22, 94, 88))
THEMES = {"light": LIGHT, "dark": DARK}


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _blend(theme: Theme, confidence: float) -> tuple[int, int, int]:
    """The cell's fill: the background for no confidence, the theme's shade for full confidence."""
    base = np.array(Image.new("RGB", (1, 1), theme.background).getpixel((0, 0)), dtype=float)
    mixed = base + (np.array(theme.shade, dtype=float) - base) * float(np.clip(confidence, 0.0, 1.0))
    return tuple(int(round(v)) for v in mixed)


def _draw_grid(draw: ImageDraw.ImageDraw, trace: Trace, record: StepRecord, origin: tuple[int, int], cell: int,
               theme: Theme) -> None:
    shape = shape_for_size(trace.grid_size)
    left, top = origin
    digit_font, given_font = _font(int(cell * 0.55)), _font(int(cell * 0.6))
    marked = wrong_cells(trace, record)
    for index in range(shape.cells):
        row, col = divmod(index, shape.size)
        x, y = left + col * cell, top + row * cell
        given = int(trace.puzzle[index])
        digit = given or int(record.prediction[index])
        fill = theme.background if given else _blend(theme, float(record.confidence[index]))
        draw.rectangle([x, y, x + cell, y + cell], fill=fill)
        wrong = bool(marked[index])
        if digit:
            colour = theme.wrong if wrong else theme.ink if given else theme.model_digit
            draw.text((x + cell / 2, y + cell / 2), str(digit), fill=colour, anchor="mm",
                      font=given_font if given else digit_font,
                      stroke_width=1 if given else 0, stroke_fill=colour)
        if wrong:
            corner = cell // 4
            draw.polygon([(x + 1, y + cell - 1), (x + corner, y + cell - 1), (x + 1, y + cell - corner)],
                         fill=theme.wrong)
        if not given and record.step > 1 and bool(record.changed[index]):
            radius = max(3, cell // 12)
            draw.ellipse([x + cell - 3 * radius, y + radius, x + cell - radius, y + 3 * radius], fill=theme.changed)
    for line in range(shape.size + 1):
        thick = line % shape.box_cols == 0
        x = left + line * cell
        draw.line([(x, top), (x, top + shape.size * cell)], fill=theme.ink if thick else theme.muted,
                  width=3 if thick else 1)
    for line in range(shape.size + 1):
        thick = line % shape.box_rows == 0
        y = top + line * cell
        draw.line([(left, y), (left + shape.size * cell, y)], fill=theme.ink if thick else theme.muted,
                  width=3 if thick else 1)


def _draw_halt_strip(draw: ImageDraw.ImageDraw, trace: Trace, step: int, box: tuple[int, int, int, int],
                     theme: Theme) -> None:
    """One bar per step (height = P(halt); coloured where it reaches the threshold), the current one outlined,
    the threshold dashed."""
    left, top, right, bottom = box
    count = len(trace.steps)
    width = (right - left) / count
    for record in trace.steps:
        x = left + (record.step - 1) * width
        height = (bottom - top) * record.q_halt_probability
        colour = theme.halt if record.q_halt_probability >= trace.halt_threshold else theme.muted
        draw.rectangle([x + width * 0.15, bottom - max(height, 1), x + width * 0.85, bottom], fill=colour,
                       outline=theme.ink if record.step == step else None, width=2)
    level = bottom - (bottom - top) * trace.halt_threshold
    for x in range(int(left), int(right), 8):
        draw.line([(x, level), (min(x + 4, right), level)], fill=theme.ink, width=1)
    draw.text((left, top - 4), "P(halt) per step", fill=theme.muted, anchor="ld", font=_font(14))


def render_frame(trace: Trace, step: int, cell: int = 56, theme: str = "light") -> Image.Image:
    """The picture of ``step`` (1-based) of ``trace``."""
    colours = THEMES[theme]
    record = trace.steps[step - 1]
    size = trace.grid_size
    margin, header, strip = cell // 2, 64, 84
    width = max(size * cell + 2 * margin, 440)  # room for the header line on a 4x4 grid
    image = Image.new("RGB", (width, header + size * cell + strip + margin), colours.background)
    draw = ImageDraw.Draw(image)
    blanks = trace.puzzle == 0
    right = (f"   repeats {len(shown_conflicts(trace, record))}" if record.correct is None else
             f"   blanks right {int(record.correct[blanks].sum())}/{int(blanks.sum())}")
    draw.text((margin, 22), f"Step {step} / {len(trace.steps)}", fill=colours.ink, anchor="lm", font=_font(24))
    halted = record.q_halt_probability >= trace.halt_threshold
    draw.text((margin, 48), f"P(halt) {record.q_halt_probability:.2f}{' · halts' if halted else ''}{right}",
              fill=colours.halt if halted else colours.muted, anchor="lm", font=_font(16))
    _draw_grid(draw, trace, record, (margin, header), cell, colours)
    grid_bottom = header + size * cell
    _draw_halt_strip(draw, trace, step, (margin, grid_bottom + 30, width - margin, grid_bottom + strip), colours)
    return image


def _bar_panel(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], values: list[float], colours: list[str],
               title: str, theme: Theme, threshold: float | None = None) -> None:
    """Bars in [0, 1] over the steps with a title, a 0-1 axis and step labels every few steps."""
    left, top, right, bottom = box
    draw.text((left, top - 10), title, fill=theme.ink, anchor="ld", font=_font(18))
    draw.line([(left, bottom), (right, bottom)], fill=theme.muted, width=1)
    for fraction in (0.0, 0.5, 1.0):
        y = bottom - (bottom - top) * fraction
        draw.text((left - 8, y), f"{fraction:g}", fill=theme.muted, anchor="rm", font=_font(13))
    width = (right - left) / len(values)
    every = max(1, len(values) // 16)
    for index, (value, colour) in enumerate(zip(values, colours)):
        x = left + index * width
        draw.rectangle([x + width * 0.12, bottom - max((bottom - top) * value, 1), x + width * 0.88, bottom],
                       fill=colour)
        if (index + 1) % every == 0 or index == 0:
            draw.text((x + width / 2, bottom + 6), str(index + 1), fill=theme.muted, anchor="mt", font=_font(12))
    if threshold is not None:
        level = bottom - (bottom - top) * threshold
        for x in range(int(left), int(right), 8):
            draw.line([(x, level), (min(x + 4, right), level)], fill=theme.ink, width=1)


def render_charts(trace: Trace, theme: str = "light") -> Image.Image:
    """P(halt) per step against the threshold and the share of blanks right per step (without a single solution:
    the digits repeated per step), one picture for a slide."""
    colours = THEMES[theme]
    image = Image.new("RGB", (1200, 560), colours.background)
    draw = ImageDraw.Draw(image)
    halts = [r.q_halt_probability for r in trace.steps]
    _bar_panel(draw, (60, 50, 1170, 240), halts,
               [colours.halt if h >= trace.halt_threshold else colours.muted for h in halts],
               f"P(halt) per step (dashed: the threshold {trace.halt_threshold:.2f})", colours, trace.halt_threshold)
    blanks = trace.puzzle == 0
    if trace.solution is None:  # nothing can be called right: the digits repeated in a row, column or box instead
        repeats = [len(shown_conflicts(trace, r)) for r in trace.steps]
        most = max(max(repeats), 1)
        _bar_panel(draw, (60, 330, 1170, 520), [v / most for v in repeats],
                   [colours.wrong if v else colours.muted for v in repeats],
                   f"Repeats per step, 0 to {most}: a digit twice in a row, column or box (no single solution)",
                   colours)
    else:
        right = [float(r.correct[blanks].mean()) for r in trace.steps]
        _bar_panel(draw, (60, 330, 1170, 520), right,
                   [colours.model_digit if v >= 1 else colours.muted for v in right], "Share of blanks right per step",
                   colours)
    draw.text((615, 552), "supervision step", fill=colours.muted, anchor="md", font=_font(14))
    return image
