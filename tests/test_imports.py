"""Each command-line module imports on its own in a fresh interpreter (no circular imports); the layers are
checked in test_architecture.py."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ENTRY_MODULES = ["trm.export", "trm.export.__main__", "trm.evaluate", "trm.evaluate.cli", "trm.train.__main__",
                 "trm.data.__main__", "trm.sudoku.__main__", "trm.inference", "trm.trace", "trm.catalog", "trm.runs",
                 "trm.control"]


@pytest.mark.parametrize("module", ENTRY_MODULES)
def test_module_imports_first_in_a_fresh_interpreter(module):
    result = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_engine_never_imports_streamlit():
    code = "import sys, trm, trm.train, trm.trace, trm.export, trm.evaluate; print('streamlit' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr[-2000:]

