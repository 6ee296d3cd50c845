// Offline use: registers the service worker (sw.js), offers "Update available — reload" when a
// new build is waiting, asks the browser to keep this site's storage (navigator.storage.persist)
// and reports how much storage the site uses.
//
//   const offline = startOffline({ alert });   // once, after Python is ready
//   offline.subscribe((s) => …);                // s.state: "saving" | "ready" | "unsupported" | "error"
//   await storageSummary();                     // {usage, quota, persisted} (null fields if unknown)
//
// Opened from file://, module scripts do not run at all: js/file-check.js (a classic script)
// explains that case. Service workers and navigator.storage exist only in secure contexts
// (https, or http://localhost): on a LAN address over plain http the lab works while the server
// runs, without an offline copy, and the state says so.

import { el } from "./ui.js";
import { t } from "./i18n.js";

const SW_URL = new URL("../sw.js", import.meta.url);

const listeners = new Set();
const status = { state: "unsupported", message: "", persisted: null };

function set(patch) {
  Object.assign(status, patch);
  document.body.dataset.offline = status.state;
  for (const fn of listeners) fn({ ...status });
}

/** Site storage: {usage, quota} in bytes and whether it is persistent; nulls when unknown. */
export async function storageSummary() {
  const storage = navigator.storage;
  const out = { usage: null, quota: null, persisted: null };
  if (!storage) return out;
  try {
    if (storage.estimate) Object.assign(out, await storage.estimate());
    if (storage.persisted) out.persisted = await storage.persisted();
  } catch {
    // a browser that refuses to say: keep the nulls
  }
  return { usage: out.usage ?? null, quota: out.quota ?? null, persisted: out.persisted };
}

/** Ask the browser not to evict this site's storage when space runs low (no prompt in
 *  Chromium; Firefox may ask). Resolves with whether storage is now persistent. */
export async function requestPersistence() {
  const storage = navigator.storage;
  if (!storage?.persist) return null;
  try {
    const persisted = (await storage.persisted?.()) || (await storage.persist());
    set({ persisted });
    return persisted;
  } catch {
    return null;
  }
}

function showUpdate(waiting, alert) {
  if (document.getElementById("update-available")) return;
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading) return;
    reloading = true;
    location.reload();
  });
  const banner = el("div", { id: "update-available", class: "alert alert-info", dataset: { level: "info" } }, [
    el("span", { class: "alert-icon", "aria-hidden": "true", text: "i" }),
    el("span", { class: "alert-text", text: t("offline.update") }),
    el("button", {
      id: "update-reload", class: "button button-small button-primary", type: "button", text: t("offline.reload"),
      onclick: () => waiting.postMessage({ type: "SKIP_WAITING" }),
    }),
    el("button", { class: "alert-close", type: "button", "aria-label": t("offline.later"), text: "×", onclick: () => banner.remove() }),
  ]);
  const region = document.getElementById("alerts");
  if (region) region.append(banner);
  else alert(t("offline.update_short"), { level: "info", timeout: 0 });
}

/** Register sw.js and follow its life cycle; returns {subscribe, status}. */
export function startOffline({ alert = () => {} } = {}) {
  if (!("serviceWorker" in navigator)) {
    const secure = window.isSecureContext;
    set({
      state: "unsupported",
      message: t(secure ? "offline.unsupported" : "offline.insecure"),
    });
  } else {
    set({ state: "saving", message: t("offline.saving") });
    register(alert).catch((error) => {
      set({ state: "error", message: t("offline.failed", { reason: error?.message || error }) });
    });
  }
  return {
    subscribe(fn) {
      listeners.add(fn);
      fn({ ...status });
      return () => listeners.delete(fn);
    },
    get status() {
      return { ...status };
    },
  };
}

async function register(alert) {
  const registration = await navigator.serviceWorker.register(SW_URL, { updateViaCache: "none" });
  const watch = (worker) => {
    if (!worker) return;
    worker.addEventListener("statechange", () => {
      if (worker.state === "installed" && navigator.serviceWorker.controller && registration.waiting === worker) {
        showUpdate(worker, alert);
      } else if (worker.state === "activated" && !registration.waiting) {
        ready();
      } else if (worker.state === "redundant" && !registration.active) {
        set({ state: "error", message: t("offline.interrupted") });
      }
    });
  };
  if (registration.waiting && navigator.serviceWorker.controller) showUpdate(registration.waiting, alert);
  watch(registration.installing);
  registration.addEventListener("updatefound", () => watch(registration.installing));
  if (registration.active) ready();  // an update being installed does not undo the copy we have
}

function ready() {
  set({ state: "ready", message: t("offline.ready") });
  requestPersistence();
}
