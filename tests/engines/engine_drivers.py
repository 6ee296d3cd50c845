"""Firefox and WebKit (Safari's engine) for the engine smoke tests and ``bench_engines.py``.

One small interface, two harnesses, because no one library drives both Debian browsers here:

* Firefox: Debian's ``firefox-esr`` through Playwright for Python (WebDriver BiDi; Playwright is
  pinned to 1.64.1 in pyproject.toml: 1.65 sends a BiDi command Firefox ESR does not know).
* WebKit: Debian's ``WebKitWebDriver`` (webkit2gtk-driver) driving ``MiniBrowser`` through
  Selenium. No headless mode (``./build.sh test`` runs it under ``xvfb-run``) and no BiDi, so
  everything is read from the DOM with ``execute_script``.

The tests use only: ``goto``, ``js``, ``wait_js``, ``click``, ``draw``, ``upload``, ``download``,
``reload``, ``close``. ``js`` takes a JavaScript function expression, e.g. ``"(s) => ..."``.
"""

from __future__ import annotations

import base64
import glob
import os
import shutil
import tempfile
import time
from pathlib import Path

FIREFOX = "/usr/bin/firefox-esr"
WEBKIT_DRIVER = "/usr/bin/WebKitWebDriver"
MINIBROWSER_GLOBS = ["/usr/lib/*/webkit2gtk-4.1/MiniBrowser", "/usr/lib/*/webkit2gtk-4.0/MiniBrowser",
                     "/usr/libexec/webkit2gtk-4.1/MiniBrowser"]
ENGINES = ("firefox", "webkit")
DEBIAN_PACKAGES = {"firefox": "firefox-esr", "webkit": "webkit2gtk-driver xvfb"}


def minibrowser() -> str | None:
    for pattern in MINIBROWSER_GLOBS:
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


def missing(engine: str) -> str | None:
    """Why ``engine`` cannot run here, or None."""
    if engine == "firefox":
        return None if Path(FIREFOX).exists() else f"{FIREFOX} is missing"
    if engine == "webkit":
        if not Path(WEBKIT_DRIVER).exists():
            return f"{WEBKIT_DRIVER} is missing"
        if not minibrowser():
            return "WebKitGTK's MiniBrowser is missing (package libwebkit2gtk-4.1-0)"
        if not os.environ.get("DISPLAY"):
            return "WebKit needs a display: run under xvfb-run"
        return None
    return f"unknown engine {engine!r} (one of {', '.join(ENGINES)})"


class Engine:
    name = ""

    def js(self, fn: str, *args):
        raise NotImplementedError

    def wait_js(self, fn: str, *args, timeout: float = 30, what: str = "") -> object:
        """Poll ``fn(*args)`` in the page until it returns something truthy; return it."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.js(fn, *args)
            except Exception:  # noqa: BLE001  (a navigation in progress)
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: waited {timeout:.0f} s for {what or fn}")
            time.sleep(0.2)

    def wait_selector(self, selector: str, timeout: float = 30) -> None:
        self.wait_js("(s) => !!document.querySelector(s)", selector, timeout=timeout, what=selector)

    def attr(self, selector: str, name: str):
        return self.js("(s, n) => document.querySelector(s)?.getAttribute(n) ?? null", selector, name)

    def box(self, selector: str) -> dict:
        return self.js("""(s) => { const e = document.querySelector(s); e.scrollIntoView({block: "center"});
                          const r = e.getBoundingClientRect();
                          return {x: r.x, y: r.y, width: r.width, height: r.height}; }""", selector)

    def download(self, selector: str, timeout: float = 60) -> tuple[str, bytes]:
        """Click ``selector`` and return the file the page hands the browser (name, bytes).

        Read in the page, not from disk: neither harness saves downloads here (Playwright's
        download event does not fire over Firefox's BiDi; WebKitWebDriver has no download
        support). The page's blobs are noted as it makes their URLs; a capturing listener takes
        the ``<a download>`` the page clicks, cancels the save and reads that blob: the page's
        file is checked, the browser's saving of it is not."""
        self.js("""() => { window.__downloads = []; const blobs = new Map();
            const make = URL.createObjectURL;
            URL.createObjectURL = (obj) => { const url = make(obj); blobs.set(url, obj); return url; };
            document.addEventListener("click", (e) => {
              const a = e.target.closest?.("a[download]");
              if (!a) return;
              e.preventDefault();
              const blob = blobs.get(a.href);
              const entry = { name: a.download, data: null };
              window.__downloads.push(entry);
              const reader = new FileReader();
              reader.onload = () => { entry.data = reader.result; };
              reader.onerror = () => { entry.data = "error: " + reader.error; };
              if (blob) reader.readAsDataURL(blob); else entry.data = "error: not a blob URL of this page";
            }, true); }""")
        self.click(selector)
        got = self.wait_js("() => window.__downloads.find((d) => d.data) || null", timeout=timeout,
                           what="a download")
        b64 = got["data"]
        assert b64.startswith("data:"), b64
        return got["name"], base64.b64decode(b64.split(",", 1)[1])


