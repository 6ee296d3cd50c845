"""Page benchmarks (``./build.sh bench``): navigation -> ``ready`` (cold: a fresh browser
context, empty cache) and draw-to-prediction latency of the MLP and the k-NN over the 8000
training digits, measured in the page's own worker through ``client.js``.

Targets: ready <= 2.5 s cold on localhost (median of 5); MLP predict <= 50 ms; k-NN <= 150 ms.

    python tests/bench/bench_page.py [--runs 5] [--predictions 30] [--site dist/site]
                                     [--against OTHER_SITE]

``--against`` (another build, e.g. a copy of dist/site from before a change) alternates its
cold loads with the site's, in the same browser: on these noisy 2-core machines a figure
measured an hour apart can differ by 20%, two builds measured in turns much less.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from serve import serve_in_thread  # noqa: E402
from conftest import CHROMIUM, LAUNCH_ARGS, SITE, TEST_PAGES  # noqa: E402

# Runs in the bench page (tests/browser/pages/bench.html): one client, timed calls.
# Each call sends what the draw pad sends (a 280x280 RGBA canvas); Python reports how long
# preprocessing, the MLP and the k-NN took; the round trip is timed here.
PREDICT_JS = """async (n) => {
  const { client, canvas } = window.bench;
  const out = [];
  for (let i = 0; i < n; i++) {
    const image = canvas(i);
    const t0 = performance.now();
    const result = await client.call("predict", { image }, [image.rgba.buffer]);
    out.push({ total: performance.now() - t0, ...result.timings_ms });
  }
  return out;
}"""

STAGES_JS = "() => window.bench.stages"


def ms(values) -> str:
    return (f"median {statistics.median(values):7.1f} ms   min {min(values):7.1f}   "
            f"max {max(values):7.1f}   (n={len(values)})")


def cold_ready(browser, url: str) -> float:
    """Navigation -> ``body[data-phase=ready]`` in ms, in a fresh context (empty cache)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-phase=ready]", state="attached", timeout=60_000)
    ready = page.evaluate(
        "() => performance.now() - performance.getEntriesByType('navigation')[0].startTime")
    context.close()
    return ready


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--predictions", type=int, default=30)
    parser.add_argument("--site", type=Path, default=SITE,
                        help="built site folder (default dist/site); e.g. an older build to compare")
    parser.add_argument("--against", type=Path,
                        help="another built site whose cold loads alternate with these")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"{args.site} is not built: run ./build.sh", file=sys.stderr)
        return 1
    server, url = serve_in_thread(args.site, mounts={"/__tests__/": str(TEST_PAGES)})
    other_server, other = serve_in_thread(args.against) if args.against else (None, None)
    results: dict[str, list[float]] = {"ready": [], "against": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        for run in range(args.runs):
            results["ready"].append(cold_ready(browser, url))
            if other:
                results["against"].append(cold_ready(browser, other))
        context = browser.new_context()
        page = context.new_page()
        page.goto(url + "__tests__/bench.html")
        page.wait_for_function("window.bench && window.bench.ready", timeout=60_000)
        stages = page.evaluate(STAGES_JS)
        init_timings = page.evaluate("() => window.bench.info.timings_ms")
        boot_ms = page.evaluate("() => window.bench.info.boot_ms || {}")
        info_start = page.evaluate("() => window.bench.info.python_start")
        page.evaluate(PREDICT_JS, 3)  # warm-up
        calls = page.evaluate(PREDICT_JS, args.predictions)
        for key in ("total", "preprocess", "mlp", "knn"):
            results[key] = [c[key] for c in calls]
        context.close()
        browser.close()
    server.shutdown()
    if other_server:
        other_server.shutdown()

    print(f"Backprop Lab page benchmarks (headless Chromium, localhost, {args.site})")
    print(f"  navigation -> ready (cold)     {ms(results['ready'])}   target <= 2500 ms")
    if args.against:
        print(f"    {args.against} in turns: {ms(results['against'])}")
    print("  worker boot stages (ms since worker start): "
          + ", ".join(f"{s['stage']} {s['t']:.0f}" for s in stages))
    print(f"  Python started from: {info_start}")
    print("  worker performance marks (ms since worker start): "
          + ", ".join(f"{k} {v:.0f}" for k, v in boot_ms.items()))
    print("  init in Python (ms): "
          + ", ".join(f"{k} {v:.0f}" for k, v in init_timings.items()))
    print(f"  MLP forward (in the worker)    {ms(results['mlp'])}   target <= 50 ms")
    print(f"  k-NN over 8000 digits (worker) {ms(results['knn'])}   target <= 150 ms")
    print(f"  preprocess 280x280 -> 28x28    {ms(results['preprocess'])}")
    print(f"  draw-to-prediction round trip  {ms(results['total'])}   (canvas -> both predictions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
