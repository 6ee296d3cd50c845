// Zip archives unpacked by the browser while Python starts, instead of by Python after.
//
// - NumPy's wheel. pyodide.loadPackage("numpy") downloads it once Python is up, unzips it in
//   Python (zlib compiled to WebAssembly: ~250 ms on a quiet laptop core) and then loads every
//   extension module in it, those of numpy.random and numpy.fft too, which a prediction never
//   imports (~160 ms). Here the download starts with the worker; its SHA-256 is checked
//   against the build's (py/manifest.json, the one pyodide-lock.json holds); each member is
//   inflated by the browser's own DecompressionStream ("deflate-raw") as soon as the bytes are
//   there; the worker writes the files into site-packages once Python is up. Extension modules
//   are then loaded by Python's import, when first imported (Emscripten's dlopen reads them
//   from the file system: a worker may compile WebAssembly synchronously).
// - The digits and models (.npz, deflated to download less): `storedCopy` gives Python the
//   same archive with its members inflated, so that np.load only reads them.

import { sha256Hex } from "./snapshot.js";

/** The members of a zip archive (Uint8Array), inflated: Promise<[{path, crc, bytes}]>.
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
    const method = u16(at + 10), crc = u32(at + 16), size = u32(at + 20);
    const length = u32(at + 24), nameLength = u16(at + 28);
    const path = names.decode(zip.subarray(at + 46, at + 46 + nameLength));
    const local = u32(at + 42);
    if (u32(local) !== 0x04034b50) throw new Error(`damaged zip archive (${path})`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    const packed = zip.subarray(start, start + size);
    if (method !== 0 && method !== 8) throw new Error(`${path}: zip method ${method}`);
    if (size === 0xffffffff || length === 0xffffffff) throw new Error(`${path}: zip64`);
    const bytes = method === 0 ? Promise.resolve(packed) : inflate(packed);
    members.push({ path, crc, bytes: bytes.then((b) => {
      if (b.length !== length) throw new Error(`damaged zip archive (${path})`);
      return b;
    }) });
    at += 46 + nameLength + u16(at + 30) + u16(at + 32);
  }
  return Promise.all(members.filter((m) => !m.path.endsWith("/"))
    .map(async ({ path, crc, bytes }) => ({ path, crc, bytes: await bytes })));
}

/** The same zip archive with every member stored (not deflated): its members inflated
 *  here, their CRC-32 (of the inflated bytes) kept from the original. */
export async function storedCopy(zip) {
  const members = await unzip(zip);
  const names = members.map((m) => new TextEncoder().encode(m.path));
  const total = members.reduce((n, m, i) => n + 76 + 2 * names[i].length + m.bytes.length, 22);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  const put = (at, ...fields) => {  // [bytes, value] pairs, little-endian
    for (const [size, value] of fields) {
      if (size === 2) view.setUint16(at, value, true); else view.setUint32(at, value, true);
      at += size;
    }
    return at;
  };
  // version 2.0, no flags, stored, 1980-01-01 00:00 (what reproducible_zip writes)
  const entry = (m, i) => [[2, 20], [2, 0], [2, 0], [2, 0], [2, 0x21], [4, m.crc],
                           [4, m.bytes.length], [4, m.bytes.length], [2, names[i].length], [2, 0]];
  let at = 0;
  const offsets = members.map((m, i) => {
    const start = at;
    at = put(at, [4, 0x04034b50], ...entry(m, i));
    out.set(names[i], at);
    out.set(m.bytes, at + names[i].length);
    at += names[i].length + m.bytes.length;
    return start;
  });
  const directory = at;
  members.forEach((m, i) => {
    at = put(at, [4, 0x02014b50], [2, 20], ...entry(m, i), [2, 0], [2, 0], [2, 0], [4, 0],
             [4, offsets[i]]);
    out.set(names[i], at);
    at += names[i].length;
  });
  put(at, [4, 0x06054b50], [2, 0], [2, 0], [2, members.length], [2, members.length],
      [4, at - directory], [4, directory], [2, 0]);
  return out;
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
