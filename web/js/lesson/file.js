// Lesson files: made from the page's parts by Python (`lesson_make`), and opened (the panel's file
// picker, or a .json file dropped anywhere on the page) by Python first (`lesson_open` checks the
// whole file and puts its model in use), then applied here: classes, starter code, the settings.
// A refused file changes nothing and says why. The format is py/backproplab/lesson.py.
//
// The parts a lesson carries besides settings come from the views that own them, registered
// in `ctx.lessonParts`: `classes` (views/train.js: {get() -> [{name, images}], set(list)}) and
// `code` (views/check.js: {get() -> {name: source} | null, set(files)}).

import { t, pyMessage } from "../i18n.js";
import { LESSON } from "../state.js";
import { announce, downloadFile, formatBytes } from "../ui.js";

/** What the page can put in a lesson file now: {classes, model, code}, each null or a summary. */
export async function lessonParts(ctx) {
  const classes = ctx.lessonParts.classes?.get() ?? [];
  const images = classes.reduce((n, c) => n + c.images.length, 0);
  const mlp = ctx.inUse.current.models?.mlp;
  const code = (await ctx.lessonParts.code?.get()) ?? null;
  return {
    classes: classes.length ? { count: classes.length, images } : null,
    model: mlp && mlp.source !== "default" ? { description: pyMessage(mlp.description) } : null,
    code: code && Object.keys(code).length ? { files: Object.keys(code) } : null,
  };
}

/** Download the lesson file of `settings` with the parts asked for ({classes, model, code}). */
export async function downloadLesson(ctx, settings, want) {
  const client = await ctx.whenReady();
  const fields = { settings, models: Boolean(want.model) };
  if (want.classes) fields.classes = ctx.lessonParts.classes.get();
  if (want.code) fields.code = await ctx.lessonParts.code.get();
  const file = await client.call("lesson_make", fields);
  downloadFile(file.text, file.filename, "application/json");
  return file;
}

/** "settings, 2 classes, a model and starter code": what an opened lesson brought. */
function brought(result) {
  const parts = [t("lesson.file.part.settings")];
  if (result.classes) parts.push(t("lesson.file.part.classes", { count: result.classes.length }));
  if (result.in_use) parts.push(t("lesson.file.part.model"));
  if (result.code) parts.push(t("lesson.file.part.code", { files: Object.keys(result.code).join(", ") }));
  return new Intl.ListFormat(document.documentElement.lang, { type: "conjunction" }).format(parts);
}

/** Open the lesson file `file`: resolves with true when it was applied, false when refused. */
export async function openLesson(ctx, file) {
  const limit = LESSON.maxBytes;
  if (file.size > limit) {
    ctx.alert(t("lesson.file.tooBig", { file: file.name, size: formatBytes(file.size), limit: formatBytes(limit) }));
    return false;
  }
  const client = await ctx.whenReady();
  let result;
  try {
    result = await client.call("lesson_open", { text: await file.text(), name: file.name });
  } catch (error) {
    ctx.alert(t("lesson.file.failed", { file: file.name, reason: pyMessage(error) || error.message }));
    return false;
  }
  if (result.refused) {
    ctx.alert(pyMessage(result.refused));
    return false;
  }
  if (result.classes) ctx.lessonParts.classes?.set(result.classes);
  if (result.code) ctx.lessonParts.code?.set(result.code);
  if (result.in_use) ctx.inUse.set(result.in_use, "imported");
  ctx.update(result.settings);
  const message = t("lesson.file.opened", { file: file.name, parts: brought(result) });
  ctx.alert(message, { level: "success" });
  announce(message);
  return true;
}

/** A single .json file dropped anywhere on the page is opened as a lesson (before the views'
 *  own drop zones see it: none of them takes JSON). */
export function acceptDroppedLessons(ctx) {
  const lessonOf = (event) => {
    const files = event.dataTransfer?.files;
    return files?.length === 1 && /\.json$/i.test(files[0].name) ? files[0] : null;
  };
  window.addEventListener("drop", (event) => {
    const file = lessonOf(event);
    if (!file) return;
    event.preventDefault();
    event.stopPropagation();
    openLesson(ctx, file);
  }, true);
}
