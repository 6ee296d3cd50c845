// The teacher's instruction (the state's `banner`, from a lesson link or file), shown at the top
// of the page and said once to screen readers. The student may dismiss it for this session
// (sessionStorage; when the browser refuses storage, until the page is reloaded).

import { t } from "../i18n.js";
import { el, announce } from "../ui.js";

const DISMISSED = "backproplab.banner.dismissed";

function readDismissed() {
  try { return sessionStorage.getItem(DISMISSED); } catch { return null; }  // storage refused
}

export function startBanner(ctx) {
  let dismissed = readDismissed();
  let said = null;
  const text = el("p", { class: "lesson-banner-text", id: "lesson-banner-text" });
  const close = el("button", {
    class: "alert-close lesson-banner-close", type: "button", id: "lesson-banner-close",
    "aria-label": t("lesson.banner.dismiss"), title: t("lesson.banner.dismiss"), text: "×",
  });
  const root = el("aside", { id: "lesson-banner", class: "lesson-banner", "aria-labelledby": "lesson-banner-label", hidden: true }, [
    el("span", { class: "lesson-banner-label", id: "lesson-banner-label", text: t("lesson.banner.label") }),
    text,
    close,
  ]);
  const header = document.querySelector(".site-header");
  if (header) header.after(root);
  else document.body.prepend(root);

  close.addEventListener("click", () => {
    dismissed = ctx.state.banner;
    try { sessionStorage.setItem(DISMISSED, dismissed); } catch { /* kept until a reload */ }
    root.hidden = true;
    document.querySelector(".tab[aria-selected=true]")?.focus();  // the focus does not fall to the body
  });

  function show(s) {
    const banner = s.banner.trim();
    root.hidden = !banner || banner === dismissed;
    text.textContent = banner;
    if (!root.hidden && banner !== said) {
      said = banner;
      announce(t("lesson.banner.announce", { text: banner }));
    }
  }

  show(ctx.state);
  ctx.subscribe((s, changed) => changed.includes("banner") && show(s));
}
