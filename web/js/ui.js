// Small DOM helpers shared by every view: element builder, the alert region, number formats.
// No state of its own beyond the alert list; no framework.

import { t, formatNumber } from "./i18n.js";

/**
 * Build an element: el("div", {class: "card", dataset: {file: "a.png"}, onclick: fn}, [children]).
 * Children may be strings, nodes, or null/false (skipped).
 */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "style") Object.assign(node.style, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of [].concat(children)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const MAX_ALERTS = 3; // alerts shown at once
const MAX_ALERT_CHARS = 400; // a message quoting a whole payload is cut here ("…")
const LEVEL_ICON = { error: "!", warning: "!", info: "i", success: "✓" };

/**
 * Show a message in the page's `[role=alert]` region. Errors stay until dismissed; other
 * levels fade after `timeout` ms (0 = stay). Identical messages are not stacked twice, and at
 * most MAX_ALERTS show at once (the oldest goes first).
 * Returns a function that removes the message.
 */
export function alert(message, { level = "error", timeout } = {}) {
  const region = document.getElementById("alerts");
  const text = cut(withoutTraceback(String(message)), MAX_ALERT_CHARS);
  if (!region) {
    console.warn(text); // eslint-disable-line no-console
    return () => {};
  }
  for (const existing of region.children) {
    if (existing.dataset.text === text) return () => existing.remove();
  }
  const close = () => item.remove();
  const item = el("div", { class: `alert alert-${level}`, dataset: { level, text } }, [
    el("span", { class: "alert-icon", "aria-hidden": "true", text: LEVEL_ICON[level] || "i" }),
    el("span", { class: "alert-text", text }),
    el("button", { class: "alert-close", type: "button", "aria-label": t("app.dismiss"), onclick: close, text: "×" }),
  ]);
  region.append(item);
  // a fixed stack at the bottom of the window (app.css): at most MAX_ALERTS, the oldest goes first
  const items = [...region.children].filter((node) => node.id !== "update-available");
  for (const old of items.slice(0, Math.max(0, items.length - MAX_ALERTS))) old.remove();
  const ms = timeout ?? (level === "error" ? 0 : 6000);
  if (ms > 0) setTimeout(close, ms);
  return close;
}

/** `text` cut to at most `max` characters, "…" marking the cut. */
export function cut(text, max = 80) {
  const s = String(text);
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/**
 * A Python traceback inside a message is for developers (it is in the console); the student
 * sees the text before it and the exception line at its end.
 */
export function withoutTraceback(message) {
  const at = message.indexOf("Traceback (most recent call last)");
  if (at < 0) return message;
  const tail = message.slice(at);
  const exceptions = [...tail.matchAll(/\b[A-Z][A-Za-z]*(?:Error|Exception|Exit)\b:?/g)];
  const last = exceptions.length ? tail.slice(exceptions[exceptions.length - 1].index) : tail;
  return `${message.slice(0, at)}${last}`.replace(/\s+/g, " ").replace(/ \./g, ".").trim();
}

let announcer = null;
/** Say `text` to screen readers, politely (after what they are reading): a result, not an alarm.
 *  One visually hidden status region for the page, inside <main>. */
export function announce(text) {
  if (!announcer) {
    announcer = el("div", { id: "announcer", class: "visually-hidden", role: "status", "aria-live": "polite", "aria-atomic": "true" });
    (document.getElementById("main") || document.body).append(announcer);
  }
  announcer.textContent = "";
  setTimeout(() => (announcer.textContent = text), 60);  // emptied first: the same words again are read again
}

/** Percent with one decimal in the page's language: 0.9731 -> "97.3%" ("97,3 %" in French). */
export function percent(p) {
  return formatNumber(p, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

/**
 * Run `fn` once, `ms` after the first of a burst of calls (later calls in the window join it):
 * while calls keep coming, `fn` runs every `ms`. `.cancel()` drops a pending run.
 */
export function throttle(fn, ms) {
  let timer = null;
  const wrapped = () => {
    if (timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
  wrapped.cancel = () => {
    clearTimeout(timer);
    timer = null;
  };
  return wrapped;
}

/** Run `fn` `ms` after the last of a burst of calls. `.cancel()` drops a pending run. */
export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

/** Draw a 28×28 (or w×h) grayscale uint8 image into `canvas` (white ink on black, as MNIST). */
export function drawGray(canvas, pixels, width = 28, height = 28) {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const v = pixels[i];
    img.data[4 * i] = v;
    img.data[4 * i + 1] = v;
    img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

const RGB_PLANE = 32 * 32;  // CIFAR-10 rows: the R, G, B planes of 32×32, one after another

/** A CIFAR-10 row (3072 bytes: R, G, B planes) as a 32×32 colour image. */
export function drawRGB(canvas, pixels) {
  canvas.width = canvas.height = 32;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(32, 32);
  for (let i = 0; i < RGB_PLANE; i++) {
    img.data[4 * i] = pixels[i];
    img.data[4 * i + 1] = pixels[RGB_PLANE + i];
    img.data[4 * i + 2] = pixels[2 * RGB_PLANE + i];
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/** A human-readable size: 10485760 -> "10 MB" ("10 Mo" in French). */
export function formatBytes(n) {
  if (n < 1024) return t("app.size.b", { n });
  if (n < 1024 * 1024) return t("app.size.kb", { n: Math.round(n / 1024) });
  return t("app.size.mb", { n: +(n / (1024 * 1024)).toFixed(n < 10 * 1024 * 1024 ? 1 : 0) });
}

/** Link the stylesheet `url` (absolute, e.g. `new URL("../css/x.css", import.meta.url)`) once. */
export function addStylesheet(url) {
  const href = String(url);
  if ([...document.querySelectorAll("link[rel=stylesheet]")].some((l) => l.href === href)) return;
  document.head.append(el("link", { rel: "stylesheet", href }));
}

/** Save `data` (bytes or text) as the file `filename` through the browser's download. */
export function downloadFile(data, filename, type = "application/octet-stream") {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = el("a", { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** A duration for people: "–", "< 1 s", "42 s", "3 min 5 s". */
export function formatSeconds(s) {
  if (s == null || !Number.isFinite(s)) return "–";
  if (s < 1) return "< 1 s";
  if (s < 60) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
