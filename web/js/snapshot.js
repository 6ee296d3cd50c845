// The worker's Python memory snapshot and the standard library it leaves for later
// (tools/make_snapshot.mjs makes both; docs/ARCHITECTURE.md, "Boot time").
//
// - The snapshot file (py/manifest.json's `snapshot`: {file, sha256, delta}) is gzipped memory
//   whose bytes from `delta.at` are stored XOR pyodide.asm.wasm's data segment (`delta.length`
//   bytes from `delta.offset` of `delta.file`, SHA-256 `delta.sha256`): 97% of those bytes are
//   unchanged when the snapshot is made, so the file does not carry them a second time.
// - Python's memory already holds every standard-library module that the boot and a
//   prediction import; it starts with an empty python312.zip (EMPTY_STDLIB), and the whole
//   library (python_stdlib.zip, 4 MB) is put in place after ready: `installStandardLibrary`.

/** An empty zip archive (its end-of-central-directory record alone), as a URL for Pyodide's
 *  `stdLibURL`: the standard library the snapshot's zip importer expects at start. */
export const EMPTY_STDLIB = "data:application/zip;base64,UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==";

/** The SHA-256 of `bytes`, in hex. */
export async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The snapshot's memory, for loadPyodide's `_loadSnapshot`: py/<file> checked against its
 *  SHA-256, gunzipped as it downloads, and its delta undone with the data segment of the
 *  site's pyodide.asm.wasm (itself checked). Throws when anything does not match.
 *  fetchOk(site-relative path) -> Promise<Response>, 2xx; bytesOf(path) -> Promise<Uint8Array>
 *  (the delta's file). */
export async function fetchSnapshot({ file, sha256, delta }, fetchOk, bytesOf) {
  const read = (response) => response.arrayBuffer().then((b) => new Uint8Array(b));
  const snapshot = fetchOk(`py/${file}`).then((response) => {
    const [toCheck, toInflate] = response.body.tee();
    return Promise.all([read(new Response(toCheck)),
                        read(new Response(toInflate.pipeThrough(new DecompressionStream("gzip"))))]);
  });
  const [[packed, memory], wasm] = await Promise.all([snapshot, bytesOf(delta.file)]);
  if ((await sha256Hex(packed)) !== sha256) {
    throw new Error(`py/${file} is damaged (its SHA-256 differs from the build's)`);
  }
  const segment = wasm.subarray(delta.offset, delta.offset + delta.length);
  if (segment.length !== delta.length || (await sha256Hex(segment)) !== delta.sha256) {
    throw new Error(`${delta.file} is not the one py/${file} was made with`);
  }
  if (memory.length < delta.at + delta.length) throw new Error(`py/${file} is too short`);
  for (let i = 0; i < delta.length; i++) memory[delta.at + i] ^= segment[i];
  return memory;
}

/** Put the whole standard library (`bytes`, python_stdlib.zip) where Python's zip importer
 *  looks for it, in place of the empty one, and have it read again. */
export function installStandardLibrary(pyodide, bytes) {
  const sys = pyodide.pyimport("sys");
  const zip = sys.path.toJs().find((path) => path.endsWith(".zip"));
  sys.destroy();
  if (!zip) throw new Error("Python has no standard-library zip on its path");
  pyodide.FS.writeFile(zip, bytes);
  pyodide.runPython("import importlib; importlib.invalidate_caches()");
}
