// KaTeX for the stepper: loads the vendored module and its stylesheet once, typesets display
// formulas and text with inline $…$ TeX. katex.render builds DOM nodes (styles set through
// CSSOM), so it works under the page's CSP (style-src 'self', no inline style attributes).

let katexPromise = null;

/** The KaTeX module (vendor/katex/katex.mjs), its CSS linked into the document on first use. */
export function loadKatex() {
  if (!katexPromise) {
    const href = new URL("../../../vendor/katex/katex.min.css", import.meta.url).href;
    if (![...document.querySelectorAll("link[rel=stylesheet]")].some((l) => l.href === href)) {
      document.head.append(Object.assign(document.createElement("link"), { rel: "stylesheet", href }));
    }
    katexPromise = import(new URL("../../../vendor/katex/katex.mjs", import.meta.url).href).then((m) => m.default);
  }
  return katexPromise;
}

/** Typeset `tex` into `node` (display style by default). Bad TeX shows in red, never throws. */
export function typeset(katex, node, tex, { display = true } = {}) {
  katex.render(tex, node, { displayMode: display, throwOnError: false, output: "htmlAndMathml", strict: "ignore" });
  return node;
}

/** Fill `node` with `text`, typesetting each $…$ span inline. */
export function typesetText(katex, node, text) {
  node.replaceChildren();
  const parts = String(text).split("$");
  parts.forEach((part, i) => {
    if (i % 2 === 0) {
      if (part) node.append(document.createTextNode(part));
    } else {
      const span = document.createElement("span");
      span.className = "tex-inline";
      typeset(katex, span, part, { display: false });
      node.append(span);
    }
  });
  return node;
}
