// The "Model" panel and the page's memory: download the current model, load a model file, see
// what this browser keeps; and keep the current model across reloads, browser restarts and
// worker crashes.
//
//   models.init(ctx)   // from main.js, before boot; adds the card to the Draw view
//
// What is kept (IndexedDB through storage.js, key "model:current"): the model files of the
// current model when it is not the default one ({mlp, knn: Uint8Array | null, names, info}),
// written whenever it changes (the Train tab's "use this model", a loaded file) and deleted
// when the page goes back to the default. On boot, and after the worker restarts, it is loaded
// back into Python. The page settings (the URL hash) are kept too, and come back when the lab
// is opened without any. A full disk refuses the new write; what was saved before stays.

import { el, cut, downloadFile } from "../ui.js";
import { t, formatList, pyMessage } from "../i18n.js";
import { loadModel, saveModel, deleteModel, loadDataset, listDatasets, loadSettings, saveSettings as keepSettings, onBlocked, blocked } from "../storage.js";
import { startOffline, storageSummary, requestPersistence } from "../offline.js";
import { openingHash, VIEW_KEYS } from "../state.js";

const CURRENT = "current";
const MAX_FILE_BYTES = 256 * 1024 * 1024;  // modelio's limits: any model file,
const MAX_JSON_BYTES = 64 * 1024 * 1024;   // and a JSON one (parsing 100 MB would take ~45 s)

/** Refuse a file that cannot be a model by its size and first bytes, before reading it whole. */
async function precheck(file) {
  if (file.size > MAX_FILE_BYTES) throw new Error(t("models.too_big", { name: file.name, size: megabytes(file.size) }));
  const head = new Uint8Array(await file.slice(0, 64).arrayBuffer());
  const zip = head[0] === 0x50 && head[1] === 0x4b;  // "PK": an .npz
  const json = new TextDecoder().decode(head).trimStart().startsWith("{");
  if (!zip && !json) {
    throw new Error(t("models.not_model", { name: file.name }));
  }
  if (json && file.size > MAX_JSON_BYTES) {
    throw new Error(t("models.json_too_big", { name: file.name, size: megabytes(file.size) }));
  }
}

/** A size in decimal units, as browsers report storage: 1.5e6 -> "1.5 MB" ("1,5 Mo" in French). */
function megabytes(bytes) {
  if (bytes == null) return "?";
  if (bytes < 1e6) return t("app.size.kb", { n: Math.max(1, Math.round(bytes / 1e3)) });
  if (bytes < 1e9) return t("app.size.mb", { n: +(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0) });
  return t("app.size.gb", { n: +(bytes / 1e9).toFixed(1) });
}

function isQuotaError(error) {
  return error?.name === "QuotaExceededError" || /quota/i.test(String(error?.message));
}


/** Show or hide a button (its display style wins over the [hidden] attribute). */
function show(node, visible) {
  node.hidden = !visible;
  node.style.display = visible ? "" : "none";
}

/** The part of `info` (an init/use_trained/model_import reply's models) that is not default. */
function customKinds(info) {
  return ["mlp", "knn"].filter((kind) => info?.[kind] && (info[kind].source ?? "default") !== "default");
}

