// CIFAR-10's subset in use, given back to a fresh Python (a reload, a restarted worker) from
// IndexedDB, where the Train view keeps it (storage.js). The Train view and the stepper (a
// CIFAR-10 model in use) both need it; whichever asks first restores it, once.

import { loadCifarSubset } from "./storage.js";

let restoredAsked = null;  // the sizes the restored subset was made for (Python may give fewer)
let pending = null;        // a restore under way: a second caller waits for it, not a second copy

/**
 * Python holds the subset in use, restored from IndexedDB if needed.
 * @returns {Promise<{loaded: object|null, restored: boolean, asked: object|null}>} `loaded`:
 *   Python's summary (null: no subset anywhere); `restored`: given back from IndexedDB
 *   just now (by this call or one it joined); `asked`: the sizes the subset last given back in this page was made for.
 */
export function restoreCifarSubset(client) {
  pending ??= restore(client).finally(() => { pending = null; });
  return pending;
}

async function restore(client) {
  const { loaded } = await client.call("cifar_status");
  if (loaded) return { loaded, restored: false, asked: restoredAsked };
  const saved = await loadCifarSubset();
  if (!saved) return { loaded: null, restored: false, asked: null };
  const { X_train, y_train, X_test, y_test, class_names, n_read } = saved;
  const summary = await client.call("cifar_restore", { X_train, y_train, X_test, y_test, class_names, n_read });
  restoredAsked = saved.asked ?? { cifar_train: summary.n_train, cifar_test: summary.n_test };
  return { loaded: summary, restored: true, asked: restoredAsked };
}
