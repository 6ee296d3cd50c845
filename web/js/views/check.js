// The "Check my code" tab: the student writes (or opens) their own lab functions
// (learn_once_mse, knn_predict, …) and learns which function, which partial is wrong, and why.
//
// Student code never runs in the worker that holds the student's models: it runs in a second
// Python worker (worker.js named "backproplab-checker", which loads no data), started when this
// tab is first shown. Python enforces a soft time limit per call (backproplab.check.runner);
// this view adds the hard one: a check that has not answered after HARD_LIMIT_MS (a long NumPy
// call, a memory bomb) terminates that worker and starts a fresh one. Stop does the same.
//
// Hooks: #check-file, #check-run, #check-stop, #check-editor[data-marks], #check-results
// (./check/results.js), #view-check[data-checker] (loading | ready | checking | error).

import { el, addStylesheet } from "../ui.js";
import { t, pyMessage } from "../i18n.js";
import { createClient } from "../client.js";
import { createEditor } from "./check/editor.js";
import { createFiles } from "./check/files.js";
import { renderReport, marksFor } from "./check/results.js";
import { loadKatex, typeset } from "./stepper/tex.js";

const SOFT_LIMIT_S = 5;          // per import and per call, inside Python
const HARD_LIMIT_MS = 60_000;    // the whole check, from the page


export async function init(ctx) {
  addStylesheet(new URL("../../css/check.css", import.meta.url));
  const section = document.getElementById("view-check");
  const fileInput = el("input", { id: "check-file", type: "file", accept: ".py,text/x-python", multiple: true, class: "visually-hidden" });
  const openLabel = el("label", { for: "check-file", class: "button button-small", text: t("check.open") });
  const downloadButton = el("button", { id: "check-download", type: "button", class: "button button-small", text: t("check.download") });
  const resetButton = el("button", { id: "check-reset", type: "button", class: "button button-small", text: t("check.starter"), title: t("check.starterTitle") });
  const tabs = el("div", { class: "check-file-tabs", role: "tablist", "aria-label": t("check.files") });
  const editorHost = el("div", { id: "check-editor", class: "check-editor", dataset: { marks: "0" } });
  const runButton = el("button", { id: "check-run", type: "button", class: "button button-primary", disabled: true, text: t("check.run") });
  const stopButton = el("button", { id: "check-stop", type: "button", class: "button", hidden: true, text: t("check.stop") });
  const status = el("p", { id: "check-status", class: "check-status", role: "status", text: t("check.starting") });
  const results = el("div", { id: "check-results", class: "check-results" }, [
    el("p", { class: "train-placeholder", text: t("check.intro") }),
  ]);
  section.append(el("div", { class: "check-layout" }, [
    el("article", { class: "card check-editor-card" }, [
      el("header", { class: "card-header check-editor-head" }, [
        el("h3", { class: "card-title", text: t("check.yourCode") }),
        el("div", { class: "check-actions", dataset: { part: "check-files" } }, [openLabel, fileInput, downloadButton, resetButton]),
      ]),
      el("div", { class: "check-run-row" }, [runButton, stopButton, status]),
      tabs,
      editorHost,
    ]),
    el("section", { class: "check-results-col", "aria-label": t("check.results") }, [results]),
  ]));

  const say = (text, level = "info") => {
    status.textContent = text;
    status.dataset.level = level;
  };
  const editor = createEditor(editorHost, { label: t("check.editor"), onChange: (text) => files.edited(text) });
  const files = createFiles(tabs, { editor, alert: ctx.alert, say });
  ctx.lessonParts.code = { get: () => files.snapshot(), set: (code) => files.adopt(code) };  // lesson files
  section.querySelector(".check-run-row").append(files.savedNote);
  let checker = null;
  let lastReport = null;
  const setState = (state) => {
    section.dataset.checker = state;
    runButton.disabled = state !== "ready";
    runButton.hidden = state === "checking";
    stopButton.hidden = state !== "checking";
  };

  function startChecker() {
    setState("loading");
    checker = createClient({ name: "backproplab-checker" });
    return checker.ready.then(async () => {
      const { files: starters } = await checker.call("check_starters");
      await files.restore(starters);
      setState("ready");
      say(t("check.ready"));
    }).catch((error) => {
      setState("error");
      say(t("check.notStarted", { error: pyMessage(error) }), "error");
    });
  }

  async function run() {
    if (section.dataset.checker !== "ready") return;
    const sources = files.toCheck();
    setState("checking");
    delete results.dataset.verdict;
    const started = performance.now();
    const ticker = setInterval(() => say(t("check.checkingFor", { seconds: Math.round((performance.now() - started) / 1000), limit: HARD_LIMIT_MS / 1000 })), 1000);
    say(t("check.checking"));
    try {
      lastReport = await checker.call("check", { files: sources, time_limit: SOFT_LIMIT_S }, [], { timeoutMs: HARD_LIMIT_MS });
      const { passed, total } = renderReport(results, lastReport, { onLine: goToLine, onStep: openStep, renderTex });
      editor.mark(marksFor(lastReport, files.current));
      if (matchMedia("(max-width: 1000px)").matches) results.scrollIntoView({ block: "start" });  // stacked: show them
      say(total ? t("check.score", { count: passed, total }) : t("check.noFunction"), passed === total && total ? "success" : "info");
    } catch (error) {
      const why = error.name === "TimeoutError" ? t("check.timeout", { limit: HARD_LIMIT_MS / 1000 })
        : error.name === "WorkerCrashed" ? t("check.crashed")
          : error.name === "WorkerRestarted" ? t("check.stopped") : pyMessage(error);
      results.dataset.verdict = "error";
      results.replaceChildren(el("p", { class: "check-summary", role: "status", text: why }));
      say(why, "error");
    } finally {
      clearInterval(ticker);
      try {
        await checker.ready;  // a fresh one after a stop, a crash or the hard limit
        setState("ready");
      } catch (error) {
        setState("error");
        say(t("check.notRestarted", { error: pyMessage(error) }), "error");
      }
    }
  }

  function goToLine(file, line) {
    if (file && file !== files.current) files.show(file);
    if (lastReport) editor.mark(marksFor(lastReport, files.current));
    editor.focusLine(line);
  }

  function openStep(step) {
    ctx.update({ tab: "stepper", net: "lab", notation: "rows", sample: "", step });
  }

  async function renderTex(node, tex) {
    node.textContent = tex;
    typeset(await loadKatex(), node, tex);
  }

  runButton.addEventListener("click", run);
  stopButton.addEventListener("click", () => checker?.restart());
  fileInput.addEventListener("change", async () => {
    await files.open(fileInput.files);
    fileInput.value = "";
  });
  editorHost.addEventListener("dragover", (event) => event.preventDefault());
  editorHost.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer?.files?.length) files.open(event.dataTransfer.files);
  });
  downloadButton.addEventListener("click", () => files.downloadCurrent());
  resetButton.addEventListener("click", () => {
    files.downloadCurrent();
    files.resetCurrent();
  });
  section.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") run();
  });
  runButton.setAttribute("aria-keyshortcuts", "Control+Enter");

  // The checker's Python and the code editor start when the tab is first shown (a link may
  // open it directly).
  const startWhenShown = (s) => {
    if (s.tab !== "check") return;
    editor.open().catch((error) => ctx.alert(t("app.view_failed", { name: t("tabs.check"), reason: error?.message || error })));
    if (!checker) startChecker();
  };
  ctx.subscribe((s, changed) => changed.includes("tab") && startWhenShown(s));
  startWhenShown(ctx.state);
}
