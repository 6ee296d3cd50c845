// Module Web Worker: boots Pyodide, NumPy and our wheel, then forwards requests to Python.
//
// A thin shell on purpose: every decision about what a request means is Python's
// (backproplab.api.handle, tested in CPython). This file only loads, converts and forwards.
//
// Events (no id):  {event: "status", stage, message}  stages: runtime, numpy, package, models, ready
//                  {event: "status", stage: "error", message, error: {name, message}}  boot failed
//                  {event: "crash", message}  the runtime is unusable; the client restarts us
// Role (the worker's name): "backproplab" loads the digits and models and answers every
//                  request; "backproplab-checker" runs students' code (api "check") and loads no
//                  data, so student code never shares a Python with the student's models;
//                  "backproplab-knn" helps with k-NN curves (js/knn-pool.js): no data either,
//                  and OpenBLAS before ready (it only multiplies).
// Requests:        {id, type, ...fields}  typed arrays become Python bytes
//                  {..., mount: [File]}: the files are mounted read-only (WORKERFS: read where
//                  they are, never copied into memory) and Python gets `paths` instead; a
//                  new mount replaces the previous one (one upload read at a time)
//                  After a snapshot start, every request but `predict` waits (in order) for
//                  the standard library, which arrives after ready (see `standardLibrary`).
// Replies:         {id, ok: true, result} | {id, ok: false, error: {name, message}}, exactly one
//                  per request; bytes and NumPy buffers come back as typed arrays.

import { downloadRuntime, servePyodide } from "./runtime-wasm.js";
import { EMPTY_STDLIB, fetchSnapshot, installStandardLibrary } from "./snapshot.js";
import { fetchWheel, storedCopy } from "./zips.js";

const SITE = new URL("../", import.meta.url);   // the site's root folder
// First of all: Pyodide's WebAssembly, compiled while it downloads (js/runtime-wasm.js), and
// Pyodide's loader (imported here, not statically, so that neither waits for the other).
const RUNTIME = downloadRuntime(new URL("vendor/pyodide/pyodide.asm.wasm", SITE));
const PYODIDE = import("../vendor/pyodide/pyodide.mjs");
const FS_ROOT = "/site";                        // where data/ and models/ live inside Pyodide
const ROLE = { "backproplab-checker": "checker", "backproplab-knn": "knn" }[self.name] ?? "page";
const QUIET = { messageCallback: () => {}, errorCallback: (m) => console.warn(m) };  // loadPackage
// Requests after which big products follow: OpenBLAS starts loading with the first of them
const OPENBLAS_AFTER = new Set(["train_steps", "cifar_open"]);

let pyodide = null;
let api = null;      // backproplab.api (PyProxy)
let pyBytes = null;  // typed array -> Python bytes (PyProxy): JsBuffer.to_bytes(), one copy;
                     // builtins.bytes() would read it element by element (3.4 s for 17 MB)
let dead = false;

function status(stage, message, extra = {}) {
  postMessage({ event: "status", stage, message, ...extra });
}

/** The response for `path` (relative to the site's root); throws unless it is 2xx. */
async function fetchOk(path) {
  const response = await fetch(new URL(path, SITE));
  if (!response.ok) throw new Error(`Could not load ${path}: HTTP ${response.status}.`);
  return response;
}

async function fetchBytes(path) {
  return new Uint8Array(await (await fetchOk(path)).arrayBuffer());
}

/** A data or model file; an .npz with its arrays inflated here (js/zips.js: storedCopy), or
 *  as downloaded if that fails (np.load reads both). */
async function fetchFile(path) {
  const bytes = await fetchBytes(path);
  if (!path.endsWith(".npz")) return bytes;
  return storedCopy(bytes).catch((err) => {
    console.warn(`${path}: ${err?.message ?? err}; Python inflates it`);
    return bytes;
  });
}

