// The k-NN card's computation on every core (js/knn-pool.js): a progress bar under the note and
// a Cancel button beside "Compute k = 1…20" while it runs. The note's words stay run.js's.
//
//   const knn = createKnnRun(ui, call);  // ui: layout.js's elements; call: one worker call,
//                                        // serialised with the run's other calls
//   knn.warm();                          // a big set is coming: boot the helpers now
//   const curve = await knn.compute({ onProgress: (done, total) => {} });  // null: cancelled
//
// Hooks: #knn-progress[value][data-workers], #knn-cancel; when done, #knn-note gets
// data-workers and data-accuracy (the 20 accuracies, comma-separated).

import { el } from "../../ui.js";
import { t } from "../../i18n.js";
import { createKnnPool } from "../../knn-pool.js";

export function createKnnRun(ui, call) {
  const pool = createKnnPool({ call });
  const bar = el("progress", { id: "knn-progress", class: "train-progress", max: "1", value: "0", hidden: true, "aria-label": t("train.knnpool.bar") });
  const cancel = el("button", { id: "knn-cancel", class: "button button-small", type: "button", hidden: true, text: t("train.knnpool.cancel") });
  const actions = el("div", { class: "knn-actions" });
  ui.knnButton.replaceWith(actions);  // side by side, also where the header stacks (phones)
  actions.append(ui.knnButton, cancel);
  ui.knnNote.before(bar);
  cancel.addEventListener("click", () => {
    cancel.disabled = true;
    pool.cancel();
  });

  function show(on) {
    bar.hidden = cancel.hidden = !on;
    if (!on && document.activeElement === cancel) ui.knnButton.focus();
  }

  return {
    warm: pool.warm,
    async compute({ onProgress = () => {} } = {}) {
      const note = ui.knnNote.dataset;
      delete note.seconds;
      delete note.workers;
      delete note.accuracy;
      bar.value = 0;
      cancel.disabled = false;
      show(true);
      try {
        const curve = await pool.curve({
          kMax: 20,
          onProgress(done, total, workers) {
            bar.value = done / total;
            bar.dataset.workers = String(workers);
            onProgress(done, total);
          },
        });
        if (curve) {
          note.workers = String(curve.workers);
          note.accuracy = curve.accuracy.join(",");
        }
        return curve;
      } finally {
        show(false);
      }
    },
  };
}
