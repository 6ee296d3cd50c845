// The upload panel: file picker, drag and drop, paste. Each file becomes one result element in
// #upload-results with data-file (its name) and, when done, data-label (the MLP's digit) or
// data-error (a message a student can act on). Files are checked and decoded in the browser
// (see image-decode.js); Python gets downscaled RGBA and runs the same preprocessing as for
// the draw pad. Files are processed one at a time, in the order given.

import { el, drawGray, drawRGB } from "../ui.js";
import { t } from "../i18n.js";
import { decodeImageFile, ImageRefused } from "../image-decode.js";

const THUMB = 64;

// the view's context, set by init (module-level so processFile stays a plain function)
let context = null;
const ctxReady = () => context.whenReady().then(() => context.client);

export function init(ctx) {
  context = ctx;
  const input = document.getElementById("upload-input");
  const zone = document.getElementById("upload-drop");
  const view = document.getElementById("view-draw");
  const results = document.getElementById("upload-results");
  const actions = document.getElementById("upload-actions");
  const clearAll = document.getElementById("upload-clear");

  let queue = Promise.resolve();

  function addFiles(fileList) {
    const files = [...fileList];
    if (!files.length) return;
    actions.hidden = false;
    for (const file of files) {
      const item = createItem(file);
      results.append(item.node);
      // one at a time; a surprise in one file must not stop the ones after it
      queue = queue.then(() => processFile(file, item)).catch((error) => fail(item, t("upload.failed", { reason: error?.message || error })));
    }
  }

  input.addEventListener("change", () => {
    addFiles(input.files);
    input.value = ""; // picking the same file again still fires change
  });

  // drag and drop anywhere on the Draw view; the zone lights up
  let depth = 0;
  view.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth += 1;
    zone.classList.add("is-over");
  });
  view.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  });
  view.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) zone.classList.remove("is-over");
  });
  view.addEventListener("drop", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    zone.classList.remove("is-over");
    addFiles(event.dataTransfer.files);
  });
  // a file dropped outside the view must not navigate away from the lab
  window.addEventListener("dragover", (event) => hasFiles(event) && event.preventDefault());
  window.addEventListener("drop", (event) => hasFiles(event) && event.preventDefault());

  document.addEventListener("paste", (event) => {
    if (ctx.state.tab !== "draw") return;
    const files = [...(event.clipboardData?.files ?? [])];
    if (!files.length) return;
    event.preventDefault();
    addFiles(files.map((f, i) => (f.name && f.name !== "image.png" ? f : new File([f], `pasted-${Date.now()}-${i + 1}.${(f.type.split("/")[1] || "png")}`, { type: f.type }))));
  });

  clearAll.addEventListener("click", () => {
    results.replaceChildren();
    actions.hidden = true;
    input.focus();  // "Remove all" hides itself: the focus goes to "Choose images…"
  });
}

function hasFiles(event) {
  return [...(event.dataTransfer?.types ?? [])].includes("Files");
}

/** The result element for one file, filled in as the file is processed. */
function createItem(file) {
  const thumb = el("div", { class: "placeholder", "aria-hidden": "true" });
  const seen = el("div", { class: "placeholder", "aria-hidden": "true" });
  const verdict = el("div", { class: "upload-verdict" }, [el("span", { class: "upload-pending", text: t("upload.reading") })]);
  const node = el("li", { class: "upload-item", dataset: { file: file.name } }, [
    el("span", { class: "upload-name", title: file.name, text: file.name }),
    thumb,
    seen,
    verdict,
  ]);
  return { node, thumb, seen, verdict };
}

async function processFile(file, item) {
  let decoded;
  try {
    decoded = await decodeImageFile(file);
  } catch (error) {
    fail(item, error instanceof ImageRefused ? error.message : t("upload.unreadable", { reason: error?.message || error }));
    return;
  }
  const thumbCanvas = el("canvas", { class: "upload-thumb", role: "img", "aria-label": t("upload.thumb.label", { name: file.name }) });
  const scale = Math.min(1, (2 * THUMB) / Math.max(decoded.width, decoded.height));
  thumbCanvas.width = Math.max(1, Math.round(decoded.width * scale));
  thumbCanvas.height = Math.max(1, Math.round(decoded.height * scale));
  thumbCanvas.getContext("2d").drawImage(decoded.thumbnail, 0, 0, thumbCanvas.width, thumbCanvas.height);
  decoded.thumbnail.close();
  item.thumb.replaceWith(thumbCanvas);
  item.thumb = thumbCanvas;
  item.verdict.replaceChildren(el("span", { class: "upload-pending", text: t("upload.waiting") }));

  const client = await ctxReady();
  item.verdict.replaceChildren(el("span", { class: "upload-pending", text: t("upload.predicting") }));
  let result;
  try {
    const rgba = decoded.rgba;
    result = await client.call("predict", { image: { width: decoded.sendWidth, height: decoded.sendHeight, rgba } }, [rgba.buffer]);
  } catch (error) {
    fail(item, t("upload.no_prediction", { reason: error?.message || error }));
    return;
  }
  const colour = Boolean(result.image32);  // a CIFAR-10 model: the photo shrunk to 32×32 colour
  const seen = el("canvas", { class: "pixel-image", role: "img", "aria-label": t(colour ? "upload.photo.seen" : "draw.seen.label") });
  if (colour) drawRGB(seen, result.image32);
  else drawGray(seen, result.image28);
  item.seen.replaceWith(seen);
  item.node.dataset.input = result.input;
  const { mlp, knn } = result;
  const name = context.className;
  const top = mlp ?? knn; // without a network, the k-NN's answer is the prediction
  item.node.dataset.label = String(top.label);
  item.node.dataset.knnLabel = String(knn.label);
  item.verdict.replaceChildren(
    el("span", { class: "upload-top" }, [
      el("span", { class: "upload-label", text: name(top.label) }),
      mlp ? el("span", { class: "upload-sure", text: Number.isFinite(mlp.probabilities[mlp.label]) ? t("draw.confidence", { p: mlp.probabilities[mlp.label] }) : t("upload.nan") }) : null,
    ]),
    el("span", { class: "upload-meta", text: t("upload.knn", { label: name(knn.label) }) }),
    el("span", { class: "upload-meta", text: `${FORMAT_LABEL[decoded.format]} · ${decoded.width}×${decoded.height}` }),
  );
}

const FORMAT_LABEL = { png: "PNG", jpeg: "JPEG", gif: "GIF", webp: "WebP", bmp: "BMP" };

function fail(item, message) {
  item.node.dataset.error = message;
  item.verdict.remove();
  item.seen.remove();
  if (!(item.thumb instanceof HTMLCanvasElement)) item.thumb.remove(); // nothing to show
  item.node.append(el("p", { class: "upload-error", text: message }));
}

