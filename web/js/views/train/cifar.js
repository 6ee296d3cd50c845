// CIFAR-10 in the Train view's Data card: open the student's download, show the subset in use,
// keep it across reloads, and badge the accuracies against what public solutions report.
//
// The files are never read here: the worker mounts them read-only (`mount: [File]`, WORKERFS)
// and Python streams them (api/cifar.py), a piece per `cifar_read` call, so the page shows
// progress and Cancel is "stop asking" + `cifar_cancel`. The subset's bytes come back once and
// are kept in IndexedDB (storage.js); `ensureLoaded()` gives them back to a fresh Python (a
// reload, a restarted worker) before a run starts. Sizes and inputs are settings (schema, URL).
// Hooks: #cifar-panel, #cifar-file, #cifar-folder, #cifar-drop, #cifar-progress, #cifar-cancel,
// #cifar-status[data-train][data-test][data-source], #cifar-badge[data-badge],
// #cifar-knn-badge[data-badge], #cifar-preset-<name>.

import { el, addStylesheet } from "../../ui.js";
import { t, formatNumber, pyMessage } from "../../i18n.js";
import { SCHEMA, DATASETS, parseValue } from "../../state.js";
import { saveCifarSubset } from "../../storage.js";
import { restoreCifarSubset } from "../../cifar-subset.js";
import { refusal } from "./settings.js";

const READ_MS = 200;  // work per cifar_read call
const MB = (n) => t("train.cifar.megabytes", { size: formatNumber(n / 1e6, { maximumFractionDigits: n < 1e7 ? 1 : 0, minimumFractionDigits: n < 1e7 ? 1 : 0 }) });
/** A badge's bound without a useless ".0": 0.4 -> "40%", 0.425 -> "42.5%". */
const bound = (p) => formatNumber(p, { style: "percent", maximumFractionDigits: 1 });

/** The catalogue's `template` as text and nodes: {name} is replaced by `nodes[name]`. */
function withNodes(template, nodes) {
  return template.split(/\{(\w+)\}/).map((part, i) => (i % 2 ? nodes[part] ?? `{${part}}` : part)).filter((part) => part !== "");
}


/** Files of a drop, folders walked (a dropped cifar-10-batches-py folder). */
async function droppedFiles(dataTransfer) {
  const entries = [...dataTransfer.items].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
  if (!entries.length) return [...dataTransfer.files];
  const files = [];
  const walk = async (entry) => {
    if (entry.isFile) files.push(await new Promise((resolve, reject) => entry.file(resolve, reject)));
    else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (let batch; (batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject))).length;) {
        for (const child of batch) await walk(child);
      }
    }
  };
  for (const entry of entries) await walk(entry);
  return files;
}

