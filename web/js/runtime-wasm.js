// Pyodide's WebAssembly (pyodide.asm.wasm, 10 MB), downloaded once and compiled as it arrives.
//
// Left to itself, loadPyodide compiles the wasm only once the snapshot's memory is ready
// (it awaits `_loadSnapshot` first): ~1 s after the worker starts, on 2 cores. Here the
// worker's first act compiles it with `WebAssembly.compileStreaming`, which compiles while
// the bytes arrive and lets the browser cache the compiled code for the next visit, and
// `servePyodide` answers Pyodide's own request for the file with that module (a patched
// `fetch` and `WebAssembly.instantiateStreaming` inside this worker, put back once Pyodide
// has started). The snapshot's delta (js/snapshot.js) reads the file's bytes with a second
// request, which the browser answers from its cache once the first is done.

/** Start compiling `url` (a pyodide.asm.wasm) as it downloads.
 *  Returns {url, module: Promise<WebAssembly.Module>}; a failed streaming compile (a server
 *  that does not say application/wasm) compiles the downloaded bytes instead. */
export function downloadRuntime(url) {
  const download = () => fetch(url).then((response) => {
    if (!response.ok) throw new Error(`Could not load ${url}: HTTP ${response.status}.`);
    return response;
  });
  const module = WebAssembly.compileStreaming(download())
    .catch(() => download().then((r) => r.arrayBuffer()).then((b) => WebAssembly.compile(b)));
  module.catch(() => {});  // reported by whoever awaits it
  return { url: String(url), module };
}

/** Run `start()` (a loadPyodide call) with Pyodide's request for `runtime.url` answered by
 *  `runtime.module`; fetch and instantiateStreaming are this worker's own again afterwards. */
export async function servePyodide(runtime, start) {
  const ownFetch = self.fetch;
  const ownInstantiate = WebAssembly.instantiateStreaming;
  const placeholder = new Response(null);  // what Pyodide "downloads"; never read
  self.fetch = (input, init) => (String(input) === runtime.url
    ? Promise.resolve(placeholder) : ownFetch.call(self, input, init));
  WebAssembly.instantiateStreaming = async (source, imports) => {
    if ((await source) !== placeholder) return ownInstantiate.call(WebAssembly, source, imports);
    const module = await runtime.module;
    return { module, instance: await WebAssembly.instantiate(module, imports) };
  };
  try {
    return await start();
  } finally {
    self.fetch = ownFetch;
    WebAssembly.instantiateStreaming = ownInstantiate;
  }
}
