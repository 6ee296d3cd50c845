// Boots the page: state from the URL, the worker client, the load-status header, the tabs and
// the views. The draw pad works before Python is ready; predictions start once it is.
// Every unexpected error becomes a visible alert: the page never fails silently.

import "./locale.js"; // first: a valid navigator.language before any library reads it
import { t, translateDom, initLanguagePicker, LANGUAGES, lang } from "./i18n.js";
import { createClient } from "./client.js";
import { state, update, subscribe, loadHash, onNotice, hashNotices, declare } from "./state.js";
import { alert, withoutTraceback } from "./ui.js";
import { createInUse } from "./in-use.js";
import * as draw from "./views/draw.js";
import * as upload from "./views/upload.js";
import * as photoMode from "./views/photo-mode.js";
import * as models from "./views/models.js";
import { startLessons } from "./lesson/index.js";

const SOFT_TIMEOUT_MS = 45000; // after this, say so and offer Retry (loading continues)

// Loading stages in order; a status event's `stage` is matched to one of them. Each is shown as
// t("load.stage.<key>") in the list and t("load.busy.<key>") while it runs.
const STAGES = [
  { key: "runtime", match: /runtime|pyodide|boot/i },
  { key: "numpy", match: /numpy/i },
  { key: "package", match: /package|wheel|backproplab/i },
  { key: "models", match: /model|init|data/i },
];

translateDom(document);
initLanguagePicker(document.getElementById("lang-select"));

// ---- unexpected errors ------------------------------------------------------------------

window.addEventListener("error", (event) => {
  // resource load errors (img/script) have no .error and are reported elsewhere
  const message = event.error?.message || event.message;
  if (message) alert(t("app.error", { reason: message }));
});
window.addEventListener("unhandledrejection", (event) => {
  const reason = event.reason;
  alert(t("app.error", { reason: reason?.message || String(reason) }));
});

// ---- phase + load status ------------------------------------------------------------------

const body = document.body;
const status = {
  root: document.getElementById("load-status"),
  text: document.getElementById("load-text"),
  bar: document.getElementById("load-bar"),
  stages: document.getElementById("load-stages"),
  retry: document.getElementById("load-retry"),
};

function setPhase(phase) {
  body.dataset.phase = phase;
  status.root.dataset.phase = phase;
}

function renderStages() {
  status.stages.replaceChildren(
    ...STAGES.map((s) => {
      const li = document.createElement("li");
      li.dataset.stage = s.key;
      li.textContent = t(`load.stage.${s.key}`);
      return li;
    }),
  );
}

let stageIndex = -1;
function showStage(index, message) {
  stageIndex = Math.max(stageIndex, index);
  STAGES.forEach((s, i) => {
    const li = status.stages.querySelector(`[data-stage="${s.key}"]`);
    li.dataset.state = i < stageIndex ? "done" : i === stageIndex ? "active" : "todo";
  });
  const fraction = (stageIndex + 0.5) / STAGES.length;
  status.bar.value = Math.round(100 * fraction);
  if (message) status.text.textContent = message;
}

// The worker's own words are English: a known stage is said in the page's language (a retry
// by client.js already is); an unknown one keeps the worker's message.
function onStatus(event) {
  const stage = String(event?.stage ?? "");
  const index = STAGES.findIndex((s) => s.match.test(stage));
  if (/ready|done/i.test(stage) && index < 0) return;
  const seconds = (performance.now() - bootStarted) / 1000;
  const message = index < 0 || event?.attempt ? event?.message : t(`load.busy.${STAGES[index].key}`, { seconds });
  showStage(index < 0 ? Math.max(stageIndex, 0) : index, message);
}

// ---- client (recreated by Retry) -------------------------------------------------------------

let client = null;
let readyResolve;
// resolves once, at the first successful boot; a failed boot leaves it pending for Retry
const readyPromise = new Promise((r) => (readyResolve = r));
let settleBoot;
// resolves at the first boot that ends, ready or failed (the other views load then)
const whenBootSettled = new Promise((r) => (settleBoot = r));
let softTimer = null;
let closeBootAlert = () => {};
let bootGeneration = 0;
let bootStarted = 0;  // the first worker starts with the page (js/early.js)

/** What views get: calls always go to the current worker client. */
const clientProxy = {
  call: (type, fields, transfer, options) => {
    if (!client) return Promise.reject(new Error(t("load.not_running")));
    return client.call(type, fields, transfer, options);
  },
  get ready() {
    return readyPromise;
  },
  get current() {
    return client;
  },
};

async function boot() {
  const generation = ++bootGeneration;
  setPhase("loading");
  status.retry.hidden = true;
  status.root.classList.remove("is-slow");
  stageIndex = -1;
  renderStages();
  showStage(0, t("load.starting"));
  clearTimeout(softTimer);
  softTimer = setTimeout(() => {
    if (generation !== bootGeneration || body.dataset.phase !== "loading") return;
    status.root.classList.add("is-slow");
    status.text.textContent = t("load.slow");
    status.retry.hidden = false;
  }, SOFT_TIMEOUT_MS);
  const started = performance.now();
  if (generation > 1) bootStarted = started;
  try {
    if (client && typeof client.close === "function") client.close();
    else if (client && typeof client.terminate === "function") client.terminate();
    client = createClient({
      onStatus: (e) => generation === bootGeneration && body.dataset.phase !== "ready" && onStatus(e),
      onCrash: (info) => generation === bootGeneration && onCrash(info),
    });
    const info = await client.ready;
    if (generation !== bootGeneration) return;
    ctx.boot = info ?? {};
    ctx.inUse.set(info?.in_use, "init");
    clearTimeout(softTimer);
    showStage(STAGES.length, t("load.ready", { seconds: (performance.now() - started) / 1000 }));
    status.bar.value = 100;
    setPhase("ready");
    closeBootAlert(); // a failure before Retry is history now
    readyResolve(clientProxy);
    settleBoot();
  } catch (error) {
    if (generation !== bootGeneration) return;
    clearTimeout(softTimer);
    setPhase("error");
    const reason = withoutTraceback(String(error?.message || error)).replace(/\.$/, "");
    status.text.textContent = t("load.failed", { reason });
    const failed = status.stages.querySelector('[data-state="active"]');
    if (failed) failed.dataset.state = "failed";
    status.retry.hidden = false;
    closeBootAlert = alert(t("load.failed_alert", { reason }));
    settleBoot();
  }
}

