// The page's layout mode, the state's `mode` (settings.py): `normal`; `projector` (#mode=projector:
// no text under 18 px at 1920×1080, the whole width, thicker chart lines and map dots; the
// decision map and the curves side by side); `embed` (#mode=embed: no header, fits an iframe,
// and says what this frame cannot keep when the browser gives it no storage or service worker).
// CSS does the layout (css/lesson.css, body[data-mode]); charts and the map ask `projector()`.
//
//   startModes(ctx)           // once, from main.js (through lesson/index.js)
//   projector()               // whether charts should draw thick
//   onModeChange(fn)          // fn(mode) after a change (charts redraw)

import { t } from "./i18n.js";
import { el } from "./ui.js";
import { onBlocked } from "./storage.js";

const listeners = new Set();

/** Whether the page is in projector mode. */
export function projector() {
  return document.body.dataset.mode === "projector";
}

/** Call `fn(mode)` whenever the mode changes; returns an unsubscribe function. */
export function onModeChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Whether this frame can register a service worker (a sandboxed iframe cannot even ask). */
function serviceWorkers() {
  try {
    return "serviceWorker" in navigator && Boolean(navigator.serviceWorker);
  } catch {
    return false;
  }
}

/** The embed mode's top line: open the full lab, and what this frame does not keep. */
function embedBar(ctx) {
  const open = el("a", { id: "embed-open", class: "embed-open", target: "_blank", rel: "noopener", text: t("mode.embed.open") });
  const kept = el("p", { id: "embed-kept", class: "embed-kept", "aria-live": "polite" });
  const bar = el("div", { id: "embed-bar", class: "embed-bar" }, [kept, open]);
  const missing = new Set(serviceWorkers() ? [] : ["offline"]);
  const say = () => {
    kept.hidden = !missing.size;
    kept.dataset.missing = [...missing].sort().join(",");
    kept.textContent = missing.has("storage") && missing.has("offline") ? t("mode.embed.keepsNothing")
      : missing.has("storage") ? t("mode.embed.noStorage") : missing.size ? t("mode.embed.noOffline") : "";
  };
  onBlocked(() => {
    missing.add("storage");
    say();
  });
  say();
  const link = () => {
    const params = new URLSearchParams(location.hash.slice(1));
    params.delete("mode");
    const hash = params.toString();
    open.href = `${location.pathname}${location.search}${hash ? `#${hash}` : ""}`;
  };
  link();
  ctx.subscribe(link);
  return bar;
}

export function startModes(ctx) {
  let bar = null;
  function apply(mode) {
    document.body.dataset.mode = mode;
    if (mode === "embed" && !bar) {
      bar = embedBar(ctx);
      document.body.prepend(bar);
    }
    if (bar) bar.hidden = mode !== "embed";
    for (const fn of listeners) fn(mode);
  }
  apply(ctx.state.mode);
  ctx.subscribe((s, changed) => changed.includes("mode") && apply(s.mode));
}
