"""Readable ticks for a log-scale axis: whole numbers at 1, 2, 5 (or every digit, or every decade) of each decade.

Plotly's own log ticks label the minor ticks with a bare digit ("3" for 30 above "10"), which reads as nonsense on a
narrow chart. Explicit values with their full labels avoid that.
"""

import math
from collections.abc import Iterable

MOST_TICKS = 7
_MULTIPLIER_SETS = ((1,), (1, 2, 5), (1, 2, 3, 4, 5, 6, 7, 8, 9))  # fewest ticks first


def tick_label(value: float) -> str:
    """``20``, ``0.005``; powers of ten beyond those as ``1e-6``."""
    if 1e-3 <= value < 1e5:
        return f"{value:g}"
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def log_axis_ticks(values: Iterable[float]) -> dict:
    """``tickvals``/``ticktext`` for a log axis over ``values`` (non-positive and non-finite ones ignored): the
    sparsest of decades, 1-2-5 or every digit that puts at least three ticks on the data's range, thinned to at most
    ``MOST_TICKS``. Empty when no value is positive (Plotly's defaults then apply)."""
    positive = [v for v in values if math.isfinite(v) and v > 0]
    if not positive:
        return {}
    low, high = min(positive), max(positive)
    decades = range(math.floor(math.log10(low)), math.floor(math.log10(high)) + 1)
    for multipliers in _MULTIPLIER_SETS:
        ticks = [float(f"{m}e{k}") for k in decades for m in multipliers if low <= float(f"{m}e{k}") <= high]
        if len(ticks) >= 3:
            break
    stride = math.ceil(len(ticks) / MOST_TICKS)
    ticks = ticks[::stride]
    return {"tickvals": ticks, "ticktext": [tick_label(t) for t in ticks]}
