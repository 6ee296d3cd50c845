"""The engine smoke tests: one engine per pytest run, ``--engine firefox`` or ``--engine webkit``
(``./build.sh test`` runs both after the Chromium suite, WebKit under ``xvfb-run``).

``tests/browser`` stays Chromium through Playwright; these run a smaller set of the same
journeys in Firefox and WebKit, the engines a school's Firefox and Safari use. A missing
browser fails loudly (never skips): ``./build.sh test`` installs them.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "dist" / "site"
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import serve_in_thread  # noqa: E402  (tools/ is not a package)
from engine_drivers import ENGINES, launch, missing  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--engine", default="firefox", choices=ENGINES,
                     help="browser engine for tests/engines (default firefox)")


def pytest_report_header(config):
    return f"engine: {config.getoption('--engine')}"


@pytest.fixture(scope="session")
def engine_name(pytestconfig) -> str:
    return pytestconfig.getoption("--engine")


@pytest.fixture(scope="session")
def site_dir() -> Path:
    if not (SITE / "index.html").is_file() or not (SITE / "py" / "manifest.json").is_file():
        pytest.fail(f"{SITE} is not built: run ./build.sh (./build.sh test builds first).")
    return SITE


@pytest.fixture(scope="session")
def base_url(site_dir: Path) -> str:
    server, url = serve_in_thread(site_dir)
    yield url
    server.shutdown()
    server.server_close()


TEST_TIMEOUT_S = 240  # a hung driver call fails its test instead of the whole run


@pytest.fixture(autouse=True)
def _watchdog():
    def timeout(signum, frame):
        raise TimeoutError(f"the test took over {TEST_TIMEOUT_S} s (a hung browser or driver call?)")
    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(TEST_TIMEOUT_S)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def browser(engine_name):
    """A fresh browser (empty profile, so a cold cache and no service worker) per test."""
    why = missing(engine_name)
    if why:
        pytest.fail(f"{engine_name}: {why}. ./build.sh test installs it (Debian packages, as root).")
    engine = launch(engine_name)
    yield engine
    errors = list(engine.errors)
    engine.close()
    if errors:
        pytest.fail(f"{engine_name} reported problems:\n  " + "\n  ".join(errors))