/** `onLoaded()`: a new subset is in Python (the run must be prepared again). */
export function createCifarPanel(ctx, { onLoaded }) {
  addStylesheet(new URL("../../../css/cifar.css", import.meta.url));
  const dataset = DATASETS.cifar10;
  let reading = null;       // {cancelled} while files are being read
  let loaded = null;        // Python's summary of the subset in use
  let fullInMemory = false; // the whole set read in this worker (other sizes need no re-open)
  let asked = null;         // the sizes the subset in use was made for (Python may give fewer)

  // ---- elements ----
  const fileInput = el("input", { type: "file", id: "cifar-file", multiple: true, class: "visually-hidden", accept: ".gz,.tgz,.tar,application/gzip,application/x-tar,*/*" });
  const folderInput = el("input", { type: "file", id: "cifar-folder", multiple: true, webkitdirectory: true, class: "visually-hidden" });
  const drop = el("div", { class: "cifar-drop", id: "cifar-drop" }, [
    el("p", { class: "cifar-drop-text" }, withNodes(t("train.cifar.drop"), { file: el("code", { text: "cifar-10-python.tar.gz" }) })),
    el("div", { class: "cifar-drop-buttons" }, [
      el("label", { class: "button button-small", for: "cifar-file" }, [t("train.cifar.openArchive"), fileInput]),
      el("label", { class: "button button-small", for: "cifar-folder" }, [t("train.cifar.openFolder"), folderInput]),
    ]),
    el("p", { class: "muted small", text: t("train.cifar.local") }),
  ]);
  const progress = el("progress", { id: "cifar-progress", class: "cifar-progress", max: "1", value: "0", hidden: true });
  const cancel = el("button", { id: "cifar-cancel", class: "button button-small", type: "button", hidden: true, text: t("train.cifar.cancel") });
  const status = el("p", { id: "cifar-status", class: "cifar-status", "aria-live": "polite", text: t("train.cifar.none") });
  const error = el("p", { id: "cifar-error", class: "cifar-error", "aria-live": "polite", hidden: true });  // the page's one alert region (#alerts) says it too

  const sizeFields = ["cifar_train", "cifar_test"].map((key) => sizeField(key));
  const inputsSelect = el("select", { id: "train-cifar_inputs" }, SCHEMA.cifar_inputs.values.map((v) => el("option", { value: v, text: t(`train.cifar.inputs.${v}`) })));
  inputsSelect.addEventListener("change", () => ctx.update({ cifar_inputs: inputsSelect.value }));
  const presets = Object.entries(dataset.presets ?? {}).map(([name, p]) => el("button", {
    id: `cifar-preset-${name}`, class: "button button-small", type: "button", title: t(`py.preset.${name}.description`),
    text: t("train.cifar.usePreset", { preset: t(`py.preset.${name}.label`) }), onclick: () => ctx.update(p.settings),
  }));

  const panel = el("div", { class: "cifar-wrap", id: "cifar-panel", hidden: true }, [
    el("h4", { class: "subhead", text: t("train.cifar.title") }),
    el("p", { class: "muted small" }, withNodes(t("train.cifar.intro"), { link: el("a", { href: "https://www.cs.toronto.edu/~kriz/cifar.html", target: "_blank", rel: "noopener", text: t("train.cifar.introLink") }) })),
    drop,
    el("div", { class: "cifar-reading" }, [progress, cancel]),
    status,
    error,
    el("div", { class: "fields cifar-fields" }, [...sizeFields.map((f) => f.node),
      el("div", { class: "field field-cifar_inputs", dataset: { setting: "cifar_inputs" } }, [el("label", { class: "field-label", for: "train-cifar_inputs", text: t("train.field.cifar_inputs.label") }), inputsSelect])]),
    el("div", { class: "cifar-presets" }, presets),
  ]);

  function sizeField(key) {
    const spec = SCHEMA[key];
    const id = `train-${key}`;
    const input = el("input", { id, type: "number", inputmode: "numeric", step: "1", min: String(spec.min), max: String(spec.max), autocomplete: "off" });
    const problem = el("span", { class: "field-error", id: `${id}-error`, "aria-live": "polite" });
    input.addEventListener("change", () => {
      const { value, error: bad } = parseValue(spec, input.value);
      if (bad) {
        problem.textContent = refusal(key, input.value, bad);
        input.setAttribute("aria-invalid", "true");
        return;
      }
      problem.textContent = "";
      input.removeAttribute("aria-invalid");
      ctx.update({ [key]: value });
    });
    const label = t(`train.field.${key}.label`);
    return { key, input, node: el("div", { class: `field field-${key}`, dataset: { setting: key } }, [el("label", { class: "field-label", for: id, text: label }), input, el("span", { class: "field-hint", text: t("train.cifar.upTo", { max: spec.max }) }), problem]) };
  }

  // ---- showing ----
  function showLoaded(summary) {
    loaded = summary;
    if (!summary) {
      status.textContent = t("train.cifar.none");
      delete status.dataset.train;
      delete status.dataset.test;
      return;
    }
    status.dataset.train = String(summary.n_train);
    status.dataset.test = String(summary.n_test);
    status.dataset.source = summary.source;
    status.textContent = t("train.cifar.inUse", {
      train: summary.n_train, test: summary.n_test,
      read: summary.n_read ? t("train.cifar.ofRead", { count: summary.n_read }) : "",
      kept: summary.source === "saved" ? t("train.cifar.kept") : "",
    });
  }

  function showError(message) {
    error.hidden = !message;
    error.textContent = message || "";
  }

  function setReading(on) {
    progress.hidden = cancel.hidden = !on;
    cancel.disabled = false;
    fileInput.disabled = folderInput.disabled = on;
    panel.dataset.reading = on ? "true" : "false";
  }

  const sizes = () => ({ cifar_train: ctx.state.cifar_train, cifar_test: ctx.state.cifar_test });

  async function keep(reply) {
    const { arrays, ...summary } = reply;
    showLoaded(summary);
    try {
      await saveCifarSubset({ ...arrays, class_names: summary.class_names, n_read: summary.n_read, asked });
    } catch (e) {
      ctx.alert(t("train.cifar.notKept", { error: e.message }), { level: "warning" });
    }
  }

  // ---- opening ----
  async function open(files) {
    if (reading || !files.length) return;
    const mine = reading = { cancelled: false };
    showError("");
    setReading(true);
    progress.value = 0;
    const started = performance.now();
    const request = sizes();
    status.textContent = files.length === 1 ? t("train.cifar.opening", { name: files[0].name }) : t("train.cifar.openingFiles", { count: files.length });
    try {
      const opened = await ctx.client.call("cifar_open", { mount: files });
      let reply;
      do {
        if (mine.cancelled) {
          const r = await ctx.client.call("cifar_cancel");
          showLoaded(r.loaded);
          status.textContent = t(r.loaded ? "train.cifar.cancelledKept" : "train.cifar.cancelled");
          return;
        }
        reply = await ctx.client.call("cifar_read", { budget_ms: READ_MS, ...request });
        progress.value = reply.progress;
        status.textContent = t("train.cifar.reading", { files: opened.files.join(", "), read: MB(reply.bytes_read), total: MB(reply.total_bytes) });
      } while (!reply.done);
      fullInMemory = true;
      asked = request;
      panel.dataset.readMs = String(Math.round(performance.now() - started));
      await keep(reply);
      onLoaded();
    } catch (e) {
      showError(loaded ? `${pyMessage(e)} ${t("train.cifar.stillInUse")}` : pyMessage(e));
      showLoaded(loaded);
      ctx.alert(`CIFAR-10: ${pyMessage(e)}`);
    } finally {
      reading = null;
      setReading(false);
      fileInput.value = folderInput.value = "";
    }
  }

  fileInput.addEventListener("change", () => open([...fileInput.files]));
  folderInput.addEventListener("change", () => open([...folderInput.files]));
  cancel.addEventListener("click", () => {
    if (!reading) return;
    reading.cancelled = true;
    cancel.disabled = true;
    status.textContent = t("train.cifar.cancelling");
  });
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("is-over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("is-over"));
  drop.addEventListener("drop", async (event) => {
    event.preventDefault();
    drop.classList.remove("is-over");
    open(await droppedFiles(event.dataTransfer));
  });

  /** New sizes: a new subset of the set read in this worker (else Python says to re-open). */
  async function resize() {
    const wanted = sizes();
    const same = (a) => a && a.cifar_train === wanted.cifar_train && a.cifar_test === wanted.cifar_test;
    if (reading || !loaded || same(asked) || same({ cifar_train: loaded.n_train, cifar_test: loaded.n_test })) return;
    if (!fullInMemory) {
      showError(t("train.cifar.reopen"));
      return;
    }
    try {
      showError("");
      asked = wanted;
      await keep(await ctx.client.call("cifar_subset", wanted));
      onLoaded();
    } catch (e) {
      showError(pyMessage(e));
    }
  }

  return {
    panel,
    /** Show `s` (the state); a change of sizes makes a new subset. */
    show(s) {
      panel.hidden = s.dataset !== "cifar10";
      for (const f of sizeFields) {
        if (document.activeElement !== f.input) f.input.value = String(s[f.key]);
      }
      inputsSelect.value = s.cifar_inputs;
      if (s.dataset === "cifar10") resize();
    },
    /** Python holds a subset (given back from IndexedDB if needed): true, else false. */
    async ensureLoaded() {
      const { loaded: now, restored, asked: restoredFor } = await restoreCifarSubset(ctx.client);
      if (restored) {
        fullInMemory = false;
        asked = restoredFor;
      } else if (!fullInMemory && asked === null) {
        asked = restoredFor;  // restored earlier in this page (the stepper, a CIFAR-10 model in use)
      }
      showLoaded(now);
      return Boolean(now);
    },
    /** The badge beside an accuracy (`expected`: Python's cifar.judge), or none. */
    showExpected(host, id, expected) {
      let badge = document.getElementById(id);
      if (!expected) {
        badge?.remove();
        return;
      }
      if (!badge) {
        badge = el("span", { id, class: "cifar-badge" });
        host.append(badge);
      }
      badge.dataset.badge = expected.badge;
      badge.textContent = t(`train.cifar.badge.${expected.badge}`, { low: bound(expected.low), high: bound(expected.high) });
      badge.title = t("train.cifar.badgeTitle", { message: pyMessage(expected) });
      badge.setAttribute("aria-label", badge.title);
    },
  };
}
