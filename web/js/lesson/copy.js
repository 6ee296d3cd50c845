// "Copy link": puts a link to the page as it is (every setting is in the URL) on the
// clipboard, for an installed app that has no address bar too. Success is shown on the button
// and said to screen readers; when the browser refuses the clipboard (no permission, an
// iframe, plain http on a LAN), the link appears in a text field, selected, to copy by hand.

import { t } from "../i18n.js";
import { el, announce } from "../ui.js";

const SHOWN_MS = 2500;

/** Copy `url`. `button`: says "Copied" for a moment; `fallback(url)`: shows the link to copy
 *  by hand when the clipboard is refused. Resolves with whether the clipboard took it. */
export async function copyLink(url, { button, fallback }) {
  try {
    if (!navigator.clipboard?.writeText) throw new Error("no clipboard");
    await navigator.clipboard.writeText(url);
  } catch {
    fallback(url);
    return false;
  }
  const label = button.querySelector(".copy-label") ?? button;
  if (!button.dataset.copied) label.dataset.before = label.textContent;
  button.dataset.copied = "true";
  label.textContent = t("lesson.copy.done");
  announce(t("lesson.copy.said"));
  clearTimeout(Number(button.dataset.timer));
  button.dataset.timer = String(setTimeout(() => {
    delete button.dataset.copied;
    label.textContent = label.dataset.before;
  }, SHOWN_MS));
  return true;
}

/** Select the text of `input` so that Ctrl+C (or a long press) copies it. */
export function selectForCopy(input) {
  input.focus();
  input.select();
}

/** The header's "Copy link" button (#copy-link): the current page's link. */
export function startCopyButton(button) {
  if (!button) return;
  const field = el("input", { id: "copy-link-field", class: "copy-field", type: "text", readonly: true, "aria-describedby": "copy-link-help" });
  const close = () => {
    box.hidden = true;
    button.focus();
  };
  const box = el("div", { id: "copy-link-fallback", class: "copy-fallback", hidden: true, onkeydown: (event) => event.key === "Escape" && close() }, [
    el("label", { class: "copy-fallback-label", for: "copy-link-field", text: t("lesson.copy.manualLabel") }),
    field,
    el("p", { id: "copy-link-help", class: "copy-fallback-help", text: t("lesson.copy.manual") }),
    el("button", { class: "button button-small", type: "button", text: t("lesson.copy.close"), onclick: close }),
  ]);
  button.parentElement.append(box);  // under the header's tools (css/lesson.css), moving nothing
  button.addEventListener("click", () => copyLink(location.href, {
    button,
    fallback: (url) => {
      field.value = url;
      box.hidden = false;
      selectForCopy(field);
    },
  }));
}