async function boot() {
  const started = performance.now();
  const elapsed = () => `${Math.round(performance.now() - started)} ms`;
  // Start-up profile: performance marks in the worker, and boot_ms (ms since the worker
  // started, per step) in the ready event's info for benchmarks.
  const boot_ms = {};
  const mark = (name) => { performance.mark(`boot:${name}`); boot_ms[name] = Math.round(performance.now() - started); };
  status("runtime", "Starting Python (Pyodide)…");
  // Downloads that do not need Python start now, in parallel with the runtime.
  const manifest = fetch(new URL("py/manifest.json", SITE)).then((r) => {
    if (!r.ok) throw new Error(`Could not load py/manifest.json: HTTP ${r.status}.`);
    return r.json();
  });
  const files = manifest.then((m) => (ROLE !== "page" ? [] :
    Promise.all([...m.data, ...m.models].map(async (path) => ({ path, bytes: await fetchFile(path) })))));
  files.catch(() => {});  // reported where it is awaited
  const wheel = manifest.then((m) => fetchBytes(`py/${m.wheel}`));
  wheel.catch(() => {});
  const numpyFiles = manifest.then((m) => fetchWheel(m.numpy.file, m.numpy.sha256, fetchBytes));
  numpyFiles.catch(() => {});  // Pyodide loads it instead (loadNumPy)

  let python_start;  // "snapshot" | "scratch" (reported in the ready event's info)
  ({ pyodide, start: python_start } = await startPython(await manifest.catch(() => ({}))));
  stdlibLater = python_start === "snapshot";
  mark("runtime");

  status("numpy", `Loading NumPy… (${elapsed()})`);
  const numpy_from = await loadNumPy(numpyFiles);  // reported in the ready event's info
  mark("numpy");

  // Our wheel is imported from, not installed: a zip on sys.path (its .pyc files sit beside
  // its sources, compiled for this path: tools/py_compile_site.py, PAGE_FOLDER).
  status("package", `Loading backproplab… (${elapsed()})`);
  const wheelFile = `py/${(await manifest).wheel}`;
  writeFiles([{ path: wheelFile, bytes: await wheel }], FS_ROOT);
  const sys = pyodide.pyimport("sys");
  sys.path.insert(0, `${FS_ROOT}/${wheelFile}`);
  sys.destroy();
  mark("wheel");
  api = pyodide.pyimport("backproplab.api");
  pyBytes = pyodide.pyimport("operator").methodcaller("to_bytes");
  mark("import");

  if (ROLE !== "page") {
    if (ROLE === "knn") await loadOpenBLAS();
    status("ready", `Ready (${elapsed()})`, { info: { role: ROLE, boot_ms, python_start, numpy_from } });
    return;
  }
  status("models", `Loading digits and models… (${elapsed()})`);
  writeFiles(await files, FS_ROOT);
  mark("files");
  const info = await ask({ id: null, type: "init", data_dir: `${FS_ROOT}/data`,
                           models_dir: `${FS_ROOT}/models` });
  if (!info.ok) throw Object.assign(new Error(info.error.message), { name: info.error.name });
  mark("init");
  status("ready", `Ready (${elapsed()})`, { info: { ...info.result, boot_ms, python_start, numpy_from } });
}

/** Write `files` ([{path, bytes}], paths relative to `folder`) into Pyodide's file system. */
function writeFiles(files, folder) {
  for (const { path, bytes } of files) {
    const target = `${folder}/${path}`;
    pyodide.FS.mkdirTree(target.slice(0, target.lastIndexOf("/")));
    pyodide.FS.writeFile(target, bytes);
  }
}

// NumPy's files, unpacked by the browser while Python started (js/zips.js), go into
// site-packages; if they could not be had, Pyodide loads NumPy itself.
// Returns who unpacked NumPy: "browser" | "pyodide".
async function loadNumPy(unpacked) {
  try {
    const folder = pyodide.runPython("import sys; next(p for p in sys.path if p.endswith('site-packages'))");
    writeFiles(await unpacked, folder);
    pyodide.runPython("import importlib; importlib.invalidate_caches()");  // import sees them
    return "browser";
  } catch (err) {
    console.warn(`NumPy's wheel not unpacked here (${err?.message ?? err}); Pyodide loads it.`);
    await pyodide.loadPackage("numpy", QUIET);
    return "pyodide";
  }
}

