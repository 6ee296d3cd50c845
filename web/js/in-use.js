// The models the page predicts with, as Python last described them (api/in_use.py):
// {class_names, models: {mlp, knn}, input} (each model: {kind, source, description, ...}; input:
// what both read, {kind: "gray28" | "rgb32", size, shape, colour, description}).
//
// Every reply that changes them (init, use_trained, model_import) carries `in_use`; whoever
// gets such a reply calls `set(reply.in_use, cause)`, and the views that show or keep the
// models subscribe. cause: "init" (Python started) | "trained" | "default" | "imported" (a
// file) | "restored" (the model kept in this browser, loaded back).

export function createInUse() {
  let current = { class_names: [], models: null, input: null };
  const listeners = new Set();
  return {
    /** {class_names, models, input}; models and input are null until Python has said. */
    get current() {
      return current;
    },
    /** The display name of class index `label`. */
    className(label) {
      return current.class_names?.[label] ?? String(label);
    },
    set(inUse, cause) {
      current = { class_names: inUse?.class_names ?? [], models: inUse?.models ?? null, input: inUse?.input ?? null };
      for (const fn of [...listeners]) fn(current, cause);
    },
    /** Call `fn(current, cause)` after every change; returns an unsubscribe function. */
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
