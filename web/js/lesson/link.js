// A lesson link's view of the page: the controls named in the state's `hide` and `lock`
// (settings.py CONTROLS) are hidden, or shown disabled with the visible note "Set by your
// teacher", which every locked field also gets as its accessible description.
//
// A control is found by name: `[data-setting="<setting>"]` (the element holding a setting's
// field, label and hint) or `[data-part="<part>"]` (a named part: a tab, the upload card…).
// Views build and rebuild their elements at any time, so a MutationObserver applies the lesson
// to new elements and disables again a locked field a view re-enables. This is a view of the
// page, not a security barrier: the link, or the browser's tools, undo it.

import { t } from "../i18n.js";
import { el } from "../ui.js";

const FIELDS = "input, select, textarea, button";
const LOCK_SVG = '<svg viewBox="0 0 16 16" width="12" height="12"><rect x="3" y="7" width="10" height="8" rx="1.5" fill="currentColor"/><path d="M5.2 7V5a2.8 2.8 0 0 1 5.6 0v2" fill="none" stroke="currentColor" stroke-width="1.8"/></svg>';
// keys that move through the stepper's steps from anywhere in its tab (timeline.js)
const STEP_KEYS = new Set(["ArrowLeft", "ArrowRight", "Home", "End"]);

const names = (text) => new Set(String(text || "").split(",").filter(Boolean));
const nameOf = (node) => node.dataset.setting ?? node.dataset.part;

/** Apply `state.hide` / `state.lock` to the page, now and whenever they or the page change. */
export function startLessonView(ctx) {
  let hidden = new Set();
  let locked = new Set();
  let notes = 0;
  let scheduled = false;

  const observer = new MutationObserver(() => {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      apply();
    });
  });

  function fieldsOf(node) {
    return [...(node.matches(FIELDS) ? [node] : []), ...node.querySelectorAll(FIELDS)];
  }

  function lock(node) {
    let note = node.querySelector(":scope > .lesson-lock-note");
    if (!note) {
      const icon = el("span", { class: "lesson-lock-icon", "aria-hidden": "true" });
      icon.innerHTML = LOCK_SVG;
      note = el("span", { class: "lesson-lock-note", id: `lesson-lock-${++notes}` }, [icon, t("lesson.locked")]);
      node.append(note);
    }
    for (const field of fieldsOf(node)) {
      if (!field.hasAttribute("data-lesson-locked")) {
        field.dataset.lessonLocked = field.disabled ? "was-disabled" : "";
        const described = field.getAttribute("aria-describedby") ?? "";
        field.dataset.lessonDescribedby = described;
        field.setAttribute("aria-describedby", `${described} ${note.id}`.trim());
      }
      if (!field.disabled) field.disabled = true;
    }
  }

  function release(node) {
    node.querySelector(":scope > .lesson-lock-note")?.remove();
    for (const field of node.querySelectorAll("[data-lesson-locked]")) unlockField(field);
    if (node.hasAttribute("data-lesson-locked")) unlockField(node);
  }

  function unlockField(field) {
    field.disabled = field.dataset.lessonLocked === "was-disabled";
    const described = field.dataset.lessonDescribedby;
    if (described) field.setAttribute("aria-describedby", described);
    else field.removeAttribute("aria-describedby");
    delete field.dataset.lessonLocked;
    delete field.dataset.lessonDescribedby;
  }

  function apply() {
    for (const node of document.querySelectorAll("[data-setting], [data-part]")) {
      const name = nameOf(node);
      const want = hidden.has(name) ? "hidden" : locked.has(name) ? "locked" : null;
      const was = node.dataset.lesson ?? null;
      if (was === "locked" && want !== "locked") release(node);
      if (want) node.dataset.lesson = want;
      else if (was) delete node.dataset.lesson;
      if (want === "locked") lock(node);
    }
    observer.takeRecords(); // our own changes are not news
  }

  function follow(s) {
    hidden = names(s.hide);
    locked = names(s.lock);
    for (const name of hidden) locked.delete(name);
    document.body.dataset.lessonView = hidden.size || locked.size ? "on" : "off";
    apply();
    if (hidden.size || locked.size) {
      observer.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["disabled"] });
    } else observer.disconnect();
  }

  // a locked stepper keeps its step: the arrow keys that move it anywhere in the tab are ignored
  window.addEventListener("keydown", (event) => {
    if (!locked.has("step") || ctx.state.tab !== "stepper" || !STEP_KEYS.has(event.key)) return;
    if (event.target instanceof HTMLElement && event.target.closest("input, textarea, select, [role=tab]")) return;
    event.stopPropagation();
  }, true);

  follow(ctx.state);
  ctx.subscribe((s, changed) => {
    if (changed.includes("hide") || changed.includes("lock")) follow(s);
  });
}
