// Pyodide's WebAssembly (pyodide.asm.wasm, 10 MB), downloaded once and compiled as it arrives.
//
// Left to itself, loadPyodide compiles the wasm only once the snapshot's memory is ready
// (it awaits `_loadSnapshot` first): ~1 s after the worker starts, on 2 cores. Here the
// worker's first act downloads it and compiles it with `WebAssembly.compileStreaming`, which
// compiles while the bytes arrive and lets the browser cache the compiled code for the next
// visit; a clone of the response keeps its bytes for the snapshot's delta (js/snapshot.js),
// so that the file is downloaded once. `servePyodide` answers Pyodide's own request for it
// with that module (a patched `fetch` and `WebAssembly.instantiateStreaming` inside this
// worker, put back once Pyodide has started).

/** Start downloading and compiling `url` (a pyodide.asm.wasm).
 *  Returns {url, module: Promise<WebAssembly.Module>, bytes: Promise<Uint8Array>}; a failed
 *  streaming compile (a server that does not say application/wasm) compiles the bytes. */
export function downloadRuntime(url) {
  const responses = fetch(url).then((response) => {
    if (!response.ok) throw new Error(`Could not load ${url}: HTTP ${response.status}.`);
    return [response, response.clone()];
  });
  const bytes = responses.then(([, copy]) => copy.arrayBuffer()).then((b) => new Uint8Array(b));
  const module = responses.then(([response]) => WebAssembly.compileStreaming(response))
    .catch(() => bytes.then((b) => WebAssembly.compile(b)));
  bytes.catch(() => {});
  module.catch(() => {});  // reported by whoever awaits them
  return { url: String(url), module, bytes };
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
