#!/usr/bin/env node
// The unit suite (tests/unit) inside the Pyodide and NumPy the site ships, in Node.
//
//   node tools/pyodide_unit_tests.mjs [--site dist/site] [--pytest-wheels .cache/pytest-wheels] \
//       [--packages-dir .cache/pyodide-test] [--package NAME]... [-- PYTEST ARGS...]
//
// `./build.sh test` runs it after the build (run_pyodide_unit_tests: it first fetches what the
// run needs into .cache/); PYTEST ARGS narrow the run, e.g. `-- tests/unit/test_knn.py -x`.
//
// - Pyodide boots from <site>/vendor/pyodide (the build's pyodide.asm.wasm, python_stdlib.zip,
//   pyodide-lock.json), so "numpy" is the site's precompiled NumPy wheel, checked by Pyodide
//   against the sha256 in the site's lock, and our package is the site's wheel from <site>/py/.
// - Each --package (with its dependencies from the lock): loaded by name from the site when it
//   ships it (numpy, openblas), else from --packages-dir after checking its sha256 against the
//   lock (./build.sh fetches them there with tools/build_site.py pyodide-packages, which checks
//   them too). The unit tests need pillow and scikit-learn.
// - pytest and its dependencies: the pure wheels in --pytest-wheels, each checked against its
//   pin (version and sha256) in tools/pyodide-test-requirements.txt, the one place they are
//   pinned.
// - The checkout is mounted read-only at its own path, so tests find the same files (tests/unit,
//   .cache/mnist-10k.npz) as in CPython and cannot change it: Node's NODEFS (what
//   pyodide.mountNodeFS mounts) with every writing operation refused (EROFS). Bytecode writing
//   and pytest's cache plugin are off, so nothing tries. (Node's own permission model,
//   --experimental-permission, cannot be used: Emscripten's NODEFS calls process.binding.)
// - pytest runs with --capture=sys (fd capture does not work in Pyodide) and -p no:cacheprovider;
//   tests/unit/conftest.py skips the cpython_only and slow tests there, visibly ("-ra").
// Exit code: pytest's (0 all passed), 2 for a problem before pytest started.

import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, writeSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const REQUIREMENTS = join(ROOT, "tools", "pyodide-test-requirements.txt");
const t0 = performance.now();

function fail(message) {
  console.error(`pyodide_unit_tests: error: ${message}`);
  process.exit(2);
}
function note(message) {
  console.error(`pyodide_unit_tests: ${message} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}
const sha256 = (path) => createHash("sha256").update(readFileSync(path)).digest("hex");
const normalize = (name) => name.toLowerCase().replace(/[-_.]+/g, "-");

function parseArgs(argv) {
  const opts = { site: "dist/site", pytestWheels: ".cache/pytest-wheels",
                 packagesDir: ".cache/pyodide-test", packages: [], pytestArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const [arg, inline] = argv[i].startsWith("--") && argv[i].includes("=")
      ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)]
      : [argv[i], undefined];
    const value = () => inline ?? argv[++i] ?? fail(`${arg} needs a value`);
    if (arg === "--") { opts.pytestArgs = argv.slice(i + 1); break; }
    else if (arg === "--site") opts.site = value();
    else if (arg === "--pytest-wheels") opts.pytestWheels = value();
    else if (arg === "--packages-dir") opts.packagesDir = value();
    else if (arg === "--package") opts.packages.push(value());
    else fail(`unknown argument ${arg} (see the comment at the top of this script)`);
  }
  for (const key of ["site", "pytestWheels", "packagesDir"]) opts[key] = resolve(ROOT, opts[key]);
  return opts;
}

// The pytest wheels: exactly one per pin, with the pinned version and sha256.
function pytestWheels(dir) {
  const pins = new Map();
  for (const line of readFileSync(REQUIREMENTS, "utf8").split("\n")) {
    const m = line.match(/^([A-Za-z0-9_.-]+)==(\S+)\s+--hash=sha256:([0-9a-f]{64})\s*$/);
    if (m) pins.set(normalize(m[1]), { version: m[2], sha256: m[3] });
  }
  const fetch = `./build.sh test fetches them (rm -rf ${dir} first if one is wrong)`;
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".whl")) : [];
  const paths = [];
  for (const file of files.sort()) {
    const [name, version] = file.split("-");
    const pin = pins.get(normalize(name));
    if (!pin) fail(`${join(dir, file)} is not pinned in ${REQUIREMENTS}`);
    if (pin.version !== version) fail(`${file}: ${name} is pinned to ${pin.version}; ${fetch}`);
    const actual = sha256(join(dir, file));
    if (actual !== pin.sha256) fail(`${file}: sha256 ${actual} is not the pinned ${pin.sha256}; ${fetch}`);
    pins.delete(normalize(name));
    paths.push(join(dir, file));
  }
  if (pins.size) fail(`no wheel for ${[...pins.keys()].join(", ")} in ${dir}; ${fetch}`);
  return paths;
}

// Pyodide packages with their dependencies, dependencies first: [{name, path | null}], path
// null when the site ships the file (then Pyodide loads it by name and checks it).
function pyodidePackages(lock, names, vendor, dir) {
  const ordered = [], seen = new Set();
  const visit = (name) => {
    const key = normalize(name);
    if (seen.has(key)) return;
    const entry = lock.packages[key] ?? fail(`no package ${name} in ${vendor}/pyodide-lock.json`);
    seen.add(key);
    entry.depends.forEach(visit);
    if (existsSync(join(vendor, entry.file_name))) {
      ordered.push({ name: entry.name, path: null });
      return;
    }
    const path = join(dir, entry.file_name);
    const fetch = `./build.sh test fetches it (tools/build_site.py pyodide-packages --dest ${dir} ${name})`;
    if (!existsSync(path)) fail(`${path} is missing; ${fetch}`);
    const actual = sha256(path);
    if (actual !== entry.sha256) fail(`${path}: sha256 ${actual} is not the lock's ${entry.sha256}; ${fetch}`);
    ordered.push({ name: entry.name, path });
  };
  names.forEach(visit);
  return ordered;
}

