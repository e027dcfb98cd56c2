"""Every link in the README leads somewhere: a section that exists, a file that the repository holds."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _links() -> list[str]:
    prose = re.sub(r"```.*?```", "", README, flags=re.S)
    return re.findall(r"\]\(([^)\s]+)\)", prose)


def test_every_section_link_names_a_heading():
    anchors = {_anchor(heading) for heading in re.findall(r"^#+ (.+)$", README, flags=re.M)}
    wanted = [link[1:] for link in _links() if link.startswith("#")]
    assert len(wanted) >= 10  # the contents list at the top
    assert [name for name in wanted if name not in anchors] == []


def test_every_file_link_names_a_file_of_the_repository():
    files = [link.split("#")[0] for link in _links() if not link.startswith(("#", "http://", "https://"))]
    assert files
    assert [name for name in files if not (REPO / name).exists()] == []
