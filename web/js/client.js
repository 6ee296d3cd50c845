// The page's only way to talk to Python: starts the worker, matches replies by id, times out,
// and restarts a worker that died.
//
//   const client = createClient({ onStatus, onCrash });
//   const info = await client.ready;            // resolves with what Python loaded (init reply)
//   const result = await client.call("predict", { pixels }, [pixels.buffer]);
//
// A failed call throws an Error whose .name comes from Python's reply and whose .message is the
// reply's message in the page's language (i18n.js pyMessage); a refusal a person caused also
// keeps Python's .messageKey and .params (numbers, names, lists, messages). Worker deaths
// reject the pending calls (name "WorkerCrashed"), start a fresh worker and call onCrash(reason)
// so the page can restore its state once `client.ready` resolves again.

import { pyMessage } from "./i18n.js";

const DEFAULTS = {
  bootTimeoutMs: 60000,  // one boot attempt; a timed-out boot is retried
  bootAttempts: 2,
  callTimeoutMs: 120000, // no reply by then means the worker hangs: restart it (generous: a
                         // classroom laptop under load can take tens of seconds for one chunk)
};

const seconds = (ms) => `${+(ms / 1000).toFixed(1)} s`;

function namedError(name, message, { message_key: messageKey, params } = {}) {
  const error = new Error(message);
  error.name = name;
  if (messageKey) Object.assign(error, { messageKey, params: params ?? {} });
  return error;
}

// A worker started before the page's own modules have loaded (js/early.js, a classic script
// that leaves {url, worker, events: [["message" | "error", event]]} in
// window.backproplabEarlyWorker), so Python boots meanwhile; the first boot of a client with the
// same worker URL adopts it and replays the events it sent until then. A client that boots
// first marks window.backproplabWorkerStarted, so a late early.js does not start a second one.
function adoptEarlyWorker(workerUrl) {
  const early = globalThis.backproplabEarlyWorker;
  globalThis.backproplabWorkerStarted ||= "client";  // early.js arriving later starts nothing
  if (!early || early.url !== String(workerUrl)) return null;
  delete globalThis.backproplabEarlyWorker;
  return early;
}

export function createClient({
  onStatus = () => {},
  onCrash = () => {},
  workerUrl = new URL("./worker.js", import.meta.url),
  name = "backproplab",  // the worker's role (worker.js): "backproplab" or "backproplab-checker"
  bootTimeoutMs = DEFAULTS.bootTimeoutMs,
  bootAttempts = DEFAULTS.bootAttempts,
  callTimeoutMs = DEFAULTS.callTimeoutMs,
} = {}) {
  let worker = null;
  let ready = null;
  let nextId = 1;
  let closed = false;
  const pending = new Map();  // id -> {resolve, reject, timer}

  function rejectAll(error) {
    for (const { reject, timer } of pending.values()) {
      clearTimeout(timer);
      reject(error);
    }
    pending.clear();
  }

  function stopWorker() {
    if (worker) {
      worker.onmessage = worker.onerror = worker.onmessageerror = null;
      worker.terminate();
      worker = null;
    }
  }

  // One worker's boot: resolves with the init info, rejects on a boot error, a timeout or death.
  function bootOnce(attempt) {
    return new Promise((resolve, reject) => {
      const adopted = attempt === 1 && name === "backproplab" ? adoptEarlyWorker(workerUrl) : null;
      const w = adopted?.worker ?? new Worker(workerUrl, { type: "module", name });
      worker = w;
      let booted = false;
      const timer = setTimeout(() => {
        if (worker === w) stopWorker();
        reject(namedError("BootTimeout",
          `Python did not start within ${seconds(bootTimeoutMs)}.`));
      }, bootTimeoutMs);

      w.onmessage = (event) => {
        const data = event.data;
        if (data && data.event === "status") {
          onStatus(data);
          if (data.stage === "ready") {
            booted = true;
            clearTimeout(timer);
            resolve(data.info ?? {});
          } else if (data.stage === "error") {
            clearTimeout(timer);
            reject(namedError(data.error?.name || "BootError", data.error?.message || data.message));
          }
        } else if (data && data.event === "crash") {
          died(w, data.message || "Python stopped working.");
        } else if (data && "id" in data) {
          settle(data);
        }
      };
      w.onerror = (event) => {
        event.preventDefault?.();  // handled here: not an uncaught page error
        const message = event.message || "The Python worker failed.";
        if (!booted) {
          clearTimeout(timer);
          if (worker === w) stopWorker();
          reject(namedError("BootError", message));
        } else {
          died(w, message);
        }
      };
      w.onmessageerror = () => {
        if (booted) died(w, "A reply from Python could not be read.");
      };
      if (attempt > 1) onStatus({ event: "status", stage: "runtime", message: `Retrying (attempt ${attempt})…` });
      for (const [kind, event] of adopted?.events ?? []) {
        if (worker !== w) break;  // an earlier replayed event ended this worker
        if (kind === "message") w.onmessage(event);
        else w.onerror(event);
      }
    });
  }

  async function boot() {
    let lastError = null;
    for (let attempt = 1; attempt <= bootAttempts; attempt++) {
      try {
        return await bootOnce(attempt);
      } catch (error) {
        lastError = error;
        rejectAll(error);
        if (error.name !== "BootTimeout" || closed) break;  // only a timeout is worth a retry
      }
    }
    throw lastError;
  }

  function start() {
    ready = boot();
    ready.catch(() => {});  // whoever awaits client.ready sees the rejection
    return ready;
  }

  function died(w, message) {
    if (w !== worker || closed) return;
    stopWorker();
    rejectAll(namedError("WorkerCrashed", message));
    start();
    onCrash({ message, ready });
  }

  function settle(reply) {
    const entry = pending.get(reply.id);
    if (!entry) return;
    pending.delete(reply.id);
    clearTimeout(entry.timer);
    if (reply.ok) entry.resolve(reply.result);
    else entry.reject(namedError(reply.error?.name || "Error", pyMessage(reply.error) || "Unknown error.", reply.error));
  }

  function call(type, fields = {}, transfer = [], { timeoutMs = callTimeoutMs } = {}) {
    if (closed) return Promise.reject(namedError("ClientClosed", "The Python client was closed."));
    if (!worker) return Promise.reject(namedError("WorkerCrashed", "Python is not running."));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const w = worker;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(namedError("TimeoutError", `Python did not answer '${type}' within ${seconds(timeoutMs)}.`));
        died(w, `Python did not answer '${type}' in time; restarted it.`);
      }, timeoutMs);
      pending.set(id, { resolve, reject, timer });
      try {
        w.postMessage({ ...fields, id, type }, transfer);
      } catch (error) {
        pending.delete(id);
        clearTimeout(timer);
        reject(error);
      }
    });
  }

  function restart() {
    stopWorker();
    rejectAll(namedError("WorkerRestarted", "Python was restarted."));
    closed = false;
    return start();
  }

  function close() {
    closed = true;
    stopWorker();
    rejectAll(namedError("ClientClosed", "The Python client was closed."));
  }

  start();
  return {
    get ready() { return ready; },
    call,
    restart,
    close,
    terminate: close,
  };
}
