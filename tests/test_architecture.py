"""The engine's layers hold (no module imports one above it) and the app and benches use only the public API."""

import ast
import importlib
from pathlib import Path

import pytest

import trm

REPO = Path(__file__).resolve().parents[1]
# Lower layers never import higher ones (the README's Layout section states the same order).
LAYERS = [("trm.errors", "trm.cli_types", "trm.progress_bars"), ("trm.sudoku",), ("trm.data",), ("trm.kernels",),
          ("trm.model",),
          ("trm.checkpoint", "trm.trained_loss"), ("trm.inference",), ("trm.trace", "trm.evaluate"), ("trm.runs",),
          ("trm.catalog",),
          ("trm.train",), ("trm.export", "trm.render"), ("trm.convert",),
          ("trm.control",)]


def _layer(module: str) -> int:
    for index, names in enumerate(LAYERS):
        if any(module == name or module.startswith(name + ".") for name in names):
            return index
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS and to the README's Layout")


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module, imported names, line) of every import of a trm module, at any depth of the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "trm":
            found.append((node.module, [alias.name for alias in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names if alias.name.split(".")[0] == "trm"]
    return found


ENGINE_FILES = sorted(p for p in (REPO / "trm").rglob("*.py") if p.name != "__init__.py" or p.parent.name != "trm")


@pytest.mark.parametrize("path", ENGINE_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_no_engine_module_imports_a_layer_above_its_own(path):
    own = _layer(_module_name(path))
    for module, _, line in _imports(path):
        assert module != "trm", f"{path}:{line} imports the package facade; import the defining module"
        assert _layer(module) <= own, f"{path}:{line} imports {module}, a layer above {_module_name(path)}"


APP_AND_BENCH = sorted([REPO / "app.py", *(REPO / "app_pages").glob("*.py"), *(REPO / "app_ui").glob("*.py"),
                        *(REPO / "bench").glob("*.py")])


@pytest.mark.parametrize("path", APP_AND_BENCH, ids=lambda p: str(p.relative_to(REPO)))
def test_app_and_benches_import_only_the_public_api(path):
    for module, names, line in _imports(path):
        assert module in trm.PUBLIC_MODULES, f"{path}:{line} imports {module}, not a public module"
        public = importlib.import_module(module).__all__
        private = [name for name in names if name not in public]
        assert not private, f"{path}:{line} imports {private} from {module}, which are not in its __all__"


def test_every_public_module_lists_only_names_it_has():
    for module in trm.PUBLIC_MODULES:
        loaded = importlib.import_module(module)
        assert [name for name in loaded.__all__ if not hasattr(loaded, name)] == [], module
