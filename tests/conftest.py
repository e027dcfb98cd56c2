"""Fixtures for the browser tests: a `streamlit run app.py` server on a free port and a headless Chromium page.

Chromium is Debian's (`apt-get install chromium`), so no Playwright browser download is needed. Tests
that use these fixtures are marked `browser` and are skipped, with the reason, when Chromium is missing.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
import torch

# Without a GPU, the kernel tests run in Triton's interpreter, chosen before the kernels are defined.
if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")
# Commands, the app and training stay on the CPU where a test names no device, as on CI: the checks compare with
# float32 results (bf16 on a GPU differs) and time tiny runs (a GPU compiles first). GPU tests name their device.
os.environ.setdefault("TRM_DEVICE", "cpu")

from trm.checkpoint import save_model  # noqa: E402  (after the line above: trm defines the kernels)
from trm.model.config import ModelConfig  # noqa: E402
from trm.model.trm import TinyRecursiveModel  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("TRM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ARTIFACTS = REPO / "test-artifacts"
SERVER_START_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_healthy(url: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with {server.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # polling the server's health endpoint, not waiting on the page
    raise RuntimeError(f"streamlit did not answer /_stcore/health within {SERVER_START_SECONDS} s:\n"
                       f"{log_path.read_text()}")


def _skip_without_chromium() -> None:
    """Skip a browser test where Chromium is missing, but fail it in CI (``CI=true``): a green CI must have run them."""
    if CHROMIUM.exists():
        return
    message = f"Chromium not found at {CHROMIUM}: run `apt-get install -y chromium` to enable browser tests"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def streamlit_server(script: Path = REPO / "app.py", env: dict[str, str] | None = None) -> Iterator[str]:
    """Run `streamlit run <script>` headless on a free port from the repository root; yield its URL; stop it.

    ``env`` adds environment variables for the server (e.g. TRM_STUDIO_CHECKPOINTS).
    """
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    # The repository root goes on the path so scripts outside it (a test's tmp_path) can import app_ui and trm.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
           **(env or {})}
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
               "--browser.gatherUsageStats", "false", "--global.developmentMode", "false"]
    with tempfile.NamedTemporaryFile("w+", suffix=".log", prefix="streamlit-", delete=False) as log:
        log_path = Path(log.name)
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_healthy(url, server, log_path)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log_path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def streamlit_url() -> Iterator[str]:
    """URL of one `streamlit run app.py` server shared by the session's browser tests."""
    _skip_without_chromium()
    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="session")
def model_streamlit_url(tmp_path_factory) -> Iterator[str]:
    """URL of a server whose Solve page finds tiny untrained 4x4 and 9x9 checkpoints (made here) and no runs."""
    _skip_without_chromium()
    import torch

    from trm.checkpoint import save_model
    from trm.model.config import ModelConfig
    from trm.model.trm import TinyRecursiveModel

    root = tmp_path_factory.mktemp("models")
    for size, steps in ((4, 6), (9, 8)):
        config = ModelConfig(grid_size=size, hidden_size=64, answer_cycles=2, latent_steps=3,
                             max_supervision_steps=steps, prefix_len=2)
        model = TinyRecursiveModel(config, torch.Generator().manual_seed(size))
        with torch.no_grad():  # a random Q-head, so P(halt) varies over the steps (it is ~0.007 at init)
            model.q_head.weight.normal_(0.0, 0.1, generator=torch.Generator().manual_seed(size))
            model.q_head.bias.zero_()
        save_model(root / "checkpoints" / f"tiny{size}-untrained", model, {"step": 0})
    (root / "runs").mkdir()
    env = {"TRM_STUDIO_CHECKPOINTS": str(root / "checkpoints"), "TRM_STUDIO_RUNS": str(root / "runs"),
           "TRM_STUDIO_CACHE": str(root / "cache"), "TRM_COMPILE": "0"}
    with streamlit_server(env=env) as url:
        yield url


@pytest.fixture
def fresh_streamlit_url() -> Iterator[str]:
    """URL of a server no browser has visited yet (for first-visit behaviour such as deep links)."""
    _skip_without_chromium()
    with streamlit_server() as url:
        yield url