export function init(ctx) {
  const card = buildCard();
  const host = document.getElementById("view-draw");
  host?.append(card.root);
  // ---- keeping the current model ----------------------------------------------------------

  /** Save the current model's files (or forget them when it is the default). */
  async function keepCurrent(info) {
    const kinds = customKinds(info);
    if (blocked) {
      card.saved.dataset.save = "blocked";  // said once (onBlocked below); nothing to try
      return refreshStorage();
    }
    card.saved.dataset.save = "saving";
    if (!kinds.length) {
      await deleteModel(CURRENT).catch(() => {});
      card.saved.dataset.save = "done";
      return refreshStorage();
    }
    const record = { mlp: null, knn: null, names: {}, info };
    for (const kind of kinds) {
      const file = await ctx.client.call("model_export", { kind });
      record[kind] = file.bytes;
      record.names[kind] = info[kind]?.file || file.filename;
    }
    try {
      await saveModel(CURRENT, record);
      card.saved.dataset.save = "done";
      requestPersistence();
    } catch (error) {
      card.saved.dataset.save = "failed";
      const size = megabytes((record.mlp?.byteLength ?? 0) + (record.knn?.byteLength ?? 0));
      ctx.alert(isQuotaError(error) ? t("models.quota", { size })
        : t("models.save_failed", { reason: error?.message || error }));
    }
    return refreshStorage();
  }

  /** Load the kept model (if any) into Python: on boot and after a worker restart. */
  async function restoreCurrent({ why }) {
    let record;
    try {
      record = await loadModel(CURRENT);
    } catch (error) {
      ctx.alert(t("models.read_failed", { reason: error?.message || error }), { level: "warning" });
      return false;
    }
    if (!record || (!record.mlp && !record.knn)) return false;
    const files = ["mlp", "knn"].filter((k) => record[k]).map((k) => ({ bytes: record[k], name: record.names?.[k] || `${k}.npz` }));
    try {
      const result = await ctx.client.call("model_import", { files });
      const { models } = result.in_use;
      keptInfo = record.info ?? null;
      ctx.inUse.set(result.in_use, "restored");
      ctx.alert(t(`models.restored.${why}`, { description: pyMessage((models.mlp ?? models.knn)?.description) }), { level: "success" });
      return true;
    } catch (error) {
      ctx.alert(t("models.restore_failed", { reason: error.message }), { level: "warning" });
      return false;
    }
  }

  // Every change of the models in use is shown; the student's own ones are kept for next time.
  let cause = "init";  // of the last change (in-use.js): "restored" is a model kept in this browser
  let keptInfo = null;  // what the restored model was when it was kept (trained here, or a file)
  ctx.inUse.subscribe(({ models }, why) => {
    cause = why;
    render();
    if (!["trained", "default", "imported"].includes(cause)) return;
    keepCurrent(models).catch((error) => {
      card.saved.dataset.save = "failed";
      ctx.alert(t("models.save_error", { reason: error.message }));
    });
  });

  // After a worker crash the client starts a new one; main.js calls this once it is ready.
  ctx.afterRestart = () => restoreCurrent({ why: "restart" });

  // ---- the card's buttons ------------------------------------------------------------------

  card.download.addEventListener("click", () => exportKind("mlp"));
  card.downloadKnn.addEventListener("click", () => exportKind("knn"));

  async function exportKind(kind) {
    try {
      const file = await ctx.client.call("model_export", { kind });
      downloadFile(file.bytes, file.filename);
      card.note.textContent = t("models.downloaded", { file: file.filename, size: megabytes(file.bytes.byteLength) });
    } catch (error) {
      ctx.alert(t("models.download_failed", { reason: error.message }));
    }
  }

  card.file.addEventListener("change", async () => {
    const chosen = [...card.file.files];
    card.file.value = "";
    if (!chosen.length) return;
    try {
      for (const f of chosen) await precheck(f);
      const files = await Promise.all(chosen.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
      const names = formatList(chosen.map((f) => f.name));
      card.note.textContent = t("models.checking", { files: names });
      const result = await ctx.client.call("model_import", { files });
      const { models } = result.in_use;
      card.note.textContent = t("models.loaded_note", { files: names });
      ctx.alert(t("models.loaded", { description: pyMessage((models.mlp ?? models.knn)?.description) }), { level: "success" });
      ctx.inUse.set(result.in_use, "imported");
    } catch (error) {
      card.note.textContent = "";
      ctx.alert(error.message);
    }
  });

  card.useDefault.addEventListener("click", async () => {
    try {
      const result = await ctx.client.call("use_trained", { model: "default" });
      card.note.textContent = t("models.default_note");
      ctx.inUse.set(result.in_use, "default");
      if (card.useDefault.hidden && document.activeElement === card.useDefault) card.download.focus();
    } catch (error) {
      ctx.alert(error.message);
    }
  });

  // ---- what the card shows -----------------------------------------------------------------

  function render() {
    const { models } = ctx.inUse.current;
    const mlp = models?.mlp;
    const source = mlp?.source ?? (models ? "default" : "loading");
    card.current.dataset.source = source;
    card.current.dataset.cause = cause;
    const from = mlp && origin(mlp);
    card.current.textContent = !models ? t("models.loading")
      : mlp ? t(`models.current.${from}`, { description: pyMessage(mlp.description), file: from === "kept_file" ? keptInfo.mlp.file : mlp.file })
        : t("models.current.none");
    card.currentKnn.textContent = models?.knn ? t("models.current.knn", { description: pyMessage(models.knn.description) }) : "";
    const custom = customKinds(models);
    card.download.disabled = !mlp;
    show(card.downloadKnn, custom.includes("knn"));
    show(card.useDefault, custom.length > 0);
  }

  /** Where the network comes from, as far as the student is concerned: a models.current.* key
   *  ("kept_file" names keptInfo's file, "file" the network's own). */
  function origin(mlp) {
    if (cause === "restored" && mlp.source !== "default") {
      const kept = keptInfo?.mlp;
      return kept?.source === "imported" && kept.file ? "kept_file" : kept?.source === "trained" ? "kept_trained" : "kept";
    }
    return mlp.file ? "file" : "mlp";
  }

  async function refreshStorage() {
    const [summary, record, datasetIds] = await Promise.all([
      storageSummary(),
      loadModel(CURRENT).catch(() => null),
      listDatasets().catch(() => []),
    ]);
    const kept = [];
    if (record) {
      const bytes = (record.mlp?.byteLength ?? 0) + (record.knn?.byteLength ?? 0);
      kept.push(t("models.saved.model", { size: megabytes(bytes) }));
    }
    for (const id of datasetIds) {
      const dataset = await loadDataset(id).catch(() => null);
      const images = dataset?.classes?.reduce((n, c) => n + (c.images?.length ?? 0), 0) ?? 0;
      if (images) kept.push(t("models.saved.dataset", { name: dataset.name || id, classes: dataset.classes.length, count: images }));
    }
    card.saved.textContent = blocked ? t("models.saved.blocked")
      : kept.length ? t("models.saved.list", { items: kept.join(", ") }) : t("models.saved.none");
    card.saved.dataset.model = record ? "saved" : "none";
    if (summary.usage == null) {
      card.storage.textContent = t("models.storage.unknown");
    } else {
      const sizes = { used: megabytes(summary.usage), quota: megabytes(summary.quota) };
      card.storage.textContent = t(summary.persisted ? "models.storage.persisted" : "models.storage.evictable", sizes);
    }
    card.storage.dataset.usage = String(summary.usage ?? "");
    card.storage.dataset.persisted = String(summary.persisted);
  }

  // ---- settings (the URL hash) across browser restarts -------------------------------------

  restoreSettings();
  ctx.subscribe(() => setTimeout(saveSettings, 0));  // after state.js has written the hash

  async function restoreSettings() {
    // a link's own settings win, even when they equal the defaults (state.js has already
    // dropped those from location.hash, so look at the hash the page was opened with)
    if (openingHash.length > 1) {
      document.body.dataset.settings = "link";
      return;
    }
    let from = "defaults";
    try {
      const saved = await loadSettings();
      if (saved && location.hash.length <= 1) {
        location.replace(`#${saved}`);  // main.js applies it (hashchange)
        from = "saved";
      }
    } catch {
      // no saved settings: the defaults stay
    }
    document.body.dataset.settings = from;
  }

  function saveSettings() {
    const params = new URLSearchParams(location.hash.slice(1));
    for (const key of VIEW_KEYS) params.delete(key);  // a lesson's view comes from its link only
    keepSettings(params.toString().replace(/%2C/g, ",")).catch(() => {});
  }

  // ---- storage blocked by the browser: say it once, then carry on without saving -----------

  onBlocked((reason) => {
    // embedded, the frame's top line says so already (modes.js)
    if (ctx.state.mode !== "embed") ctx.alert(t("models.blocked", { reason: cut(reason, 80) }), { level: "warning", timeout: 0 });
    card.root.dataset.storage = "blocked";
    refreshStorage();
  });

  // ---- start -----------------------------------------------------------------------------

  render();
  refreshStorage();
  ctx.whenReady().then(async () => {
    render();
    await restoreCurrent({ why: "boot" });
    // The offline copy is saved once Python runs, so it does not slow down the first start.
    startOffline({ alert: ctx.alert }).subscribe((s) => {
      card.offline.dataset.state = s.state;
      card.offline.textContent = s.message;
      refreshStorage();
    });
  });
}

function buildCard() {
  const current = el("p", { id: "model-current", class: "card-sub", dataset: { source: "loading" } });
  const currentKnn = el("p", { id: "model-current-knn", class: "card-sub" });
  const download = el("button", { id: "model-download", class: "button", type: "button", text: t("models.download"), disabled: true });
  const downloadKnn = el("button", { id: "model-download-knn", class: "button", type: "button", text: t("models.download_knn"), hidden: true });
  const file = el("input", { id: "model-file", class: "visually-hidden", type: "file", multiple: true, accept: ".npz,.json,application/json,application/zip" });
  const load = el("label", { for: "model-file", class: "button", text: t("models.load") });
  const useDefault = el("button", { id: "model-default", class: "button", type: "button", text: t("models.default"), hidden: true });
  const note = el("p", { id: "model-note", class: "card-sub", "aria-live": "polite" });
  const offline = el("p", { id: "offline-status", class: "card-sub", dataset: { state: "unsupported" } });
  const saved = el("p", { id: "saved-list", class: "card-sub" });
  const storage = el("p", { id: "storage-use", class: "card-sub" });
  const root = el("article", { id: "model-card", class: "card model-card", "aria-labelledby": "model-title", dataset: { part: "model-card" } }, [
    el("header", { class: "card-header" }, [
      el("h3", { id: "model-title", class: "card-title", text: t("models.title") }),
      el("p", { class: "card-sub", text: t("models.sub") }),
    ]),
    current,
    currentKnn,
    el("div", { class: "toolbar" }, [download, downloadKnn, load, file, useDefault]),
    note,
    offline,
    saved,
    storage,
  ]);
  return { root, current, currentKnn, download, downloadKnn, file, useDefault, note, offline, saved, storage };
}
