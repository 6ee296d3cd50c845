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
// so the page can restore its state once `client.ready` resolves again. Every message is in the
// page's language: its own, and Python's ({message_key, params} looked up by pyMessage, which
// falls back to Python's English); the error keeps message_key and params for the views.

import { t, pyMessage } from "./i18n.js";

const DEFAULTS = {
  bootTimeoutMs: 60000,  // one boot attempt; a timed-out boot is retried
  bootAttempts: 2,
  callTimeoutMs: 120000, // no reply by then means the worker hangs: restart it (generous: a
                         // classroom laptop under load can take tens of seconds for one chunk)
};

const seconds = (ms) => +(ms / 1000).toFixed(1);

function namedError(name, message, { message_key: messageKey, params } = {}) {
  const error = new Error(message);
  error.name = name;
  if (messageKey) Object.assign(error, { messageKey, params: params ?? {} });
  return error;
}

/** A Python reply's error ({name, message, message_key?, params?}) as an Error in the page's language. */
function pythonError(fallbackName, error, fallbackMessage) {
  return namedError(error?.name || fallbackName, pyMessage(error ?? {}) || fallbackMessage, error ?? {});
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
        reject(namedError("BootTimeout", t("client.boot_timeout", { seconds: seconds(bootTimeoutMs) })));
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
            reject(pythonError("BootError", data.error, data.message));
          }
        } else if (data && data.event === "crash") {
          died(w, data.message || t("client.stopped"));
        } else if (data && "id" in data) {
          settle(data);
        }
      };
      w.onerror = (event) => {
        event.preventDefault?.();  // handled here: not an uncaught page error
        const message = event.message || t("client.worker_failed");
        if (!booted) {
          clearTimeout(timer);
          if (worker === w) stopWorker();
          reject(namedError("BootError", message));
        } else {
          died(w, message);
        }
      };
      w.onmessageerror = () => {
        if (booted) died(w, t("client.bad_reply"));
      };
      if (attempt > 1) onStatus({ event: "status", stage: "runtime", attempt, message: t("client.retrying", { attempt }) });
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
    else entry.reject(pythonError("Error", reply.error, t("client.unknown_error")));
  }

  function call(type, fields = {}, transfer = [], { timeoutMs = callTimeoutMs } = {}) {
    if (closed) return Promise.reject(namedError("ClientClosed", t("client.closed")));
    if (!worker) return Promise.reject(namedError("WorkerCrashed", t("client.not_running")));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const w = worker;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(namedError("TimeoutError", t("client.timeout", { type, seconds: seconds(timeoutMs) })));
        died(w, t("client.hung", { type }));
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
    rejectAll(namedError("WorkerRestarted", t("client.restarted")));
    closed = false;
    return start();
  }

  function close() {
    closed = true;
    stopWorker();
    rejectAll(namedError("ClientClosed", t("client.closed")));
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