@pytest.fixture
def streamlit_script_url(tmp_path) -> Callable[[str], AbstractContextManager[str]]:
    """Serve a small Streamlit script (source text) written to tmp_path: `with streamlit_script_url(src) as url`."""
    _skip_without_chromium()

    def serve(source: str) -> AbstractContextManager[str]:
        script = tmp_path / "script_app.py"
        script.write_text(source, encoding="utf-8")
        return streamlit_server(script)

    return serve


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Debian Chromium for the session."""
    _skip_without_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request) -> Iterator[object]:
    """A fresh page (1280x900, light theme); saves a screenshot if the test fails."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"FAILED-{request.node.name}.png", full_page=True)
    context.close()


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot of ``page`` as test-artifacts/<name>; returns its path."""

    def save(name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        page.screenshot(path=path, full_page=True)
        return path

    return save


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item so the `page` fixture knows whether the test failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def sudoku4_data(tmp_path_factory) -> Path:
    """A 4x4 data set (train.npz + test.npz) built once per test session, for tiny training runs."""
    from trm.data import build

    folder = tmp_path_factory.mktemp("sudoku4") / "data"
    build(4, folder, is_progress_shown=False)
    return folder


def stop_live_runs(runs_root: Path) -> None:
    """Kill (SIGKILL) every training process still writing a run under ``runs_root``; for test teardown."""
    import signal

    from trm.runs import list_runs

    for run in list_runs(runs_root):
        if run.pid is not None:
            os.kill(run.pid, signal.SIGKILL)


@pytest.fixture
def train_streamlit_url(tmp_path, tmp_path_factory) -> Iterator[str]:
    """URL of a server whose Train page keeps runs in tmp_path/runs, exports to tmp_path/checkpoints and reads
    data sets from the session's temporary folder (which holds ``sudoku4_data``)."""
    _skip_without_chromium()
    env = {"TRM_STUDIO_RUNS": str(tmp_path / "runs"), "TRM_STUDIO_CHECKPOINTS": str(tmp_path / "checkpoints"),
           "TRM_STUDIO_DATA": str(tmp_path_factory.getbasetemp())}
    try:
        with streamlit_server(env=env) as url:
            yield url
    finally:
        stop_live_runs(tmp_path / "runs")


@pytest.fixture
def train_runs_root(tmp_path, tmp_path_factory, monkeypatch) -> Iterator[Path]:
    """A runs root in tmp_path (TRM_STUDIO_RUNS; checkpoints go to tmp_path/checkpoints; the data root is the
    session's temporary folder, which holds ``sudoku4_data``); live runs killed after."""
    root = tmp_path / "runs"
    monkeypatch.setenv("TRM_STUDIO_RUNS", str(root))
    monkeypatch.setenv("TRM_STUDIO_DATA", str(tmp_path_factory.getbasetemp()))
    monkeypatch.setenv("TRM_STUDIO_CHECKPOINTS", str(tmp_path / "checkpoints"))
    yield root
    stop_live_runs(root)


@pytest.fixture(scope="session")
def train_data_9x9(tmp_path_factory) -> Path:
    """A tiny 9x9 data set (64 training, 32 held-out puzzles) for training runs that only test the machinery."""
    from trm.data import save_split
    from trm.sudoku.csv_io import PuzzleTable, read_puzzle_csv

    table = read_puzzle_csv(Path(__file__).resolve().parents[1] / "assets" / "puzzles" /
                            "sudoku_extreme_train_1k.csv", limit=96)
    folder = tmp_path_factory.mktemp("data9")
    save_split(folder, "train", PuzzleTable(table.shape, table.puzzles[:64], table.solutions[:64]))
    save_split(folder, "test", PuzzleTable(table.shape, table.puzzles[64:], table.solutions[64:]))
    return folder


TINY4 = ModelConfig(grid_size=4, hidden_size=32, answer_cycles=2, latent_steps=2, max_supervision_steps=4,
                    prefix_len=2)  # an untrained 4x4 model that every page can load in a moment


@pytest.fixture
def tiny4_roots(tmp_path, monkeypatch) -> Path:
    """The app's folders in tmp_path, with one untrained 4x4 checkpoint (``checkpoints/tiny4``) and no runs."""
    save_model(tmp_path / "checkpoints" / "tiny4", TinyRecursiveModel(TINY4, torch.Generator().manual_seed(0)), {})
    (tmp_path / "runs").mkdir()
    for name, value in (("TRM_STUDIO_CHECKPOINTS", tmp_path / "checkpoints"), ("TRM_STUDIO_RUNS", tmp_path / "runs"),
                        ("TRM_STUDIO_CACHE", tmp_path / "cache"), ("TRM_COMPILE", "0")):
        monkeypatch.setenv(name, str(value))
    return tmp_path
