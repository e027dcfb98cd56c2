"""Read the JavaScript and CSS that sit beside the Custom Components v2 modules of this package."""

from functools import cache
from pathlib import Path

_ASSETS = Path(__file__).parent


@cache
def component_asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")
