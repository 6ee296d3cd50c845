// The k-NN curve of a run on every core: its test rows cut into chunks that the page's own
// Python and a small pool of helper workers take in turn (api/knn_curve.py). Python does all
// the maths; this module only hands out rows, adds up the counts Python returns, reports
// progress, and stops handing out rows when cancelled.
//
//   const pool = createKnnPool({ call });   // call(type, fields): the page's own worker
//   pool.warm();                             // boot the helpers now (each one a Pyodide)
//   const curve = await pool.curve({ kMax: 20, onProgress: (done, total, workers) => {} });
//   pool.cancel();                           // the curve resolves with null
//
// Helpers are worker.js named "backproplab-knn": no digits, no models, OpenBLAS before ready.
// Each is given the run's k-NN inputs once (knn_share -> knn_load) and keeps them until the
// next run (share_id). A helper that fails (crash, time-out) gives its chunk back and drops
// out of this curve; the page's own worker finishes the rows left. How many helpers: one per
// core beyond the first, at most MAX_HELPERS: both cores of a laptop, and a phone with eight
// does not start eight Pyodides.
// Counts are integers: any split gives exactly the curve one worker gives.

import { createClient } from "./client.js";

const MAX_HELPERS = 1;  // each helper is a Pyodide (~60 MB) with its own copy of the training set
const HELPER_NAME = "backproplab-knn";

/** Helpers worth starting on a device with `cores` logical cores. */
export function helperCount(cores = navigator.hardwareConcurrency || 1) {
  return Math.max(0, Math.min(MAX_HELPERS, cores - 1));
}

export function createKnnPool({ call, helpers = helperCount() }) {
  const pool = [];       // {client, shareId}
  let running = null;    // {cancelled, failed} of the curve being computed

  function warm() {
    while (pool.length < helpers) {
      const helper = { client: null, shareId: null };
      // a restarted helper (client.js restarts a crashed one) holds no data any more
      helper.client = createClient({ name: HELPER_NAME, onCrash: () => { helper.shareId = null; } });
      pool.push(helper);
    }
    return pool;
  }

  async function curve({ kMax = 20, onProgress = () => {} } = {}) {
    if (running) throw new Error("A k-NN curve is being computed already.");
    const mine = running = { cancelled: false, failed: false };
    const started = performance.now();
    try {
      const plan = await call("knn_curve", { k_max: kMax });
      const chunks = [];
      for (let lo = 0; lo < plan.n_test; lo += plan.rows) chunks.push([lo, Math.min(plan.n_test, lo + plan.rows)]);
      const correct = new Array(plan.k_max).fill(0);
      const workers = new Set();
      let done = 0;
      const helpers = plan.split ? warm() : [];
      // the run's inputs for the helpers that lack them: asked first, so they join soon
      const share = helpers.some((h) => h.shareId !== plan.share_id) ? call("knn_share") : null;
      share?.catch(() => {});  // a failure is each helper's, below
      const rows = (lo, hi) => ({ share_id: plan.share_id, lo, hi, k_max: plan.k_max });

      const pending = new Set();  // the calls of the chunks being computed

      /** Take chunks until none is left; a failed chunk goes back to the queue. */
      async function work(name, ask) {
        while (!mine.cancelled && !mine.failed && chunks.length) {
          const [lo, hi] = chunks.shift();
          const asked = ask("knn_rows", rows(lo, hi));
          pending.add(asked);
          let reply;
          try {
            reply = await asked;
          } catch (error) {
            chunks.unshift([lo, hi]);
            throw error;
          } finally {
            pending.delete(asked);
          }
          reply.correct.forEach((c, k) => { correct[k] += c; });
          done += hi - lo;
          workers.add(name);
          onProgress(done, plan.n_test, workers.size);
        }
      }
      const own = () => work("page", call).catch((error) => {
        mine.failed = true;
        throw error;
      });
      // helpers join when booted and loaded; the curve never waits for one that is not
      helpers.forEach(async (helper, i) => {
        try {
          await helper.client.ready;
          if (helper.shareId !== plan.share_id) {
            if (mine.cancelled || mine.failed || !chunks.length) return;
            await helper.client.call("knn_load", await share);
            helper.shareId = plan.share_id;
          }
          await work(`helper ${i + 1}`, helper.client.call);
        } catch (error) {
          console.warn(`k-NN helper ${i + 1} stopped helping: ${error.message}`);
        }
      });
      await own();
      // until every chunk is counted: the ones helpers compute, the ones a failing one gave back
      while (!mine.cancelled && (chunks.length || pending.size)) {
        await Promise.allSettled([...pending]);
        if (chunks.length) await own();
      }
      if (mine.cancelled) return null;
      return await call("knn_result", { k_max: plan.k_max, correct, workers: workers.size,
                                        seconds: (performance.now() - started) / 1000 });
    } finally {
      if (running === mine) running = null;
    }
  }

  return {
    warm,
    curve,
    /** Stop handing out rows: the chunks being computed finish, then curve() gives null. */
    cancel() {
      if (running) running.cancelled = true;
    },
    get busy() { return Boolean(running); },
  };
}