// pyodide.mountNodeFS(path, path) with writes refused: NODEFS whose nodes get operations that
// raise EROFS for anything that would change the host's files.
function mountReadOnly(py, path) {
  const { FS } = py;
  const NODEFS = FS.filesystems.NODEFS;
  const EROFS = py.runPython("import errno; errno.EROFS");
  const deny = () => { throw new FS.ErrnoError(EROFS); };
  const readOnly = (node) => Object.assign(node, { node_ops: nodeOps, stream_ops: streamOps });
  const nodeOps = { ...NODEFS.node_ops, setattr: deny, mknod: deny, rename: deny, unlink: deny,
                    rmdir: deny, symlink: deny,
                    lookup: (parent, name) => readOnly(NODEFS.node_ops.lookup(parent, name)) };
  const streamOps = { ...NODEFS.stream_ops, write: deny,
                      open: (stream) => (stream.flags & 3 ? deny() : NODEFS.stream_ops.open(stream)) };
  const READONLY_NODEFS = { ...NODEFS,
                            mount: (mount) => readOnly(NODEFS.mount(mount)) };
  FS.mkdirTree(path);
  FS.mount(READONLY_NODEFS, { root: path }, path);
}

const opts = parseArgs(process.argv.slice(2));
const vendor = join(opts.site, "vendor", "pyodide");
if (!existsSync(join(vendor, "pyodide.mjs"))) fail(`no Pyodide in ${vendor}: run ./build.sh first`);
const ours = existsSync(join(opts.site, "py"))
  ? readdirSync(join(opts.site, "py")).filter((f) => f.endsWith(".whl")) : [];
if (ours.length !== 1) fail(`expected one wheel in ${join(opts.site, "py")}, got ${ours.length}`);
const lock = JSON.parse(readFileSync(join(vendor, "pyodide-lock.json"), "utf8"));
const wheels = pytestWheels(opts.pytestWheels);
const packages = pyodidePackages(lock, ["numpy", ...opts.packages], vendor, opts.packagesDir);

const write = (fd) => ({ write: (buf) => writeSync(fd, buf) });
const { loadPyodide } = await import(join(vendor, "pyodide.mjs"));
const py = await loadPyodide({ indexURL: vendor + "/" });
py.setStdout(write(1));
py.setStderr(write(2));
note(`Pyodide ${py.version} booted from ${vendor}`);
const quiet = { messageCallback: () => {}, errorCallback: (m) => console.error(m) };
await py.loadPackage(packages.filter((p) => !p.path).map((p) => p.name), quiet);
for (const p of packages.filter((p) => p.path)) await py.loadPackage(p.path, quiet);  // deps first
await py.loadPackage(join(opts.site, "py", ours[0]), quiet);
await py.loadPackage(wheels, quiet);
// loadPackage reports a failure through errorCallback and goes on: stop here instead
const loaded = new Set(Object.keys(py.loadedPackages).map(normalize));
const wheelName = (file) => file.split("/").pop().split("-")[0];  // "pytest-9.2.0-py3-none-any.whl"
const wanted = [...packages.map((p) => p.name), ...[ours[0], ...wheels].map(wheelName)];
const missing = wanted.filter((n) => !loaded.has(normalize(n)));
if (missing.length) fail(`could not load ${missing.join(", ")} (above)`);
note(`loaded ${packages.map((p) => p.name).join(", ")}, ${ours[0]}, ` +
     `${wheels.map((w) => w.split("/").pop().split("-").slice(0, 2).join(" ")).join(", ")}`);

mountReadOnly(py, ROOT);
py.globals.set("ROOT", ROOT);
// tests/unit unless the extra arguments name what to run (a file, a test id)
const named = opts.pytestArgs.some((a) => !a.startsWith("-") && existsSync(join(ROOT, a.split("::")[0])));
py.globals.set("PYTEST_ARGS", py.toPy([...(named ? [] : ["tests/unit"]), "--capture=sys",
                                       "-p", "no:cacheprovider", ...opts.pytestArgs]));
const code = py.runPython(`
import os, sys
sys.dont_write_bytecode = True  # the checkout is only read
os.chdir(ROOT)
import pytest
int(pytest.main(list(PYTEST_ARGS)))
`);
note(`pytest exited with ${code}`);
process.exit(code);