// After a snapshot start Python has every standard-library module the boot and a prediction
// import (js/snapshot.js); the rest of the library (python_stdlib.zip, 4 MB) is downloaded
// after ready, by the first request that needs it (the Train view asks one right after ready),
// so a first visit predicts without it. `predict` never waits for it: it answers with the
// models in use when it runs. Every other request waits for it, in the order they came. A
// request that still misses a module (init, predict) waits for it and is asked again.
let stdlibLater = false;  // Python started with the empty standard library, the rest to come
let stdlibLoad = null;
function standardLibrary() {
  if (!stdlibLater) return Promise.resolve();
  stdlibLoad ??= fetchBytes("vendor/pyodide/python_stdlib.zip")
    .then((bytes) => {
      installStandardLibrary(pyodide, bytes);
      stdlibLater = false;
    })
    .catch((err) => {
      stdlibLoad = null;  // the next request that needs it tries again
      throw new Error(`Python's standard library could not be loaded: ${err?.message ?? err}`);
    });
  return stdlibLoad;
}

/** `request`, asked once more with the whole standard library if it missed a module. */
async function ask(message, transfer = []) {
  const reply = request(message, transfer);
  if (reply.ok || !stdlibLater || !/^(ModuleNotFound|Import)Error$/.test(reply.error.name)) return reply;
  await standardLibrary();
  transfer.length = 0;
  return request(message, transfer);
}

// Pyodide's OpenBLAS makes training ~1.3x faster (cblas_sgemm instead of einsum, see
// backproplab/linalg.py). The page's worker loads it when training first runs (the first
// train_steps; the Train tab sends train_start as soon as Python is ready, to show the
// network) or when a CIFAR-10 set is opened, not at boot: a student who only draws downloads
// 1.9 MB less (6 MB uncompressed), and the Draw tab's k-NN (one row against 8000) is faster
// with einsum (9 ms against 24 ms in Node). Training never waits for it: until it is there (or
// if it fails) matmul keeps the einsum path. A k-NN curve waits for it (knn_curve), and a k-NN
// helper loads it before ready: every worker of a curve rounds its float32 distances alike.
let openblas = null;
function loadOpenBLAS() {
  openblas ??= pyodide.loadPackage("openblas", QUIET)
    .then(() => {
      const linalg = pyodide.pyimport("backproplab.linalg");
      const on = linalg.enable_cblas();
      linalg.destroy();
      if (!on) throw new Error("cblas_sgemm not found");
      performance.mark("boot:openblas");  // tests wait for it: every worker then multiplies alike
    })
    .catch((err) => console.warn(`OpenBLAS not loaded, matmul uses einsum: ${err?.message ?? err}`));
  return openblas;
}

// Python from the build's memory snapshot (tools/make_snapshot.mjs: an interpreter already
// started, with the standard-library modules the boot imports), ~1.7 s sooner than starting
// it. Only a snapshot whose download has the manifest's SHA-256 is used (Pyodide hangs on a
// damaged one); without one, in a browser without DecompressionStream or crypto.subtle (a
// page served over plain http from another machine), or if Pyodide refuses it (another
// Pyodide build), Python starts from scratch.
// Returns {pyodide, start: "snapshot" | "scratch"}.
async function startPython({ snapshot }) {
  const indexURL = new URL("vendor/pyodide/", SITE).href;
  const { loadPyodide } = await PYODIDE;
  const load = (options) => servePyodide(RUNTIME, () => loadPyodide({ indexURL, ...options }));
  if (snapshot && typeof DecompressionStream === "function" && self.crypto?.subtle) {
    try {
      // the delta's file is the runtime's, whose bytes are already downloading
      const bytesOf = (path) => (new URL(path, SITE).href === RUNTIME.url ? RUNTIME.bytes : fetchBytes(path));
      const _loadSnapshot = fetchSnapshot(snapshot, fetchOk, bytesOf);
      _loadSnapshot.catch(() => {});  // handled below, once loadPyodide awaits it
      return { pyodide: await load({ _loadSnapshot, stdLibURL: EMPTY_STDLIB }), start: "snapshot" };
    } catch (err) {
      console.warn(`Python snapshot not used (${err?.message ?? err}); starting Python from scratch.`);
    }
  }
  return { pyodide: await load({}), start: "scratch" };
}

