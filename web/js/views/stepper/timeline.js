// The stepper's way through the steps: the list of every step (grouped by phase), the
// Previous / Play / Next buttons, the progress bar and the arrow keys. Play is a Player
// (../../player.js) that shows one step per chunk and waits PLAY_MS between them.
//
// Hooks: #stepper-timeline (.stepper-chip[data-step-name][data-check]), #stepper-prev,
// #stepper-play[aria-pressed], #stepper-next.

import { el } from "../../ui.js";
import { t, pyMessage } from "../../i18n.js";
import { createPlayer } from "../../player.js";
import { checkState, shortName } from "./card.js";

const PLAY_MS = 2400;

/** onShow(index): show step `index`; isActive(): whether the arrow keys are ours (tab shown). */
export function createTimeline({ onShow, isActive }) {
  const list = el("ol", { id: "stepper-timeline", class: "stepper-timeline", "aria-label": t("stepper.steps"), dataset: { setting: "step" } });
  const prev = el("button", { id: "stepper-prev", class: "button", type: "button", "aria-label": t("stepper.nav.previousStep"), "aria-keyshortcuts": "ArrowLeft" }, ["‹ ", el("span", { class: "stepper-nav-text", text: t("stepper.nav.previous") })]);
  const play = el("button", { id: "stepper-play", class: "button", type: "button", "aria-pressed": "false", text: t("stepper.nav.play") });
  const next = el("button", { id: "stepper-next", class: "button button-primary", type: "button", "aria-label": t("stepper.nav.nextStep"), "aria-keyshortcuts": "ArrowRight" }, [el("span", { class: "stepper-nav-text", text: t("stepper.nav.next") }), " ›"]);
  const nav = el("div", { class: "stepper-nav", dataset: { setting: "step" } }, [prev, play, next, el("span", { class: "stepper-keys", text: t("stepper.nav.keys") })]);
  const progress = el("div", { class: "stepper-progress", "aria-hidden": "true" }, [el("span", { class: "stepper-progress-fill" })]);

  let steps = [];
  let current = 0;
  let restart = false; // Play pressed on the last step: start again from the first

  const player = createPlayer({
    chunk: async () => {
      go(restart ? 0 : current + 1);
      restart = false;
      return current < steps.length - 1;
    },
    wait: () => new Promise((resolve) => setTimeout(resolve, PLAY_MS)),
    onChange: (status) => {
      const running = status === "running";
      play.textContent = t(running ? "stepper.nav.pause" : "stepper.nav.play");
      play.setAttribute("aria-pressed", String(running));
    },
  });

  /** Stop playing: a new generation, so a pending wait never shows another step. */
  function stop() {
    player.reset();
  }

  function go(i) {
    if (!steps.length) return;
    current = Math.max(0, Math.min(steps.length - 1, i));
    onShow(current);
    for (const chip of list.querySelectorAll(".stepper-chip")) {
      const on = Number(chip.dataset.index) === current;
      chip.classList.toggle("is-current", on);
      if (on) {
        chip.setAttribute("aria-current", "step");
        reveal(chip);
      } else chip.removeAttribute("aria-current");
    }
    prev.disabled = current === 0;
    next.disabled = current === steps.length - 1;
    progress.firstChild.style.width = `${(100 * (current + 1)) / steps.length}%`;
  }

  /** Scroll only the step list (never the page) so that `chip` is visible. */
  function reveal(chip) {
    for (const box of [list, list.parentElement]) {
      const outer = box.getBoundingClientRect();
      const inner = chip.getBoundingClientRect();
      if (box.scrollWidth > box.clientWidth) {
        if (inner.left < outer.left) box.scrollLeft -= outer.left - inner.left + 16;
        else if (inner.right > outer.right) box.scrollLeft += inner.right - outer.right + 16;
      }
      if (box.scrollHeight > box.clientHeight) {
        if (inner.top < outer.top) box.scrollTop -= outer.top - inner.top + 8;
        else if (inner.bottom > outer.bottom) box.scrollTop += inner.bottom - outer.bottom + 8;
      }
    }
  }

  function render() {
    const groups = [];
    steps.forEach((step, i) => {
      if (!groups.length || groups.at(-1).phase !== step.phase) groups.push({ phase: step.phase, items: [] });
      groups.at(-1).items.push(el("li", {}, [el("button", {
        type: "button", class: "stepper-chip", dataset: { index: String(i), check: checkState(step), phase: step.phase, stepName: step.name },
        title: pyMessage(step.title), onclick: () => go(i),
      }, [el("span", { class: "stepper-chip-dot", "aria-hidden": "true" }), el("span", { class: "stepper-chip-name", translate: "no", text: shortName(step.name) })])]));
    });
    list.replaceChildren(...groups.map((g) => el("li", { class: `stepper-group is-${g.phase}` }, [
      el("span", { class: "stepper-group-title", text: t(`stepper.group.${g.phase}`) }), el("ol", { class: "stepper-group-items" }, g.items)])));
  }

  prev.addEventListener("click", () => { stop(); go(current - 1); });
  next.addEventListener("click", () => { stop(); go(current + 1); });
  play.addEventListener("click", () => {
    if (player.status === "running") return stop();
    if (!steps.length) return;
    player.reset();
    restart = current === steps.length - 1;
    player.play();
  });
  document.addEventListener("keydown", (event) => {
    if (!isActive() || event.altKey || event.ctrlKey || event.metaKey || !steps.length) return;
    const target = event.target;
    if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.getAttribute("role") === "tab")) return;
    const moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: steps.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    stop();
    go(moves[event.key]);
  });

  return {
    list,
    nav,
    progress,
    stop,
    /** The current step's index. */
    get current() {
      return current;
    },
    /** Show new `newSteps`, staying on the step named `keep` if they have one. */
    show(newSteps, keep) {
      const names = newSteps.map((s) => s.name);
      steps = newSteps;
      current = keep && names.includes(keep) ? names.indexOf(keep) : Math.min(current, names.length - 1);
      render();
      go(current);
    },
    /** Show step `i` again (its card changed: a view mode, all tiles). */
    redraw: () => go(current),
    clear() {
      stop();
      steps = [];
      list.replaceChildren();
    },
  };
}
