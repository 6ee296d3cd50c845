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
  const openLabel = el("label", { for: "check-file", class: "button button-small", text: "Open .py files…" });
  const downloadButton = el("button", { id: "check-download", type: "button", class: "button button-small", text: "Download" });
  const resetButton = el("button", { id: "check-reset", type: "button", class: "button button-small", text: "Starter" , title: "Put the lab's starter back in this file (download yours first to keep it)" });
  const tabs = el("div", { class: "check-file-tabs", role: "tablist", "aria-label": "Your files" });
  const editorHost = el("div", { id: "check-editor", class: "check-editor", dataset: { marks: "0" } });
  const runButton = el("button", { id: "check-run", type: "button", class: "button button-primary", disabled: true, text: "Check my code" });
  const stopButton = el("button", { id: "check-stop", type: "button", class: "button", hidden: true, text: "Stop" });
  const status = el("p", { id: "check-status", class: "check-status", role: "status", text: "Starting a separate Python for your code…" });
  const results = el("div", { id: "check-results", class: "check-results" }, [
    el("p", { class: "train-placeholder", text: "Write or open your lab functions (mlp.py, knn.py, read_cifar.py), then press “Check my code”. Each function is run on small test inputs and compared with the reference, partial derivative by partial derivative (dW1, db1, dW2, db2), with the mistake named when it is a known one." }),
  ]);
  section.append(el("div", { class: "check-layout" }, [
    el("article", { class: "card check-editor-card" }, [
      el("header", { class: "card-header check-editor-head" }, [
        el("h3", { class: "card-title", text: "Your code" }),
        el("div", { class: "check-actions", dataset: { part: "check-files" } }, [openLabel, fileInput, downloadButton, resetButton]),
      ]),
      el("div", { class: "check-run-row" }, [runButton, stopButton, status]),
      tabs,
      editorHost,
    ]),
    el("section", { class: "check-results-col", "aria-label": "Results" }, [results]),
  ]));

  const say = (text, level = "info") => {
    status.textContent = text;
    status.dataset.level = level;
  };
  const editor = createEditor(editorHost, { label: "Python code editor", onChange: (text) => files.edited(text) });
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
      say("Ready: your code runs in its own Python, apart from your models.");
    }).catch((error) => {
      setState("error");
      say(`The checker's Python could not start: ${error.message}`, "error");
    });
  }

  async function run() {
    if (section.dataset.checker !== "ready") return;
    const sources = files.toCheck();
    setState("checking");
    delete results.dataset.verdict;
    const started = performance.now();
    const ticker = setInterval(() => say(`Checking your code… ${Math.round((performance.now() - started) / 1000)} s (stopped after ${HARD_LIMIT_MS / 1000} s at most).`), 1000);
    say("Checking your code…");
    try {
      lastReport = await checker.call("check", { files: sources, time_limit: SOFT_LIMIT_S }, [], { timeoutMs: HARD_LIMIT_MS });
      const { passed, total } = renderReport(results, lastReport, { onLine: goToLine, onStep: openStep, renderTex });
      editor.mark(marksFor(lastReport, files.current));
      if (matchMedia("(max-width: 1000px)").matches) results.scrollIntoView({ block: "start" });  // stacked: show them
      say(total ? `${passed} of ${total} right. Details below.` : "No lab function found.", passed === total && total ? "success" : "info");
    } catch (error) {
      const why = error.name === "TimeoutError"
        ? `Your code did not finish within ${HARD_LIMIT_MS / 1000} s (a very long NumPy computation?), so its Python was stopped and restarted.`
        : error.name === "WorkerCrashed" ? "Your code stopped its Python (too much memory, or something it cannot survive); a fresh one is starting."
          : error.name === "WorkerRestarted" ? "Stopped. A fresh Python is starting for your code." : error.message;
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
        say(`The checker's Python could not restart: ${error.message}`, "error");
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

  // The checker's Python starts when the tab is first shown (a link may open it directly).
  const startWhenShown = (s) => s.tab === "check" && !checker && startChecker();
  ctx.subscribe((s, changed) => changed.includes("tab") && startWhenShown(s));
  startWhenShown(ctx.state);
}
