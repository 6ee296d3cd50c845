// The one state object of the page, mirrored in the URL hash. Its schema is the package's
// (backproplab.settings, written by the build as settings.json): every setting's type, default,
// range or choices, and each dataset's defaults. Nothing about a setting is decided here.
//
// Only values that differ from their default are written to the hash, so a link reproduces
// a run (seed included) and a fresh page has a clean URL. The training settings' defaults
// depend on the dataset: a link that names a dataset and nothing else gets the settings that
// suit it. Values that fail the schema are ignored with a notice (collected in `hashNotices`),
// never applied. Views read `state`, change it only through `update(patch)`, and hear about
// changes through `subscribe(fn)`. Other modules may declare more keys with `declare({key: spec})`.
// The refusals (parseValue's errors, the notices) are in the page's language.

import { t, formatNumber } from "./i18n.js";

/** The hash the page was opened with, before anything rewrote it (a link that names only
 *  default values is still a link: its values win over the settings kept from last time). */
export const openingHash = location.hash;

const schemaFile = await loadSchema(new URL("../settings.json", import.meta.url));

async function loadSchema(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`The page's settings (${url.pathname}) could not be loaded: HTTP ${response.status}.`);
  return response.json();
}

export const SCHEMA = schemaFile.settings;
/** Datasets by name: {label, detail, kind: "images"|"points", defaults}. */
export const DATASETS = schemaFile.datasets;
/** The settings a training run is made of, in the order Python reads them. */
export const TRAINING_KEYS = schemaFile.training;
/** A lesson's view of the page (hide, lock, banner, mode): from the link only, never kept. */
export const VIEW_KEYS = schemaFile.view;
/** What a lesson file must be: {kind, version, maxBytes} (backproplab.lesson). */
export const LESSON = schemaFile.lesson;

/** The settings `dataset` brings along when picked (its preset). */
export function presetFor(dataset) {
  return DATASETS[dataset]?.defaults ?? {};
}

/** Whether `dataset` is a set of 2-D points (decision map) rather than images. */
export function isPointSet(dataset) {
  return DATASETS[dataset]?.kind === "points";
}

/** Parse one raw string against `spec`; returns {value} or {error}. */
export function parseValue(spec, raw) {
  const text = String(raw).trim();
  switch (spec.type) {
    case "enum":
      return spec.values.includes(text)
        ? { value: text }
        : { error: t("state.expected_one_of", { values: spec.values.join(", ") }) };
    case "int": {
      if (!/^-?\d+$/.test(text)) return { error: t("state.expected_int") };
      return inRange(spec, Number(text));
    }
    case "number": {
      const n = Number(text);
      if (text === "" || !Number.isFinite(n)) return { error: t("state.expected_number") };
      return inRange(spec, n);
    }
    case "bool":
      if (["1", "true", "yes", "on"].includes(text)) return { value: true };
      if (["0", "false", "no", "off"].includes(text)) return { value: false };
      return { error: t("state.expected_bool") };
    case "sizes": {
      const parts = text.split(",").map((s) => s.trim());
      if (text === "") return { value: "" }; // no hidden layer: a linear model
      if (parts.length > spec.maxLayers) return { error: t("state.max_layers", { count: spec.maxLayers }) };
      for (const p of parts) {
        if (!/^\d+$/.test(p) || Number(p) < spec.min || Number(p) > spec.max) {
          return { error: t("state.expected_sizes", { range: rangeText(spec) }) };
        }
      }
      return { value: parts.map(Number).join(",") };
    }
    case "names": {
      const names = text.split(",").map((s) => s.trim()).filter(Boolean);
      const unknown = names.filter((n) => !spec.values.includes(n));
      if (unknown.length) return { error: t("lesson.unknownControls", { names: unknown.join(", ") }) };
      return { value: [...new Set(names)].join(",") };
    }
    case "string":
      return text.length <= spec.maxLength
        ? { value: text }
        : { error: t("state.too_long", { max: spec.maxLength }) };
    default:
      return { error: t("state.unknown_type", { type: spec.type }) };
  }
}

function inRange(spec, n) {
  const low = spec.minOpen ? n <= spec.min : n < spec.min;
  if (low || n > spec.max) return { error: t("state.expected_range", { range: rangeText(spec) }) };
  return { value: n };
}

/** "1..1000", or "> 0 and <= 100" for an open minimum (numbers with the language's decimal
 *  separator, without grouping: "0..0,5" in French). */
export function rangeText(spec) {
  const [min, max] = [spec.min, spec.max].map((x) => formatNumber(x, { useGrouping: false, maximumFractionDigits: 20 }));
  return spec.minOpen ? t("state.range_open", { min, max }) : `${min}..${max}`;
}

function defaults() {
  return Object.fromEntries(Object.entries(SCHEMA).map(([k, s]) => [k, s.default]));
}

/** The defaults when `dataset` is the dataset: the schema's, under that dataset's preset. */
export function defaultsFor(dataset = SCHEMA.dataset.default) {
  return { ...defaults(), dataset, ...presetFor(dataset) };
}

// Hash parameters no module has declared yet: kept in the URL until `declare` claims them.
const pending = new Map();

