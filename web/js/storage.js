// Browser storage for what a student makes: their own datasets and their trained models.
//
// One IndexedDB database ("backproplab", object store "kv") through idb-keyval. Keys are
// namespaced strings: `dataset:<id>` and `model:<id>`. Values are plain objects holding
// Uint8Arrays (IndexedDB stores typed arrays natively). Nothing here knows about the page;
// views call these functions and show their own messages when a call throws.

import { createStore, get, set, del, keys } from "../vendor/idb-keyval/index.js";

const store = createStore("backproplab", "kv");

/** Write one value; a full disk throws a QuotaExceededError that says so in plain words
 *  (IndexedDB writes are transactions: the value saved before under this key is kept). */
async function put(key, value) {
  try {
    await set(key, value, store);
  } catch (error) {
    if (error?.name !== "QuotaExceededError" && !/quota/i.test(String(error?.message))) throw error;
    const full = new Error("This browser's storage is full, so this was not saved; what was saved before is kept. " +
      "Free space (for instance by clearing other sites' data) and try again.");
    full.name = "QuotaExceededError";
    throw full;
  }
}

async function listPrefixed(prefix) {
  const all = await keys(store);
  return all.filter((k) => typeof k === "string" && k.startsWith(prefix)).map((k) => k.slice(prefix.length));
}

/** A user dataset: {name, classes: [{name, images: Uint8Array(784)[]}], updated}. */
export async function loadDataset(id) {
  return (await get(`dataset:${id}`, store)) ?? null;
}

export async function saveDataset(id, dataset) {
  await put(`dataset:${id}`, { ...dataset, updated: Date.now() });
}

export async function deleteDataset(id) {
  await del(`dataset:${id}`, store);
}

export function listDatasets() {
  return listPrefixed("dataset:");
}

/** A trained model as the worker's `modelio` JSON dict, plus metadata (settings, accuracy). */
export async function loadModel(id) {
  return (await get(`model:${id}`, store)) ?? null;
}

export async function saveModel(id, model) {
  await put(`model:${id}`, { ...model, saved: Date.now() });
}

export async function deleteModel(id) {
  await del(`model:${id}`, store);
}

export function listModels() {
  return listPrefixed("model:");
}

/** The student's code in the "Check my code" tab: {files: {name: source}, current, saved}. */
export async function loadCode() {
  return (await get("code:lab", store)) ?? null;
}

export async function saveCode(code) {
  await put("code:lab", { ...code, saved: Date.now() });
}

/** CIFAR-10's subset in use (the Train view, api/cifar.py): {X_train, y_train, X_test, y_test:
 *  Uint8Array (rows of R, G, B planes of 32×32; labels), class_names, n_read, saved}. */
export async function loadCifarSubset() {
  return (await get("cifar:subset", store)) ?? null;
}

export async function saveCifarSubset(subset) {
  await put("cifar:subset", { ...subset, saved: Date.now() });
}

export async function deleteCifarSubset() {
  await del("cifar:subset", store);
}
