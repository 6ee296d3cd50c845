// Opened from a file (file://)? Then say why the lab cannot start and what to do instead.
//
// A classic script on purpose: browsers do not run module scripts (js/main.js) from file://,
// so without this the page would sit at "Starting Python…" forever. Loaded with `defer`, it
// runs after the HTML is parsed and changes nothing when the page is served over http(s).
(function () {
  "use strict";
  if (location.protocol !== "file:") return;
  var body = document.body;
  body.dataset.phase = "error";
  body.dataset.fileUrl = "true";
  var status = document.getElementById("load-status");
  if (status) status.dataset.phase = "error";
  var text = document.getElementById("load-text");
  if (text) text.textContent = "Backprop Lab cannot start from a file: serve the folder with a local web server (see below).";

  function para(parts) {
    var p = document.createElement("p");
    parts.forEach(function (part) {
      if (typeof part === "string") p.appendChild(document.createTextNode(part));
      else {
        var code = document.createElement("code");
        code.textContent = part.code;
        p.appendChild(code);
      }
    });
    return p;
  }

  var box = document.createElement("div");
  box.id = "file-url-help";
  box.className = "alert alert-error file-url-help";
  box.dataset.level = "error";
  var title = document.createElement("strong");
  title.textContent = "This page was opened as a file (file://), and browsers do not run the lab from there.";
  box.appendChild(title);
  box.appendChild(para([
    "Python runs in a module Web Worker, WebAssembly and the digits are loaded with fetch(), and the " +
    "offline cache is a service worker: browsers allow all three only for pages served over http://.",
  ]));
  box.appendChild(para([
    "To use it without internet: open a terminal in the folder that holds this index.html (the unzipped ",
    { code: "backprop-lab-offline.zip" }, " has it in ", { code: "site/" }, ") and run ",
    { code: "python3 -m http.server 8000" }, ", then open ", { code: "http://localhost:8000/" },
    " in this browser. Python 3 is the only thing it needs.",
  ]));
  var alerts = document.getElementById("alerts");
  (alerts || body).appendChild(box);
})();