const MAX_QUOTE = 80; // characters of a raw link value quoted in a notice (as settings.quote)
const MAX_PENDING = 1000; // characters of an undeclared link key or value kept until a view claims it

/** The notice for a refused link value; a 100 kB value is quoted by its first characters. */
function ignored(key, raw, error) {
  const quote = (text) => (text.length <= MAX_QUOTE ? text : `${text.slice(0, MAX_QUOTE - 1)}…`);
  return t("state.ignored", { key: quote(key), value: quote(raw), reason: error });
}

/** Read the hash into a patch; invalid values become notices, unknown keys wait in `pending`. */
export function parseHash(hash) {
  const patch = {};
  const notices = [];
  const params = new URLSearchParams(String(hash).replace(/^#/, ""));
  for (const [key, raw] of params) {
    const spec = SCHEMA[key];
    if (!spec) {
      // may belong to a view that declares it later; a huge one belongs to none (and would be
      // kept in the URL and in the saved settings for ever)
      if (key.length > MAX_PENDING || raw.length > MAX_PENDING) notices.push(ignored(key, raw, t("state.unknown_too_long")));
      else pending.set(key, raw);
      continue;
    }
    const { value, error } = parseValue(spec, raw);
    if (error) notices.push(ignored(key, raw, error));
    else patch[key] = value;
  }
  return { patch, notices };
}

/** The hash for `values`: only keys whose value differs from the default (for its dataset). */
export function toHash(values) {
  const parts = [];
  const base = { ...defaultsFor(values.dataset), dataset: SCHEMA.dataset.default };
  const put = (key, raw) => parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(raw).replace(/%2C/g, ",").replace(/%3A/g, ":")}`);
  for (const [key, spec] of Object.entries(SCHEMA)) {
    if (key in values && values[key] !== base[key]) {
      put(key, spec.type === "bool" ? (values[key] ? "1" : "0") : String(values[key]));
    }
  }
  for (const [key, raw] of pending) if (!(key in SCHEMA)) put(key, raw);
  return parts.length ? `#${parts.join("&")}` : "";
}

export const state = defaultsFor();
const listeners = new Set();
export const hashNotices = [];
let hashLoaded = false; // before loadHash, the URL is the opening link: nothing may rewrite it

/** Declare extra keys (used by views that own more settings). Existing keys are kept. */
export function declare(specs) {
  for (const [key, spec] of Object.entries(specs)) {
    if (key in SCHEMA) continue;
    SCHEMA[key] = spec;
    state[key] = spec.default;
    if (pending.has(key)) {
      const raw = pending.get(key);
      pending.delete(key);
      const { value, error } = parseValue(spec, raw);
      if (error) notify(ignored(key, raw, error));
      else state[key] = value;
    }
  }
  if (hashLoaded) writeHash();
}

let noticeSink = null;
/** Where notices about the URL go once the page can show them (main.js sets it). */
export function onNotice(fn) {
  noticeSink = fn;
}
function notify(message) {
  if (noticeSink) noticeSink(message);
  else hashNotices.push(message);
}

/**
 * Apply `patch` after validating each value against the schema. Throws on an unknown key or an
 * invalid value (a programming error in a view). Returns the keys that really changed.
 */
export function update(patch) {
  const changed = [];
  for (const [key, raw] of Object.entries(patch)) {
    const spec = SCHEMA[key];
    if (!spec) throw new Error(`Unknown state key "${key}".`);
    const value = typeof raw === "string" || spec.type === "string" ? parseValue(spec, raw) : checkTyped(spec, raw);
    if (value.error) throw new Error(`Invalid ${key}=${JSON.stringify(raw)}: ${value.error}.`);
    if (state[key] !== value.value) {
      state[key] = value.value;
      changed.push(key);
    }
  }
  if (changed.length) {
    writeHash();
    for (const fn of [...listeners]) fn(state, changed);
  }
  return changed;
}

function checkTyped(spec, raw) {
  if (spec.type === "bool") return typeof raw === "boolean" ? { value: raw } : { error: t("state.expected_bool") };
  if (spec.type === "int" || spec.type === "number") {
    if (typeof raw !== "number" || !Number.isFinite(raw)) return { error: t("state.expected_number") };
    if (spec.type === "int" && !Number.isInteger(raw)) return { error: t("state.expected_int") };
    return inRange(spec, raw);
  }
  return parseValue(spec, raw);
}

/** Call `fn(state, changedKeys)` after every change; returns an unsubscribe function. */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function writeHash() {
  const url = location.pathname + location.search + toHash(state);
  history.replaceState(history.state, "", url);
}

/** Load the hash into the state (at boot and when the user edits the URL). */
export function loadHash() {
  hashLoaded = true;
  pending.clear();
  const { patch, notices } = parseHash(location.hash);
  for (const n of notices) notify(n);
  const next = { ...defaultsFor(patch.dataset), ...patch };
  const changed = [];
  for (const [key, value] of Object.entries(next)) {
    if (state[key] !== value) {
      state[key] = value;
      changed.push(key);
    }
  }
  writeHash(); // drops the invalid parts from the URL
  if (changed.length) for (const fn of [...listeners]) fn(state, changed);
  return notices;
}
