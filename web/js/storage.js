// Browser storage for what a student makes: their own datasets and their trained models.
//
// One IndexedDB database ("backproplab", object store "kv") through idb-keyval. Keys are
// namespaced strings: `dataset:<id>` and `model:<id>`. Values are plain objects holding
// Uint8Arrays (IndexedDB stores typed arrays natively). Nothing here knows about the page;
// views call these functions and show their own messages when a call throws.
//
// Storage blocked (a browser setting, some private modes: touching `window.indexedDB` throws, or
// opening the database fails): `blocked` holds the reason, reads find nothing, writes do nothing,
// and nothing throws; the page says once that work cannot be saved this time (views/models.js).

import { createStore, get, set, del, keys } from "../vendor/idb-keyval/index.js";
import { t } from "./i18n.js";

/** Why this browser lets the page keep nothing (null while storage works). */
export let blocked = probe();
const blockedListeners = new Set();

function probe() {
  try {
    return window.indexedDB ? null : t("storage.no_indexeddb");
  } catch (error) {
    return error?.message || String(error);
  }
}

/** Call `fn(reason)` once storage is found blocked (at once if it already is). */
export function onBlocked(fn) {
  if (blocked) fn(blocked);
  else blockedListeners.add(fn);
}

function block(error) {
  if (blocked) return;
  blocked = error?.message || String(error);
  for (const fn of blockedListeners) fn(blocked);
  blockedListeners.clear();
}

// Errors that mean "this browser does not let this page use IndexedDB", not "this write failed".
const BLOCKED_ERRORS = new Set(["SecurityError", "InvalidStateError", "UnknownError", "NotAllowedError"]);

/** Run an idb-keyval call; `fallback` is its result when storage is blocked. */
async function guarded(call, fallback) {
  if (blocked) return fallback;
  try {
    return await call();  // idb-keyval may throw synchronously: inside this try either way
  } catch (error) {
    if (!BLOCKED_ERRORS.has(error?.name)) throw error;
    block(error);
    return fallback;
  }
}

const store = blocked ? null : createStore("backproplab", "kv");

/** Write one value; a full disk throws a QuotaExceededError that says so in plain words
 *  (IndexedDB writes are transactions: the value saved before under this key is kept). */
async function put(key, value) {
  try {
    await guarded(() => set(key, value, store));
  } catch (error) {
    if (error?.name !== "QuotaExceededError" && !/quota/i.test(String(error?.message))) throw error;
    const full = new Error(t("storage.full"));
    full.name = "QuotaExceededError";
    throw full;
  }
}

async function listPrefixed(prefix) {
  const all = await guarded(() => keys(store), []);
  return all.filter((k) => typeof k === "string" && k.startsWith(prefix)).map((k) => k.slice(prefix.length));
}

/** A user dataset: {name, classes: [{name, images: Uint8Array(784)[]}], updated}. */
export async function loadDataset(id) {
  return (await guarded(() => get(`dataset:${id}`, store), null)) ?? null;
}

export async function saveDataset(id, dataset) {
  await put(`dataset:${id}`, { ...dataset, updated: Date.now() });
}

export async function deleteDataset(id) {
  await guarded(() => del(`dataset:${id}`, store));
}

export function listDatasets() {
  return listPrefixed("dataset:");
}

/** A trained model as the worker's `modelio` JSON dict, plus metadata (settings, accuracy). */
export async function loadModel(id) {
  return (await guarded(() => get(`model:${id}`, store), null)) ?? null;
}

export async function saveModel(id, model) {
  await put(`model:${id}`, { ...model, saved: Date.now() });
}

export async function deleteModel(id) {
  await guarded(() => del(`model:${id}`, store));
}

export function listModels() {
  return listPrefixed("model:");
}

/** The page settings (the URL hash) kept from last time, or null. */
export async function loadSettings() {
  return (await guarded(() => get("settings:hash", store), null)) ?? null;
}

export async function saveSettings(hash) {
  await guarded(() => set("settings:hash", hash, store));
}

/** The student's code in the "Check my code" tab: {files: {name: source}, current, saved}. */
export async function loadCode() {
  return (await guarded(() => get("code:lab", store), null)) ?? null;
}

export async function saveCode(code) {
  await put("code:lab", { ...code, saved: Date.now() });
}

/** CIFAR-10's subset in use (the Train view, api/cifar.py): {X_train, y_train, X_test, y_test:
 *  Uint8Array (rows of R, G, B planes of 32×32; labels), class_names, n_read, saved}. */
export async function loadCifarSubset() {
  return (await guarded(() => get("cifar:subset", store), null)) ?? null;
}

export async function saveCifarSubset(subset) {
  await put("cifar:subset", { ...subset, saved: Date.now() });
}

export async function deleteCifarSubset() {
  await guarded(() => del("cifar:subset", store));
}