class FirefoxEngine(Engine):
    name = "firefox"

    def __init__(self):
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self.browser = self._pw.firefox.launch(channel="moz-firefox", executable_path=FIREFOX, headless=True)
        self.context = self.browser.new_context(viewport={"width": 1280, "height": 900},
                                                accept_downloads=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def goto(self, url: str) -> None:
        self.page.goto(url)

    def reload(self) -> None:
        self.page.reload()

    def js(self, fn: str, *args):
        return self.page.evaluate(f"(args) => ({fn})(...args)", list(args))

    def click(self, selector: str) -> None:
        self.page.click(selector)

    def draw(self, selector: str, strokes, steps: int = 6) -> None:
        b = self.box(selector)
        xy = lambda p: (b["x"] + p[0] * b["width"], b["y"] + p[1] * b["height"])  # noqa: E731
        for stroke in strokes:
            self.page.mouse.move(*xy(stroke[0]))
            self.page.mouse.down()
            for p in stroke[1:]:
                self.page.mouse.move(*xy(p), steps=steps)
            self.page.mouse.up()

    def upload(self, selector: str, path: str) -> None:
        self.page.set_input_files(selector, path)

    def close(self) -> None:
        for step in (self.context.close, self.browser.close, self._pw.stop):
            try:
                step()
            except Exception:  # noqa: BLE001
                pass


class WebKitEngine(Engine):
    name = "webkit"

    def __init__(self):
        from selenium import webdriver
        from selenium.webdriver.webkitgtk.options import Options
        from selenium.webdriver.webkitgtk.service import Service

        self.downloads = Path(tempfile.mkdtemp(prefix="backproplab-webkit-"))
        options = Options()
        options.binary_location = minibrowser()
        options.add_argument("--automation")
        self.driver = webdriver.WebKitGTK(options=options, service=Service(executable_path=WEBKIT_DRIVER))
        self.driver.set_window_size(1280, 900)
        self.driver.set_script_timeout(60)
        self.errors: list[str] = []

    def goto(self, url: str) -> None:
        self.driver.get(url)

    def reload(self) -> None:
        self.driver.refresh()

    def js(self, fn: str, *args):
        return self.driver.execute_script(f"return ({fn})(...arguments);", *args)

    def _element(self, selector: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def click(self, selector: str) -> None:
        element = self._element(selector)
        self.js("(e) => e.scrollIntoView({block: 'center'})", element)
        element.click()

    def draw(self, selector: str, strokes, steps: int = 6) -> None:
        from selenium.webdriver.common.action_chains import ActionChains

        element = self._element(selector)
        b = self.box(selector)
        # offsets from the element's centre (Selenium 4), whole pixels
        off = lambda p: (round((p[0] - 0.5) * b["width"]), round((p[1] - 0.5) * b["height"]))  # noqa: E731
        for stroke in strokes:
            chain = ActionChains(self.driver, duration=20)
            chain.move_to_element_with_offset(element, *off(stroke[0])).click_and_hold()
            for a, p in zip(stroke, stroke[1:]):
                for i in range(1, steps + 1):
                    t = i / steps
                    chain.move_to_element_with_offset(
                        element, *off((a[0] + t * (p[0] - a[0]), a[1] + t * (p[1] - a[1]))))
            chain.release().perform()

    def upload(self, selector: str, path: str) -> None:
        self._element(selector).send_keys(path)

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.downloads, ignore_errors=True)


def launch(engine: str) -> Engine:
    return {"firefox": FirefoxEngine, "webkit": WebKitEngine}[engine]()
