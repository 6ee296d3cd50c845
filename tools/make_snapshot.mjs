#!/usr/bin/env node
// Build step: a memory snapshot of a booted Python, so the page's worker skips most of Python's
// start-up (see web/js/worker.js).
//
//   node tools/make_snapshot.mjs <site> <out.bin.gz>
//
// Pyodide (0.27, experimental `_makeSnapshot` / `_loadSnapshot` options of loadPyodide) can
// save the WebAssembly memory of an interpreter that has not loaded any compiled extension,
// and start from it later. Measured in headless Chromium on these machines: Python ready
// ~0.8 s after the worker starts instead of ~2.5 s; NumPy imported at ~2.3 s instead of ~4 s.
//
// 1. A first Pyodide boots the way the worker does (NumPy, then our wheel from <site>/py/,
//    `import backproplab.api`) and lists the standard-library modules that imported.
// 2. A second Pyodide, started with `_makeSnapshot`, imports those modules (pure Python or
//    built into the interpreter: no .so, which a snapshot cannot hold) and saves its memory,
//    gzip-compressed (25 MB -> ~6 MB).
//
// Made here in Node, restored in browsers: the memory is the same WebAssembly heap; the only
// trace of Node is the runtime name in `sys._emscripten_info`. Python's hash seed and
// `random` state are those of the snapshot (the package seeds NumPy explicitly). A snapshot
// only fits the pyodide.asm.wasm it was made with: the worker checks the build id and boots
// without it when they differ.
//
// Reproducible: the same inputs give the same bytes, so a new deploy does not make every
// student download the snapshot again. Two runs used to differ in 7.1 of the 25 MB: Python's
// hash seed (dict and set layouts), `random`'s state (seeded from os.urandom) and the clock
// (file times, time.time() values kept in memory). So the snapshot's Python starts with
// PYTHONHASHSEED=0, reseeds `random` with 0, and sees a fixed Date.now() while it is made
// (restored in the page, Python reads the real clock). With a py-compiled standard library
// (less memory churn) the 2.5 KB of os.urandom bytes that first seeded `random` also stayed
// in freed memory, so crypto.getRandomValues gives fixed bytes too while it is made; and the
// program name Emscripten reads from process.argv is the browser's, not this script's path.
// tests/unit/test_reproducible_build.py checks it.

import { readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";

const [siteArg, outArg] = process.argv.slice(2);
if (!siteArg || !outArg) {
  console.error("usage: node tools/make_snapshot.mjs <site> <out.bin.gz>");
  process.exit(2);
}
const site = resolve(siteArg);
// Emscripten takes the program's name and arguments from process.argv, and Python keeps them
// in its memory: with this script's path there, the snapshot would depend on where the
// checkout is (and show it). A browser's Pyodide gets "./this.program" and no arguments.
process.argv.splice(1, Infinity, "./this.program");
const indexURL = join(site, "vendor", "pyodide") + "/";
const wheel = readdirSync(join(site, "py")).find((name) => name.endsWith(".whl"));
if (!wheel) {
  console.error(`make_snapshot: error: no wheel in ${join(site, "py")}`);
  process.exit(1);
}
const { loadPyodide } = await import(join(indexURL, "pyodide.mjs"));
const quiet = { messageCallback: () => {}, errorCallback: (m) => console.error(m) };

// Standard-library modules in sys.modules: built in (no __file__) or from python312.zip, that
// is anything not under site-packages (where NumPy and our package are).
const STDLIB_MODULES = `
import sys
def is_stdlib(module):
    return "site-packages" not in (getattr(module, "__file__", None) or "")
" ".join(sorted(name for name, module in list(sys.modules.items()) if module and is_stdlib(module)))
`;

const probe = await loadPyodide({ indexURL });
const before = new Set(probe.runPython(STDLIB_MODULES).split(" "));
await probe.loadPackage("numpy", quiet);
await probe.loadPackage(join(site, "py", wheel), quiet);
probe.runPython("import backproplab.api");
const wanted = probe.runPython(STDLIB_MODULES).split(" ").filter((name) => !before.has(name));

/** Fixed "random" bytes (xorshift32 from a fixed seed) in place of crypto.getRandomValues. */
function fixedRandomValues() {
  let x = 2463534242;
  return (view) => {
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    for (let i = 0; i < bytes.length; i++) {
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      bytes[i] = x & 0xff;
    }
    return view;
  };
}

const realNow = Date.now;
Date.now = () => 315532800000;  // 1980-01-01, as SOURCE_DATE_EPOCH in build.sh
crypto.getRandomValues = fixedRandomValues();  // an own property over Crypto.prototype's
const py = await loadPyodide({ indexURL, _makeSnapshot: true, env: { PYTHONHASHSEED: "0" } });
py.runPython(`import importlib\nfor name in ${JSON.stringify(wanted)}:\n    importlib.import_module(name)\n` +
             `import random\nrandom.seed(0)`);
const snapshot = py.makeMemorySnapshot();
Date.now = realNow;
delete crypto.getRandomValues;
writeFileSync(outArg, gzipSync(snapshot, { level: 6 }));
console.error(`make_snapshot: pre-imported ${wanted.length} standard-library modules (${wanted.slice(0, 4).join(", ")}, …)`);
console.error(`make_snapshot: ` +
  `${(snapshot.length / 1e6).toFixed(1)} MB of memory -> ${outArg}`);