// JS value -> Python value: typed arrays become bytes, everything else via toPy.
function toPython(message) {
  const made = [];
  const walk = (v) => {
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
      const view = v instanceof ArrayBuffer ? new Uint8Array(v)
        : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      const b = pyBytes(view);
      made.push(b);
      return b;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  const value = pyodide.toPy(walk(message));
  for (const b of made) b.destroy();
  return value;
}

// Python reply (already converted by toJs) -> plain JS: None -> null, collect transferables.
function plain(v, transfer) {
  if (v === undefined) return null;
  if (ArrayBuffer.isView(v)) {
    // toJs copies buffers out of the wasm heap; only whole, owned buffers are transferred.
    if (v.byteOffset === 0 && v.buffer.byteLength === v.byteLength) transfer.push(v.buffer);
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => plain(x, transfer));
  if (v instanceof Map) v = Object.fromEntries(v);
  if (v && typeof v === "object") {
    for (const k of Object.keys(v)) v[k] = plain(v[k], transfer);
  }
  return v;
}

// `mount: [File]` -> `paths` of those files mounted read-only at /mnt/upload-N (WORKERFS).
let mounts = 0;
let mounted = null;
function mountFiles(message) {
  if (!Array.isArray(message?.mount)) return message;
  if (mounted) {
    try { pyodide.FS.unmount(mounted); } catch (err) { console.warn(`unmount ${mounted}: ${err?.message ?? err}`); }
  }
  mounted = `/mnt/upload-${++mounts}`;
  pyodide.FS.mkdirTree(mounted);
  pyodide.FS.mount(pyodide.FS.filesystems.WORKERFS, { files: message.mount }, mounted);
  const { mount, ...rest } = message;
  return { ...rest, paths: mount.map((file) => `${mounted}/${file.name}`) };
}

// One request -> one reply object (never throws).
function request(message, transfer = []) {
  let pyRequest = null;
  let pyReply = null;
  try {
    pyRequest = toPython(mountFiles(message));
    pyReply = api.handle(pyRequest);
    const reply = pyReply.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
    return plain(reply, transfer);
  } catch (err) {
    return { id: message?.id ?? null, ok: false, error: errorOf(err) };
  } finally {
    pyRequest?.destroy?.();
    pyReply?.destroy?.();
  }
}

function errorOf(err) {
  return { name: err?.name || "Error", message: String(err?.message ?? err) };
}

function isFatal(err) {
  return /fatal error/i.test(String(err?.message ?? err)) || Boolean(pyodide?._api?.fatal_error_occurred);
}

const booting = boot().catch((err) => {
  status("error", `Python could not start: ${err?.message ?? err}`, { error: errorOf(err) });
  throw err;
});
booting.catch(() => {});  // each request awaits it and replies with the boot error

let waiting = Promise.resolve();  // the requests that wait for the standard library, in order
self.onmessage = async (event) => {
  const message = event.data ?? {};
  const id = message.id ?? null;
  try {
    await booting;
  } catch (err) {
    postMessage({ id, ok: false, error: errorOf(err) });
    return;
  }
  if (message.type === "predict") {
    await answer(message, id);
    return;
  }
  waiting = waiting.then(standardLibrary)
    .then(() => answer(message, id), (err) => postMessage({ id, ok: false, error: errorOf(err) }))
    .catch((err) => console.error(err));  // the next requests still get their turn
};

async function answer(message, id) {
  if (dead) {
    postMessage({ id, ok: false, error: { name: "WorkerCrashed", message: "Python stopped working." } });
    return;
  }
  if (OPENBLAS_AFTER.has(message.type)) loadOpenBLAS();
  if (message.type === "knn_curve") await loadOpenBLAS();
  const transfer = [];
  let reply;
  try {
    reply = await ask(message, transfer);
  } catch (err) {  // the standard library a request missed could not be loaded
    reply = { ok: false, error: errorOf(err) };
  }
  reply.id = id;
  if (!reply.ok && isFatal(reply.error)) {
    dead = true;
    postMessage({ event: "crash", message: reply.error.message });
  }
  postMessage(reply, transfer);
}
