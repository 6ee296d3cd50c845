// A Player drives chunked work, as TensorFlow Playground's does: play / pause / step / reset.
//
// `chunk(generation, {single})` does one piece of work (a training chunk, one stepper step) and resolves
// to true while there is more to do. Playing calls it again after `wait()` (by default the next
// painted frame, or a plain turn of the event loop in a background tab) until it says false,
// pause() is called, or reset() starts a new generation. Every reset bumps `generation`:
// a reply that arrives for an older generation is stale, and `isCurrent(gen)` says so.
//
// status: "idle" (ready, nothing done yet) | "running" | "paused" | "done".
// onChange(status) is called on every change; onError(error, generation) when a chunk throws
// (the Player pauses first, so the view decides what to tell the user).

export function nextFrame() {
  return new Promise((resolve) => (document.hidden ? setTimeout(resolve, 0) : requestAnimationFrame(() => setTimeout(resolve, 0))));
}

export function createPlayer({ chunk, wait = nextFrame, onChange = () => {}, onError = (error) => { throw error; } }) {
  let status = "idle";
  let generation = 0;

  function set(next) {
    if (status === next) return;
    status = next;
    onChange(next);
  }

  async function run(gen, single = false) {
    let more;
    try {
      more = await chunk(gen, { single });
    } catch (error) {
      if (gen !== generation) return false;
      if (status === "running") set("paused");
      onError(error, gen);
      return false;
    }
    if (gen !== generation) return false;
    if (!more) set("done");
    return more;
  }

  async function loop(gen) {
    while (status === "running" && gen === generation) {
      if (!(await run(gen))) return;
      if (status !== "running" || gen !== generation) return;
      await wait();
    }
  }

  return {
    get status() { return status; },
    get generation() { return generation; },
    isCurrent: (gen) => gen === generation,
    /** Keep doing chunks until done, paused or reset. */
    play() {
      if (status === "running" || status === "done") return Promise.resolve();
      set("running");
      return loop(generation);
    },
    pause() {
      if (status === "running") set("paused");
    },
    /** One chunk (`single`: the smallest one), then paused (or done). */
    async step() {
      if (status === "running" || status === "done") return;
      const gen = generation;
      if (await run(gen, true)) set("paused");
    },
    /** A new generation: replies to older ones are dropped. Returns the new generation. */
    reset() {
      generation += 1;
      set("idle");
      return generation;
    },
    /** Mark the work as finished (e.g. the worker said so outside a chunk). */
    finish() {
      set("done");
    },
  };
}
