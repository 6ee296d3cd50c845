#!/usr/bin/env node
// Build step: a memory snapshot of a booted Python, so the page's worker skips most of Python's
// start-up (see web/js/worker.js and web/js/snapshot.js).
//
//   node tools/make_snapshot.mjs <site> <out.bin.gz>
//
// writes <out.bin.gz> and, beside it, python-snapshot.json: what the worker needs to restore it
// (build.sh puts it in py/manifest.json).
//
// Pyodide (0.27, experimental `_makeSnapshot` / `_loadSnapshot` options of loadPyodide) can
// save the WebAssembly memory of an interpreter that has not loaded any compiled extension,
// and start from it later. Measured in headless Chromium on these machines: Python ready
// ~0.8 s after the worker starts instead of ~2.5 s; NumPy imported at ~2.3 s instead of ~4 s.
//
// 1. A first Pyodide boots the way the worker does (NumPy, then our wheel from <site>/py/,
//    `import backproplab.api`, and, when <site> has its data/ and models/, the `init` request
//    and two `predict`s) and lists the standard-library modules that imported.
// 2. A second Pyodide, started with `_makeSnapshot`, imports those modules (pure Python or
//    built into the interpreter: no .so, which a snapshot cannot hold) and saves its memory.
//
// What makes the download small (4.8 MB -> ~3 MB gzipped, 21 MB of memory):
// - The standard library is not needed until the page has predicted: Python's memory holds
//   every module the boot and a prediction import, and its zip importer is left with an empty
//   python312.zip. The worker starts it with that empty zip and puts the whole library
//   (python_stdlib.zip, 4 MB) in place after ready (importlib.invalidate_caches()).
// - Freed memory is zeroed (malloc'd, filled with zeros, freed again): it held stale bytes.
// - The memory from address `DATA_BASE` holds pyodide.asm.wasm's data segment (4.6 MB), 97% of
//   it unchanged; the file stores those bytes XOR the segment (the worker XORs them back with
//   the pyodide.asm.wasm it downloads anyway), so what Pyodide already sends is not sent twice.
//
// Made here in Node, restored in browsers: the memory is the same WebAssembly heap; the only
// trace of Node is the runtime name in `sys._emscripten_info`. Python's hash seed and
// `random` state are those of the snapshot (the package seeds NumPy explicitly). A snapshot
// only fits the pyodide.asm.wasm it was made with: the worker checks the data segment's
// SHA-256, Pyodide the build id, and it boots without the snapshot when they differ.
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

import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
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
const WASM = "vendor/pyodide/pyodide.asm.wasm";  // site-relative, as the worker fetches it
const indexURL = join(site, "vendor", "pyodide") + "/";
const wheel = readdirSync(join(site, "py")).find((name) => name.endsWith(".whl"));
if (!wheel) fail(`no wheel in ${join(site, "py")}`);
const { loadPyodide } = await import(join(indexURL, "pyodide.mjs"));
const quiet = { messageCallback: () => {}, errorCallback: (m) => console.error(m) };

function fail(message) {
  console.error(`make_snapshot: error: ${message}`);
  process.exit(1);
}

// Standard-library modules in sys.modules: built in, frozen or from python312.zip (not from
// site-packages, where NumPy and our package are; not a module without a spec, like the
// `_cython_3_1_1` that NumPy's random module registers).
const STDLIB_MODULES = `
import sys
def is_stdlib(module):
    origin = getattr(getattr(module, "__spec__", None), "origin", None) or ""
    return origin in ("built-in", "frozen") or ".zip/" in origin
" ".join(sorted(name for name, module in list(sys.modules.items()) if module and is_stdlib(module)))
`;

// What the worker asks before a student draws: `init` with the site's digits and models, then
// a prediction of 28×28 pixels and of a canvas (a vertical stroke; the page sends the latter).
const INIT_AND_PREDICT = `
import numpy as np
from backproplab import api
def ask(request):
    reply = api.handle(request)
    assert reply["ok"], reply["error"]
ask({"type": "init", "data_dir": "/site/data", "models_dir": "/site/models"})
pixels = np.zeros((28, 28), np.uint8)
pixels[5:23, 13:16] = 255
ask({"type": "predict", "pixels": pixels.tobytes()})
rgba = np.zeros((280, 280, 4), np.uint8)
rgba[50:230, 130:160, 3] = 255
ask({"type": "predict", "image": {"width": 280, "height": 280, "rgba": rgba.tobytes()}})
`;

