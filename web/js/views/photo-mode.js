// The Draw tab when the models in use read photos: a CIFAR-10 model (api/in_use.py: `input`
// {kind: "rgb32"}), made the one in use from the Train tab or loaded from a file. The drawing pad
// and its prediction card give way to a note that says so, and the upload card asks for photos
// (Python shrinks each to 32×32 colour: no digit preprocessing). Digit models in use again: the
// pad comes back. The student is told of each switch.
//
// Hooks: body[data-input] ("gray28" | "rgb32"), #draw-photo-note. Style: css/photos.css.

import { el, addStylesheet } from "../ui.js";
import { t, translateDom } from "../i18n.js";

export function init(ctx) {
  addStylesheet(new URL("../../css/photos.css", import.meta.url));
  const view = document.getElementById("view-draw");
  const padCard = view.querySelector(".pad-card");
  const drawing = [...padCard.children, view.querySelector(".result-card")];
  const uploadHeader = document.getElementById("upload-title").parentElement;
  const text = el("p", { class: "card-sub" });
  const note = el("div", { id: "draw-photo-note", class: "card-header", hidden: true }, [
    el("h3", { class: "card-title", text: t("draw.photo.title") }), text]);
  padCard.prepend(note);

  ctx.inUse.subscribe((current, cause) => {
    const kind = current.input?.kind ?? "gray28";
    const photos = kind === "rgb32";
    const before = document.body.dataset.input ?? "gray28";
    document.body.dataset.input = kind;
    text.textContent = t("draw.photo.note", { classes: current.class_names.join(", ") });
    if (photos === (before === "rgb32")) return;
    for (const node of drawing) node.hidden = photos;
    note.hidden = !photos;
    // the upload card asks for photos or for digits: its marked words (index.html) change keys
    uploadHeader.querySelector(".card-title").dataset.i18n = photos ? "upload.photo.title" : "upload.title";
    uploadHeader.querySelector(".card-sub").dataset.i18n = photos ? "upload.photo.sub" : "upload.sub";
    translateDom(uploadHeader);
    if (cause !== "init") ctx.alert(t(photos ? "draw.photo.switched" : "draw.photo.back"), { level: "info" });
  });
}
