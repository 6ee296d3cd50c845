"""The worker protocol in a real browser: web/js/client.js <-> web/js/worker.js <-> Python.

Replies are matched by id, bytes come back as Uint8Array, Python's errors reject the call with
their name and message, and a worker that dies, hangs or never boots is handled by the
client (restart, onCrash, timeout, retry) instead of leaving the page waiting forever.
"""

from __future__ import annotations

import pytest

CLIENT_PAGE = "__tests__/client.html"


@pytest.fixture
def client_page(page, base_url):
    page.goto(base_url + CLIENT_PAGE)
    page.wait_for_function("window.clientLoaded === true")
    return page


@pytest.fixture
def python_client(client_page):
    """The page with ``window.client``: a real worker, booted (Python, NumPy, models)."""
    client_page.evaluate("""async () => {
        window.stages = [];
        window.client = window.createClient({ onStatus: (e) => window.stages.push(e.stage) });
        window.info = await window.client.ready;
    }""")
    return client_page


def test_boot_reports_every_stage_then_what_python_loaded(python_client):
    stages = python_client.evaluate("window.stages")
    assert stages == ["runtime", "numpy", "package", "models", "ready"]
    info = python_client.evaluate("window.info")
    assert info["dataset"]["n_train"] == 8000
    assert info["in_use"]["class_names"] == [str(d) for d in range(10)]
    assert info["in_use"]["models"]["mlp"]["layer_sizes"][0] == 784
    assert info["in_use"]["models"]["knn"]["n_train"] == 8000


def test_predict_returns_typed_bytes_probabilities_and_neighbours(python_client):
    result = python_client.evaluate("""async () => {
        // a vertical bar, white on black, as 28x28 bytes
        const pixels = new Uint8Array(784);
        for (let r = 5; r < 23; r++) for (let c = 12; c < 16; c++) pixels[r * 28 + c] = 255;
        const res = await window.client.call("predict", { pixels }, [pixels.buffer]);
        return {
            sentDetached: pixels.byteLength === 0,
            image28: [res.image28.constructor.name, res.image28.length, res.image28[5 * 28 + 13]],
            mlpLabel: res.mlp.label,
            sum: res.mlp.probabilities.reduce((a, b) => a + b, 0),
            nProb: res.mlp.probabilities.length,
            knnLabel: res.knn.label,
            neighbours: res.knn.neighbours.map((n) => [n.pixels.constructor.name, n.pixels.length,
                                                       typeof n.distance, n.label]),
        };
    }""")
    assert result["sentDetached"]  # the pixels were transferred, not copied
    assert result["image28"] == ["Uint8Array", 784, 255]
    assert result["nProb"] == 10 and abs(result["sum"] - 1) < 1e-5
    assert result["mlpLabel"] == 1 and result["knnLabel"] == 1
    assert len(result["neighbours"]) == 4
    assert all(n[:3] == ["Uint8Array", 784, "number"] for n in result["neighbours"])


def test_concurrent_calls_get_their_own_replies(python_client):
    labels = python_client.evaluate("""async () => {
        const bar = (horizontal) => {
            const p = new Uint8Array(784);
            for (let a = 5; a < 23; a++) for (let b = 12; b < 16; b++)
                p[horizontal ? b * 28 + a : a * 28 + b] = 255;
            return p;
        };
        const calls = [false, true, false, true].map((h) =>
            window.client.call("predict", { pixels: bar(h) }).then((r) => r.image28[13 * 28 + 6]));
        return Promise.all(calls);
    }""")
    assert labels == [0, 255, 0, 255]  # row 13, column 6 is inked only in horizontal bars


def test_a_python_error_rejects_the_call_with_its_name_and_message(python_client):
    error = python_client.evaluate("""async () => {
        try { await window.client.call("predict", { pixels: new Uint8Array(10) }); return null; }
        catch (e) { return [e.name, e.message]; }
    }""")
    assert error == ["ProtocolError", "Expected pixels with 784 bytes (28×28). Got 10."]
    unknown = python_client.evaluate("""async () => {
        try { await window.client.call("no_such_request", {}); return null; }
        catch (e) { return [e.name, e.message]; }
    }""")
    assert unknown[0] == "ProtocolError" and "Unknown request type 'no_such_request'" in unknown[1]
    # the worker is still fine afterwards
    assert python_client.evaluate("window.client.call('ping', {}).then((r) => r.version)") == "0.1.0"


def test_a_dead_worker_rejects_pending_calls_restarts_and_signals_on_crash(watched_page, base_url):
    page, watch = watched_page
    page.goto(base_url + CLIENT_PAGE)
    page.wait_for_function("window.clientLoaded === true")
    outcome = page.evaluate("""async () => {
        const crashes = [];
        const client = window.createClient({
            workerUrl: "/__tests__/fake-worker.js?boot=ready",
            onCrash: (e) => crashes.push(e.message),
        });
        const first = await client.ready;
        const pending = client.call("hang", {}).catch((e) => [e.name, e.message]);
        client.call("die", {}).catch(() => {});
        const rejected = await pending;
        const second = await client.ready;  // a fresh worker
        const echo = await client.call("echo", { x: 1 });
        return { first, rejected, second, echo, crashes };
    }""")
    assert outcome["first"] == {"fake": True} and outcome["second"] == {"fake": True}
    assert outcome["rejected"][0] == "WorkerCrashed"
    assert "fake worker died" in outcome["rejected"][1]
    assert outcome["crashes"] and "fake worker died" in outcome["crashes"][0]
    assert outcome["echo"] == {"x": 1}
    assert watch.page_errors == []


def test_a_call_without_reply_times_out_and_the_worker_is_replaced(client_page):
    outcome = client_page.evaluate("""async () => {
        const crashes = [];
        const client = window.createClient({
            workerUrl: "/__tests__/fake-worker.js?boot=ready",
            onCrash: (e) => crashes.push(e.message),
        });
        await client.ready;
        const error = await client.call("hang", {}, [], { timeoutMs: 200 })
            .then(() => null, (e) => [e.name, e.message]);
        await client.ready;
        const echo = await client.call("echo", { y: 2 });
        return { error, echo, crashes: crashes.length };
    }""")
    assert outcome["error"] == ["TimeoutError", "Python did not answer 'hang' within 0.2 s."]
    assert outcome["echo"] == {"y": 2} and outcome["crashes"] == 1


def test_a_boot_that_never_finishes_is_retried_then_rejected(client_page):
    outcome = client_page.evaluate("""async () => {
        const statuses = [];
        const client = window.createClient({
            workerUrl: "/__tests__/fake-worker.js?boot=never",
            bootTimeoutMs: 300, bootAttempts: 2,
            onStatus: (e) => statuses.push(e.message),
        });
        const error = await client.ready.then(() => null, (e) => [e.name, e.message]);
        client.close();
        return { error, statuses };
    }""")
    assert outcome["error"][0] == "BootTimeout"
    assert "did not start within" in outcome["error"][1]
    assert any("Retrying (attempt 2)" in s for s in outcome["statuses"])