/** The standard-library modules the worker's boot imports, from a first Pyodide. */
async function modulesTheBootImports() {
  const probe = await loadPyodide({ indexURL });
  const before = new Set(probe.runPython(STDLIB_MODULES).split(" "));
  await probe.loadPackage("numpy", quiet);
  // our wheel as the worker has it: a zip on sys.path, at the path its bytecode names
  probe.FS.mkdirTree("/site/py");
  probe.FS.writeFile(`/site/py/${wheel}`, readFileSync(join(site, "py", wheel)));
  probe.runPython(`import sys; sys.path.insert(0, "/site/py/${wheel}")`);
  probe.runPython("import backproplab.api");
  if (existsSync(join(site, "models", "index.json"))) {
    for (const folder of ["data", "models"]) {
      probe.FS.mkdirTree(`/site/${folder}`);
      for (const name of readdirSync(join(site, folder))) {
        probe.FS.writeFile(`/site/${folder}/${name}`, readFileSync(join(site, folder, name)));
      }
    }
    probe.runPython(INIT_AND_PREDICT);
  }
  return probe.runPython(STDLIB_MODULES).split(" ").filter((name) => !before.has(name));
}

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

// An empty zip archive (only its end-of-central-directory record): the standard library
// Python's zip importer sees in the snapshot, and which the worker gives Pyodide at start.
const EMPTY_ZIP = Uint8Array.of(0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0));

/** Python started, `modules` imported, the standard library's zip swapped for an empty one,
 *  freed memory zeroed: its memory snapshot (Pyodide's header, then the WebAssembly memory). */
async function snapshotAfterImporting(modules) {
  const realNow = Date.now;
  Date.now = () => 315532800000;  // 1980-01-01, as SOURCE_DATE_EPOCH in build.sh
  crypto.getRandomValues = fixedRandomValues();  // an own property over Crypto.prototype's
  const py = await loadPyodide({ indexURL, _makeSnapshot: true, env: { PYTHONHASHSEED: "0" } });
  py.runPython(`import importlib\nfor name in ${JSON.stringify(modules)}:\n    importlib.import_module(name)\n` +
               `import random\nrandom.seed(0)`);
  const stdlib = py.runPython(`import sys\nnext(p for p in sys.path if p.endswith(".zip"))`);
  py.FS.writeFile(stdlib, EMPTY_ZIP);
  py.runPython("import gc, importlib\nimportlib.invalidate_caches()\ngc.collect()");
  zeroFreeMemory(py._module);
  const snapshot = py.makeMemorySnapshot();
  Date.now = realNow;
  delete crypto.getRandomValues;
  return { snapshot, memoryBase: py._module.___memory_base.value };
}

/** Fill malloc's free memory with zeros: allocate every free block (largest first, without
 *  growing the heap), zero it, free it all. The memory then keeps no stale bytes. */
function zeroFreeMemory(M) {
  const limit = M._malloc_footprint_limit();
  M._malloc_set_footprint_limit(M._malloc_footprint());
  const blocks = [];
  for (let size = 1 << 24; size >= 16; size >>>= 1) {
    for (let p = M.___libc_malloc(size); p; p = M.___libc_malloc(size)) {
      M.HEAPU8.fill(0, p, p + size);
      blocks.push(p);
    }
  }
  blocks.forEach((p) => M.___libc_free(p));
  M._malloc_set_footprint_limit(limit);
}

/** The one active data segment of a WebAssembly module: {offset, length} of its bytes. */
function dataSegment(wasm) {
  let at = 8;  // after the magic number and the version
  const leb = () => {
    let value = 0, shift = 0, byte;
    do { byte = wasm[at++]; value += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
    return value;
  };
  while (at < wasm.length) {
    const id = wasm[at++], size = leb(), end = at + size;
    if (id === 11) {  // the data section: count, then (flags, offset expression, length, bytes)
      if (leb() !== 1 || leb() !== 0) fail(`${WASM}: expected one active data segment`);
      while (wasm[at++] !== 0x0b);  // the offset expression (global.get $__memory_base), to `end`
      const length = leb();
      return { offset: at, length };
    }
    at = end;
  }
  fail(`${WASM} has no data section`);
}

const wanted = await modulesTheBootImports();
const { snapshot, memoryBase } = await snapshotAfterImporting(wanted);
const wasm = readFileSync(join(site, WASM));
const { offset, length } = dataSegment(wasm);
const heap = new Uint32Array(snapshot.buffer, snapshot.byteOffset, 2)[1];  // Pyodide's header size
const at = heap + memoryBase;
let same = 0;
for (let i = 0; i < length; i++) {
  same += snapshot[at + i] === wasm[offset + i];
  snapshot[at + i] ^= wasm[offset + i];
}
const segment = wasm.subarray(offset, offset + length);
const delta = { file: WASM, offset, length, at, sha256: createHash("sha256").update(segment).digest("hex") };
writeFileSync(outArg, gzipSync(snapshot, { level: 9 }));
writeFileSync(join(dirname(outArg), "python-snapshot.json"), JSON.stringify({ delta }, null, 1) + "\n");
console.error(`make_snapshot: pre-imported ${wanted.length} standard-library modules (${wanted.slice(0, 4).join(", ")}, …)`);
console.error(`make_snapshot: ${(snapshot.length / 1e6).toFixed(1)} MB of memory, ` +
  `${(100 * same / length).toFixed(1)}% of the ${(length / 1e6).toFixed(1)} MB from pyodide.asm.wasm unchanged -> ${outArg}`);
