// The classroom: lesson links (hide, lock, banner, mode: ./link.js, ./banner.js, ../modes.js),
// "Copy link" (./copy.js), the teacher panel (./panel.js) and lesson files (./file.js).
// Started by main.js before the views, so that what a link hides is never shown.

import { startModes } from "../modes.js";
import { startLessonView } from "./link.js";
import { startBanner } from "./banner.js";
import { startCopyButton } from "./copy.js";
import { createPanel } from "./panel.js";
import { acceptDroppedLessons } from "./file.js";

export function startLessons(ctx) {
  ctx.lessonParts = {};  // views/train.js adds `classes`, views/check.js `code` (see ./file.js)
  startModes(ctx);
  startLessonView(ctx);
  startBanner(ctx);
  startCopyButton(document.getElementById("copy-link"));
  createPanel(ctx, document.getElementById("lesson-open"));
  acceptDroppedLessons(ctx);
}
