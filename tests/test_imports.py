"""Each command-line module imports on its own in a fresh interpreter (no circular imports), and the run layers
import only downwards."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ENTRY_MODULES = ["trm.export", "trm.export.__main__", "trm.evaluate", "trm.train.__main__", "trm.data.__main__",
                 "trm.sudoku.__main__", "trm.trace", "trm.runs", "trm.control"]
RUN_LAYERS = ["runs", "train", "export", "control"]  # lowest first: each package may import only those before it


@pytest.mark.parametrize("module", ENTRY_MODULES)
def test_module_imports_first_in_a_fresh_interpreter(module):
    result = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_engine_never_imports_streamlit():
    code = "import sys, trm, trm.train, trm.trace, trm.export, trm.evaluate; print('streamlit' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr[-2000:]


def _trm_packages_imported(path: Path) -> set[str]:
    """The first name after ``trm.`` of every import in a file, function-level imports included."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        names.update(module.split(".")[1] for module in modules if module.startswith("trm."))
    return names


@pytest.mark.parametrize("package", RUN_LAYERS)
def test_run_layers_never_import_a_layer_above_them(package):
    above = set(RUN_LAYERS[RUN_LAYERS.index(package) + 1:])
    offenders = {str(path.relative_to(REPO)): sorted(_trm_packages_imported(path) & above)
                 for path in (REPO / "trm" / package).glob("*.py")}
    assert {path: names for path, names in offenders.items() if names} == {}
