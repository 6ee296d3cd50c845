// Opened from a file (file://)? Then say why the lab cannot start and what to do instead.
//
// A classic script on purpose: browsers do not run module scripts (js/main.js) from file://,
// so without this the page would sit at "Starting Python…" forever. Loaded with `defer`, it
// runs after the HTML is parsed and changes nothing when the page is served over http(s).
// For the same reason it cannot use js/i18n.js or fetch the catalogues (web/i18n/*.json): its
// few sentences are here in English and French, chosen by the browser's language.
(function () {
  "use strict";
  if (location.protocol !== "file:") return;
  var WORDS = {
    en: {
      status: "Backprop Lab cannot start from a file: serve the folder with a local web server (see below).",
      title: "This page was opened as a file (file://), and browsers do not run the lab from there.",
      why: "Python runs in a module Web Worker, WebAssembly and the digits are loaded with fetch(), and the " +
        "offline cache is a service worker: browsers allow all three only for pages served over http://.",
      how: ["To use it without internet: open a terminal in the folder that holds this index.html (the unzipped ",
        { code: "backprop-lab-offline.zip" }, " has it in ", { code: "site/" }, ") and run ",
        { code: "python3 -m http.server 8000" }, ", then open ", { code: "http://localhost:8000/" },
        " in this browser. Python 3 is the only thing it needs."],
    },
    fr: {
      status: "Backprop Lab ne peut pas démarrer depuis un fichier : servez le dossier avec un serveur web local (voir ci-dessous).",
      title: "Cette page a été ouverte comme un fichier (file://), et les navigateurs n'y font pas tourner le labo.",
      why: "Python tourne dans un Web Worker de type module, WebAssembly et les chiffres sont chargés avec fetch(), et " +
        "le cache hors ligne est un service worker : les navigateurs ne permettent les trois qu'aux pages servies en http://.",
      how: ["Pour l'utiliser sans internet : ouvrez un terminal dans le dossier qui contient ce index.html (le fichier ",
        { code: "backprop-lab-offline.zip" }, " décompressé l'a dans ", { code: "site/" }, ") et lancez ",
        { code: "python3 -m http.server 8000" }, ", puis ouvrez ", { code: "http://localhost:8000/" },
        " dans ce navigateur. Python 3 est tout ce qu'il faut."],
    },
  };
  var words = /^fr\b/i.test(navigator.language || "") ? WORDS.fr : WORDS.en;
  var body = document.body;
  body.dataset.phase = "error";
  body.dataset.fileUrl = "true";
  var status = document.getElementById("load-status");
  if (status) status.dataset.phase = "error";
  var text = document.getElementById("load-text");
  if (text) text.textContent = words.status;

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
  box.lang = words === WORDS.fr ? "fr" : "en";
  var title = document.createElement("strong");
  title.textContent = words.title;
  box.appendChild(title);
  box.appendChild(para([words.why]));
  box.appendChild(para(words.how));
  var alerts = document.getElementById("alerts");
  (alerts || body).appendChild(box);
})();
