"""Shared fixtures for the browser tests: the built site on a free port, Debian's Chromium
through Playwright, and a ``page`` that fails its test on any page error, console error,
failed request or request to another origin.

``./build.sh test`` builds ``dist/site`` before running these; a missing build fails loudly
(never skips). Test pages of our own (e.g. for the worker client) are served from
``tests/browser/pages/`` under ``/__tests__/``, same origin as the site.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "dist" / "site"
TEST_PAGES = Path(__file__).resolve().parent / "pages"
sys.path.insert(0, str(ROOT / "tools"))
from serve import serve_in_thread  # noqa: E402  (tools/ is not a package)

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
READY_TIMEOUT_MS = 60_000


@pytest.fixture(scope="session")
def site_dir() -> Path:
    if not (SITE / "index.html").is_file() or not (SITE / "py" / "manifest.json").is_file():
        pytest.fail(f"{SITE} is not built: run ./build.sh (./build.sh test builds first).")
    return SITE


@pytest.fixture(scope="session")
def base_url(site_dir: Path) -> str:
    server, url = serve_in_thread(site_dir, mounts={"/__tests__/": str(TEST_PAGES)})
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (./build.sh test does it).")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


class PageWatch:
    """Everything a page did wrong: errors, console errors, failed or foreign requests."""

    def __init__(self, page: Page, base_url: str):
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []
        self.failed_requests: list[str] = []
        self.foreign_requests: list[str] = []
        self.requests: list[str] = []
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("console", self._console)
        page.on("requestfailed", lambda r: self.failed_requests.append(f"{r.url} ({r.failure})"))
        page.on("response", self._response)
        page.context.on("request", self._request)  # includes worker and service-worker requests

    def _console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def _request(self, request) -> None:
        self.requests.append(request.url)
        scheme = urlsplit(request.url).scheme
        if scheme in ("data", "blob"):
            return
        if not request.url.startswith(self.origin + "/"):
            self.foreign_requests.append(request.url)

    def _response(self, response) -> None:
        if response.status >= 400:
            self.failed_requests.append(f"{response.url} (HTTP {response.status})")

    def problems(self) -> list[str]:
        return ([f"page error: {e}" for e in self.page_errors]
                + [f"console error: {e}" for e in self.console_errors]
                + [f"failed request: {r}" for r in self.failed_requests]
                + [f"request to another origin: {r}" for r in self.foreign_requests])


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


@pytest.fixture
def watched_page(context, base_url):
    """A page and its PageWatch, without failing on problems (for tests that expect some)."""
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page, PageWatch(page, base_url)


@pytest.fixture
def page(watched_page):
    """A page that fails the test on any error, console error, failed or foreign request."""
    page, watch = watched_page
    yield page
    problems = watch.problems()
    if problems:
        pytest.fail("The page reported problems:\n  " + "\n  ".join(problems))


def wait_ready(page: Page, timeout_ms: int = READY_TIMEOUT_MS) -> None:
    """Wait for ``body[data-phase=ready]``; fail at once (with the page's alert) on ``error``."""
    page.wait_for_selector("body[data-phase=ready], body[data-phase=error]", state="attached",
                           timeout=timeout_ms)
    phase = page.get_attribute("body", "data-phase")
    if phase != "ready":
        alerts = page.locator("[role=alert]").all_inner_texts()
        pytest.fail(f"The page reached data-phase={phase!r}, not 'ready'. Alerts: {alerts}")


@pytest.fixture
def ready_page(page: Page, base_url: str) -> Page:
    """The app, loaded and ready to predict."""
    page.goto(base_url)
    wait_ready(page)
    return page


def goto_started(page, base_url):
    """Open the page and wait until its modules have run (they await the catalogues and the
    settings first, which can end after the load event): the language picker is filled by the
    same code that starts the views, so the upload field and the pad listen by then."""
    page.goto(base_url)
    page.locator("#lang-select option").first.wait_for(state="attached")
