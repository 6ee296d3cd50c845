"""Boot: Python starts in a Web Worker, the page shows each loading stage, reaches ready,
talks to nobody else, and shows a visible alert (not a silent death) when Python fails."""

from __future__ import annotations

from conftest import wait_ready


def test_boot_reaches_ready_and_shows_the_loading_stages(page, base_url):
    statuses: list[str] = []
    page.expose_function("recordStatus", lambda text: statuses.append(text))
    page.add_init_script("""
        new MutationObserver(() => {
            const el = document.getElementById('load-text');
            if (el) window.recordStatus(el.textContent);
        }).observe(document, {subtree: true, childList: true, characterData: true});
    """)
    page.goto(base_url)
    wait_ready(page)
    stages = page.locator("#load-stages [data-stage]")
    names = stages.evaluate_all("els => els.map(e => [e.dataset.stage, e.dataset.state])")
    assert [n for n, _ in names] == ["runtime", "numpy", "package", "models"]
    assert all(state == "done" for _, state in names), names
    seen = " | ".join(statuses)
    for word in ("Python", "NumPy", "backproplab", "models", "Ready"):
        assert word in seen, f"{word!r} never shown while loading: {seen}"


def test_boot_requests_only_the_sites_own_origin(watched_page, base_url):
    page, watch = watched_page
    page.goto(base_url)
    wait_ready(page)
    assert watch.foreign_requests == []
    loaded = " ".join(watch.requests)
    for part in ("vendor/pyodide/pyodide.asm.wasm", "numpy-", "py/backproplab-",
                 "data/mnist-10k.npz", "models/index.json"):
        assert part in loaded, f"{part} was never requested"
    assert watch.problems() == []


def test_a_python_error_during_boot_becomes_a_visible_alert(watched_page, base_url):
    page, watch = watched_page
    # A corrupt digits file: NumPy refuses it inside Python's init handler.
    page.route("**/data/mnist-10k.npz",
               lambda route: route.fulfill(status=200, body=b"not an npz file",
                                           content_type="application/octet-stream"))
    page.goto(base_url)
    page.wait_for_selector("body[data-phase=error]", state="attached", timeout=60_000)
    alert = page.locator("[role=alert]")
    assert alert.is_visible()
    text = alert.inner_text()
    assert "Python could not start" in text
    assert "mnist-10k.npz" in text or "pickle" in text or "zip" in text.lower(), text
    assert page.locator("#load-retry").is_visible()
    assert watch.page_errors == []
