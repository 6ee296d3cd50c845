"""Training speed (``./build.sh bench``): the default MLP (784-128-10, ReLU, softmax
cross-entropy, batch 128, float32) on MNIST-10k, in the page's own Web Worker (Pyodide, through
``client.js`` and the same ``train_start`` / ``train_steps`` requests the Train view sends) and,
for comparison, the same requests in this CPython process.

Two numbers per runtime:
- *steps*: optimizer steps only (forward, backward, update over uint8 batches), timed inside
  one epoch so no evaluation is included; the best of ``--repeats`` runs;
- *run*: a whole ``--epochs`` training run as the page shows it (samples/s of the progress
  bar, including the test-set evaluation at each epoch end).

The peer, in the same headless Chromium and the same run: the same workload in TensorFlow.js
(``@tensorflow/tfjs`` and ``@tensorflow/tfjs-backend-wasm``, pinned npm devDependencies served
from node_modules, never part of the site; wasm backend, SIMD, one thread), timed the same way
(``tests/bench/peer/tfjs.html``); its *run* evaluates the test set once, at the end.

Target: >= 15 000 samples/s for *steps* in the page's worker. The matrix product in use is
printed in brackets: ``cblas`` (Pyodide's OpenBLAS, loaded by the worker when training first
runs; the bench runs a step, then waits for it), ``einsum`` (fallback), ``blas`` (CPython).

    python tests/bench/bench_training.py [--repeats 3] [--epochs 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from serve import serve_in_thread  # noqa: E402
from conftest import CHROMIUM, LAUNCH_ARGS, SITE, TEST_PAGES  # noqa: E402

PEER_PAGES = Path(__file__).resolve().parent / "peer"  # tfjs.html: the TF.js peer
TARGET = 15_000
SETTINGS = {"dataset": "digits", "hidden": "128", "activation": "relu",
            "loss": "softmax_cross_entropy", "lr": 0.003, "batch": 128, "optimizer": "adam",
            "seed": 0, "k": 3, "deskew": False}
WARMUP_STEPS = 3
TIMED_STEPS = 55  # 3 + 55 < 63 steps per epoch: no epoch-end evaluation inside the timing

# Runs in tests/browser/pages/bench.html (window.bench.client is a client.js client).
PAGE_JS = """async ({settings, warmup, timed, repeats, epochs}) => {
  const { client } = window.bench;
  const steps = [];
  // the worker loads OpenBLAS when training first runs: one step, then wait (up to 20 s)
  // until matmul uses it
  await client.call("train_start", { ...settings, epochs: 1 });
  await client.call("train_steps", { steps: 1 });
  let matmul = "";
  for (let i = 0; i < 40 && matmul !== "cblas"; i++) {
    matmul = (await client.call("train_start", { ...settings, epochs: 1 })).matmul;
    if (matmul !== "cblas") await new Promise((r) => setTimeout(r, 500));
  }
  for (let r = 0; r < repeats; r++) {
    await client.call("train_start", { ...settings, epochs: 1 });
    await client.call("train_steps", { steps: warmup });
    const t0 = performance.now();
    await client.call("train_steps", { steps: timed });
    const wall = (performance.now() - t0) / 1000;
    steps.push({ wall, samples: timed * settings.batch });
  }
  await client.call("train_start", { ...settings, epochs });
  const t0 = performance.now();
  let p;
  do { p = await client.call("train_steps", { budget_ms: 80 }); } while (!p.done);
  const wall = (performance.now() - t0) / 1000;
  return { matmul, steps, run: { samples_per_s: p.samples_per_s, wall, seconds: p.seconds,
                         test_accuracy: p.test_accuracy, samples: p.samples_seen } };
}"""


def in_page(browser, url: str, repeats: int, epochs: int) -> dict:
    page = browser.new_page()
    page.goto(url + "__tests__/bench.html")
    page.wait_for_function("window.bench && window.bench.ready", timeout=90_000)
    result = page.evaluate(PAGE_JS, {"settings": SETTINGS, "warmup": WARMUP_STEPS,
                                     "timed": TIMED_STEPS, "repeats": repeats, "epochs": epochs})
    page.close()
    return result


def write_split(folder: Path) -> None:
    """The digits split the page trains on (the data module's stratified 80/20, seed 0), as
    raw bytes for the TF.js page: x_train.u8 (n*784), y_train.u8 (n), x_test.u8, y_test.u8."""
    from backproplab import datasets

    X, y = datasets.load_digits(SITE / "data" / "mnist-10k.npz")
    train_idx, test_idx = datasets.stratified_split(y, 0.2, SETTINGS["seed"])
    for name, idx in (("train", train_idx), ("test", test_idx)):
        (folder / f"x_{name}.u8").write_bytes(X[idx].astype(np.uint8).tobytes())
        (folder / f"y_{name}.u8").write_bytes(y[idx].astype(np.uint8).tobytes())


def in_tfjs(browser, url: str, repeats: int, epochs: int) -> dict:
    """The same workload in TensorFlow.js (wasm backend, one thread, as GitHub Pages allows:
    no cross-origin isolation, so no threads), in the same browser, after ours."""
    page = browser.new_page()
    page.goto(url + "__peer__/tfjs.html")
    page.wait_for_function("window.peerReady === true", timeout=60_000)
    result = page.evaluate("(s) => window.peer(s)", {
        "hidden": int(SETTINGS["hidden"]), "lr": SETTINGS["lr"], "batch": SETTINGS["batch"],
        "warmup": WARMUP_STEPS, "timed": TIMED_STEPS, "repeats": repeats, "epochs": epochs,
        "seed": SETTINGS["seed"] + 1})
    page.close()
    result["matmul"] = (f"TF.js {result['version']}, {result['backend']}, "
                        f"{'SIMD, ' if result['simd'] else ''}{result['threads']} thread")
    return result


def in_browser(repeats: int, epochs: int) -> tuple[dict, dict]:
    """Ours (the page's worker), then TF.js, in one headless Chromium."""
    with tempfile.TemporaryDirectory() as data:
        write_split(Path(data))
        server, url = serve_in_thread(SITE, mounts={
            "/__tests__/": str(TEST_PAGES), "/__peer__/": str(PEER_PAGES),
            "/__tfjs__/": str(ROOT / "node_modules" / "@tensorflow"), "/__data__/": data})
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
                ours = in_page(browser, url, repeats, epochs)
                peer = in_tfjs(browser, url, repeats, epochs)
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return ours, peer


def in_cpython(repeats: int, epochs: int) -> dict:
    from backproplab.api import Session, handle

    def call(session, type_, **fields):
        reply = handle({"id": 0, "type": type_, **fields}, session)
        if not reply["ok"]:
            raise RuntimeError(reply["error"]["message"])
        return reply["result"]

    from backproplab import linalg

    session = Session()
    session.data_dir = str(SITE / "data")
    steps = []
    for _ in range(repeats):
        call(session, "train_start", **SETTINGS, epochs=1)
        call(session, "train_steps", steps=WARMUP_STEPS)
        t0 = time.perf_counter()
        call(session, "train_steps", steps=TIMED_STEPS)
        steps.append({"wall": time.perf_counter() - t0, "samples": TIMED_STEPS * SETTINGS["batch"]})
    call(session, "train_start", **SETTINGS, epochs=epochs)
    t0 = time.perf_counter()
    p = call(session, "train_steps", steps=10 ** 6)
    return {"matmul": linalg.backend(), "steps": steps, "run": {"samples_per_s": p["samples_per_s"],
                                    "wall": time.perf_counter() - t0, "seconds": p["seconds"],
                                    "test_accuracy": p["test_accuracy"],
                                    "samples": p["samples_seen"]}}


def report(name: str, result: dict) -> float:
    best = max(s["samples"] / s["wall"] for s in result["steps"])
    run = result["run"]
    print(f"{name:22s} [{result['matmul']}] steps {best:9,.0f} samples/s (best of {len(result['steps'])})   "
          f"run {run['samples_per_s']:9,.0f} samples/s, {run['seconds']:.2f} s, "
          f"test accuracy {run['test_accuracy']:.4f}")
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args(argv)
    if not (SITE / "py" / "manifest.json").is_file():
        print(f"{SITE} is not built: run ./build.sh first.", file=sys.stderr)
        return 2
    print(f"Training speed: the page default, MLP 784-128-10 ReLU, softmax CE, batch 128, float32, Adam; "
          f"MNIST-10k (8000 train / 2000 test); {os.cpu_count()} CPU cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    ours, peer = in_browser(args.repeats, args.epochs)
    page = report("page worker (Pyodide)", ours)
    tfjs = report("TF.js in the same page", peer)
    cpy = report("CPython (NumPy BLAS)", in_cpython(args.repeats, args.epochs))
    verdict = "meets" if page >= TARGET else "MISSES"
    print(f"ours / TF.js (steps, same headless Chromium): {page / tfjs:.2f}x")
    print(f"page / CPython: {page / cpy:.2f}x   target >= {TARGET:,} samples/s in the page: "
          f"{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
