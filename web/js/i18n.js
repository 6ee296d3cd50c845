// The page's words: one catalogue per language (i18n/<lang>.json, a flat object of dotted keys),
// chosen from the link (#lang=fr), then what the student picked last time, then the browser.
// Python's own messages arrive with a message_key: the build adds Python's English text to
// en.json as "py.<key>", and every other language translates the same keys.
//
//   t("draw.pad.title")                      -> "Draw a digit"
//   t("train.images", {count: 3})            -> plural forms: {"one": "…", "other": "…"}
//   t("check.error", {rel: 0.0012})          -> "{rel:.1e}" formats with the language's separator
//   pyMessage(error)                         -> a Python reply's {message_key, params, message}
//                                               (in English: Python's own text, as the CLI says it);
//                                               a plain string (a name the student typed) as is
//   translateDom(root)                       -> fills [data-i18n] (text), [data-i18n-html] (our
//                                               own catalogue's inline markup) and
//                                               [data-i18n-<attribute>] (aria-label, title, alt, …)
// Adding a language is adding one file to web/i18n/ (the build lists it in i18n/index.json).

const STORE_KEY = "backproplab.lang";
const base = new URL("../i18n/", import.meta.url);

async function loadJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`The page's words (${url.pathname}) could not be loaded: HTTP ${response.status}.`);
  return response.json();
}

/** Languages the site has: {code: name in that language}. */
export const LANGUAGES = await loadJson(new URL("index.json", base));

function fromHash() {
  const match = /(?:^#|&)lang=([^&]*)/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : null;
}

function kept() {
  try { return localStorage.getItem(STORE_KEY); } catch { return null; }  // storage refused
}

function fromBrowser() {
  for (const tag of navigator.languages || [navigator.language]) {
    const code = String(tag).toLowerCase().split("-")[0];
    if (code in LANGUAGES) return code;
  }
  return null;
}

/** The page's language code, e.g. "en" or "fr". */
export const lang = [fromHash(), kept(), fromBrowser(), "en"].find((code) => code && code in LANGUAGES);

const english = await loadJson(new URL("en.json", base));
const words = lang === "en" ? english : await loadJson(new URL(`${lang}.json`, base));
const plurals = new Intl.PluralRules(lang);
document.documentElement.lang = lang;

/** Fill the header's language picker and switch when the student picks another language. */
export function initLanguagePicker(select) {
  select.replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => {
    const option = new Option(name, code, false, code === lang);
    option.lang = code;
    return option;
  }));
  select.addEventListener("change", () => switchLanguage(select.value));
}

/** Keep `code` as the student's language and reload the page in it (the state is in the URL). */
export function switchLanguage(code) {
  if (!(code in LANGUAGES) || code === lang) return;
  try { localStorage.setItem(STORE_KEY, code); } catch { /* storage refused: the link keeps it */ }
  const params = new URLSearchParams(location.hash.slice(1));
  params.set("lang", code);
  location.hash = params.toString();
  location.reload();
}

/** A number as prose in the page's language (decimal separator), e.g. 0.5 -> "0,5" in French. */
export function formatNumber(value, options = {}) {
  return Number.isFinite(value) ? new Intl.NumberFormat(lang, options).format(value) : String(value);
}

/** Items as a list in the page's language: ["a", "b"] -> "a and b" ("a et b" in French). */
export function formatList(items) {
  return new Intl.ListFormat(lang, { type: "conjunction" }).format(items.map(String));
}

// A list in a Python message: its items with the language's separator ("a, b, c").
const listFormat = new Intl.ListFormat(lang, { style: "narrow", type: "conjunction" });

// "{name}" or "{name:.2f}", "{name:.1e}", "{name:.0%}", "{name:.3g}", "{name:g}" (Python's
// format specs). A Python message's params may also hold lists and messages inside messages.
function formatValue(value, spec) {
  if (Array.isArray(value)) return listFormat.format(value.map((item) => formatValue(item)));
  if (value && typeof value === "object") return pyMessage(value);
  if (typeof value !== "number" || !spec) return typeof value === "number" ? formatNumber(value) : String(value ?? "");
  const m = /^(?:\.(\d+))?([fe%g])$/.exec(spec);
  if (!m) return formatNumber(value);
  const digits = Number(m[1] ?? 6);
  switch (m[2]) {
    case "f": return formatNumber(value, { minimumFractionDigits: digits, maximumFractionDigits: digits });
    case "%": return formatNumber(value, { style: "percent", minimumFractionDigits: digits, maximumFractionDigits: digits });
    case "g": {  // as Python: scientific when the exponent is below -4 or at least the precision
      const precision = Math.max(1, digits);
      const exponent = value === 0 || !Number.isFinite(value) ? 0 : Math.floor(Math.log10(Math.abs(value)));
      const notation = exponent < -4 || exponent >= precision ? "scientific" : "standard";
      return formatNumber(value, { notation, maximumSignificantDigits: precision });
    }
    default: return formatNumber(value, { notation: "scientific", minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
}

export function format(template, params = {}) {
  return template.replace(/\{(\w+)(?::([^}]+))?\}/g, (whole, name, spec) =>
    name in params ? formatValue(params[name], spec) : whole);
}

const missing = new Set();

/** The text of `key` in the page's language, with `params` filled in. */
export function t(key, params = {}) {
  let entry = words[key] ?? english[key];
  if (entry === undefined) {
    if (!missing.has(key)) { missing.add(key); console.warn(`i18n: no text for ${key}`); }
    return key;
  }
  if (typeof entry === "object") entry = entry[plurals.select(Number(params.count))] ?? entry.other;
  return format(entry, params);
}

/** Whether the catalogue has `key` (e.g. a Python message key the page may not know). */
export function has(key) {
  return key in words || key in english;
}

/** A Python reply's error or verdict in the page's language: {message_key, params, message}.
 *  In English, Python's own text (its number formats are the CLI's). A string (what Python
 *  sends for a name the student typed, or a model file's own description) is said as it is. */
export function pyMessage(said = {}) {
  if (typeof said === "string") return said;
  const { message_key: key, params, message } = said;
  if (lang === "en" && message) return message;
  return key && has(`py.${key}`) ? t(`py.${key}`, params || {}) : message ?? "";
}

/** The attributes a catalogue fills: data-i18n-<attribute>="key". */
const ATTRIBUTES = ["aria-label", "aria-description", "title", "alt", "placeholder", "content"];

/** Fill the catalogue's text into `root`'s marked elements (see the top of this file). */
export function translateDom(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-html]")) el.innerHTML = t(el.dataset.i18nHtml);
  for (const attribute of ATTRIBUTES) {
    for (const el of root.querySelectorAll(`[data-i18n-${attribute}]`)) {
      el.setAttribute(attribute, t(el.getAttribute(`data-i18n-${attribute}`)));
    }
  }
}