/** The worker died after boot; the client restarts it. Say so, and say when it is back. */
async function onCrash({ message, ready }) {
  alert(t("load.crashed", { reason: message }), { level: "warning" });
  status.text.textContent = t("load.restarting");
  try {
    const info = await ready;
    ctx.inUse.set(info?.in_use, "init");
    await ctx.afterRestart?.(); // views/models.js loads the kept model back into the new worker
    status.text.textContent = t("load.restarted");
  } catch (error) {
    setPhase("error");
    status.text.textContent = t("load.restart_failed", { reason: error?.message || error });
    status.retry.hidden = false;
  }
}

status.retry.addEventListener("click", () => {
  if (body.dataset.phase === "ready") return;
  boot();
});

// ---- tabs ---------------------------------------------------------------------------------

const TABS = ["draw", "train", "stepper", "check"];
const tabButtons = Object.fromEntries(TABS.map((t) => [t, document.getElementById(`tab-${t}`)]));
const views = Object.fromEntries(TABS.map((t) => [t, document.getElementById(`view-${t}`)]));

function showTab(name) {
  for (const t of TABS) {
    const selected = t === name;
    tabButtons[t].setAttribute("aria-selected", String(selected));
    tabButtons[t].tabIndex = selected ? 0 : -1;
    views[t].hidden = !selected;
  }
  body.dataset.tab = name;
}

for (const t of TABS) {
  const button = tabButtons[t];
  button.addEventListener("click", () => update({ tab: t }));
  button.addEventListener("keydown", (event) => {
    // the tabs a lesson link leaves usable (lesson/link.js hides or locks the others)
    const open = TABS.filter((name) => name === t || (tabButtons[name].checkVisibility() && !tabButtons[name].disabled));
    const at = open.indexOf(t);
    const moves = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: open.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = open[(moves[event.key] + open.length) % open.length];
    update({ tab: next });
    tabButtons[next].focus();
  });
}

subscribe((s, changed) => {
  if (changed.includes("tab")) showTab(s.tab);
});

// A row of tabs wider than the window (a narrow phone, a language with long names) becomes a
// 2×2 grid: every tab stays in sight instead of scrolling out of it.
const tabList = document.querySelector(".tabs");
function fitTabs() {
  tabList.classList.remove("is-grid");
  tabList.classList.toggle("is-grid", tabList.scrollWidth > tabList.clientWidth + 1);
}
window.addEventListener("resize", fitTabs);
fitTabs();
window.addEventListener("hashchange", () => loadHash());

// ---- start --------------------------------------------------------------------------------

const ctx = {
  client: clientProxy,
  state,
  update,
  subscribe,
  alert,
  /** Resolves (with the client) once Python and the models are ready. */
  whenReady: () => readyPromise,
  /** What Python reported when it started (the `init` reply, boot timings); set when ready. */
  boot: {},
  /** The models the page predicts with (in-use.js): the one place that holds them. */
  inUse: createInUse(),
  /** The display name of class index `label` (a digit's own name for MNIST). */
  className: (label) => ctx.inUse.className(label),
};

function start() {
  // a link setting that was ignored matters until the student has read it: no fading
  const notice = (message) => alert(message, { level: "warning", timeout: 0 });
  onNotice(notice);
  loadHash();
  // after loadHash (declaring writes the hash): in the state, and so in the links the page
  // writes, only when it differs from what this browser chose (i18n.js); a link's lang wins
  declare({ lang: { type: "enum", values: Object.keys(LANGUAGES), default: lang } });
  for (const n of hashNotices.splice(0)) notice(n);
  showTab(state.tab);
  startLessons(ctx);
  draw.init(ctx);
  upload.init(ctx);
  photoMode.init(ctx);
  models.init(ctx);
  boot();
  for (const [name, url] of Object.entries(OPTIONAL_VIEWS)) {
    let loading = null;
    const load = () => (loading ??= loadOptionalView(name, url));
    if (state.tab === name) load();
    subscribe((s, changed) => changed.includes("tab") && s.tab === name && load());
    whenBootSettled.then(load);
  }
}

// The other tabs' views (about 40 modules) load once Python is ready (or its start failed),
// or when their tab is shown if that comes first: loaded at once, they took the CPU that
// Python's start needs (2 cores: the page, the worker and V8's compiling share them).
const OPTIONAL_VIEWS = { train: "./views/train.js", stepper: "./views/stepper.js",
                         check: "./views/check.js" };

async function loadOptionalView(name, url) {
  const section = views[name];
  let module;
  try {
    module = await import(url);
  } catch (error) {
    section.dataset.view = "missing";
    const note = document.createElement("p");
    note.className = "view-missing";
    note.textContent = t("app.view_missing", { reason: error?.message || error });
    section.append(note);
    return;
  }
  try {
    await module.init(ctx);
    section.dataset.view = "ready";
  } catch (error) {
    section.dataset.view = "failed";
    alert(t("app.view_failed", { name: t(`tabs.${name}`), reason: error?.message || error }));
  }
}

start();
