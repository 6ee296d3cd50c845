// The page's first script: starts the Python worker at once, while the page's modules
// (js/main.js and its imports) still load, so Python boots meanwhile. client.js adopts this
// worker (adoptEarlyWorker) and replays the events it sent until then.
//
// A classic script loaded with `async`: it runs as soon as it arrives, without waiting for the
// HTML to be parsed as module scripts do (~0.3 s sooner here). Being async, it may also arrive
// after the page's modules: if client.js has already started its own worker it has said so
// (window.backproplabWorkerStarted), and this script starts nothing: one Python, always.
// Nothing to do from file://, where module workers do not run (js/file-check.js explains).
(function () {
  "use strict";
  if (typeof Worker === "undefined" || location.protocol === "file:") return;
  if (window.backproplabWorkerStarted) return;
  window.backproplabWorkerStarted = "early";
  var url = new URL("worker.js", document.currentScript.src).href;
  var worker = new Worker(url, { type: "module", name: "backproplab" });
  var events = [];
  worker.onmessage = function (event) { events.push(["message", event]); };
  worker.onerror = function (event) {
    if (event.preventDefault) event.preventDefault(); // replayed to the client, which reports it
    events.push(["error", event]);
  };
  window.backproplabEarlyWorker = { url: url, worker: worker, events: events };
})();
