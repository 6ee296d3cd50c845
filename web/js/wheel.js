// NumPy's wheel, unpacked by the browser while Python starts, instead of by Pyodide after.
//
// pyodide.loadPackage("numpy") downloads the wheel once Python is up, unzips it in Python
// (zlib compiled to WebAssembly: ~250 ms on a quiet laptop core) and then loads every
// extension module in it, those of numpy.random and numpy.fft too, which a prediction never
// imports (~160 ms). Here the download starts with the worker; its SHA-256 is checked
// against the build's (py/manifest.json, the one pyodide-lock.json holds); each member is
// inflated by the browser's own DecompressionStream ("deflate-raw") as soon as the bytes are
// there; `install` writes the files into site-packages once Python is up. Extension modules
// are then loaded by Python's import, when first imported (Emscripten's dlopen reads them
// from the file system: a worker may compile WebAssembly synchronously).

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The members of a zip archive (Uint8Array), inflated: Promise<[{path, bytes}]>.
 *  Stored and deflated members only (what wheels hold); throws on anything else. */
export async function unzip(zip) {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const u16 = (at) => view.getUint16(at, true);
  const u32 = (at) => view.getUint32(at, true);
  let end = zip.length - 22;  // the end-of-central-directory record, after any comment
  while (end >= 0 && u32(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error("not a zip archive");
  const names = new TextDecoder();
  const members = [];
  for (let at = u32(end + 16), n = u16(end + 10); n > 0; n--) {
    if (u32(at) !== 0x02014b50) throw new Error("damaged zip archive (central directory)");
    const method = u16(at + 10), size = u32(at + 20), nameLength = u16(at + 28);
    const path = names.decode(zip.subarray(at + 46, at + 46 + nameLength));
    const local = u32(at + 42);
    if (u32(local) !== 0x04034b50) throw new Error(`damaged zip archive (${path})`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    const packed = zip.subarray(start, start + size);
    if (method !== 0 && method !== 8) throw new Error(`${path}: zip method ${method}`);
    members.push({ path, bytes: method === 0 ? packed : inflate(packed) });
    at += 46 + nameLength + u16(at + 30) + u16(at + 32);
  }
  return Promise.all(members.filter((m) => !m.path.endsWith("/"))
    .map(async ({ path, bytes }) => ({ path, bytes: await bytes })));
}

async function inflate(packed) {
  const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Download a wheel and unpack it: Promise<[{path, bytes}]>. `fetchBytes(url)` ->
 *  Promise<Uint8Array>; the download must have SHA-256 `sha256` (hex). */
export async function fetchWheel(url, sha256, fetchBytes) {
  const zip = await fetchBytes(url);
  if ((await sha256Hex(zip)) !== sha256) {
    throw new Error(`${url} is damaged (its SHA-256 differs from the build's)`);
  }
  return unzip(zip);
}

/** Write unpacked `files` under `folder` (site-packages) and have Python's import see them. */
export function install(pyodide, files, folder) {
  for (const { path, bytes } of files) {
    const target = `${folder}/${path}`;
    pyodide.FS.mkdirTree(target.slice(0, target.lastIndexOf("/")));
    pyodide.FS.writeFile(target, bytes);
  }
  pyodide.runPython("import importlib; importlib.invalidate_caches()");
}
