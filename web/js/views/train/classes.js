// "My classes": the student's own named classes, filled by drawing on a small pad or by
// uploading pictures (as in Teachable Machine). Every image is turned into a 28×28 digit-style
// image by Python's preprocessor (`dataset_preprocess`), shown as a thumbnail, and the whole set
// is kept in IndexedDB (storage.js) so a reload keeps it. Export/import as a JSON file.

import { el, drawGray } from "../../ui.js";
import { t, lang } from "../../i18n.js";
import { decodeImageFile } from "../../image-decode.js";
import { loadDataset, saveDataset } from "../../storage.js";
import { createPad } from "../../pad.js";

export const MAX_CLASSES = 10;
const MAX_IMAGES = 2000;
const STORE_ID = "mine";
const FORMAT = "backproplab-classes";
const PAD_SEND_SIZE = 280; // a drawing goes to the preprocessor as 280×280 RGBA

const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));
function fromBase64(text) {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/** Check an imported file's object; returns classes or throws an Error with what is wrong. */
export function parseExport(data) {
  if (!data || data.format !== FORMAT) {
    throw new Error(t("train.classes.file.notOurs", { format: FORMAT }));
  }
  if (!Array.isArray(data.classes) || data.classes.length === 0) throw new Error(t("train.classes.file.empty"));
  if (data.classes.length > MAX_CLASSES) throw new Error(t("train.classes.file.tooMany", { count: data.classes.length, max: MAX_CLASSES }));
  return data.classes.map((c, i) => {
    if (typeof c?.name !== "string" || !c.name.trim()) throw new Error(t("train.classes.file.noName", { n: i + 1 }));
    if (!Array.isArray(c.images)) throw new Error(t("train.classes.file.noImages", { name: c.name }));
    const images = c.images.map((text, j) => {
      let bytes;
      try {
        bytes = fromBase64(String(text));
      } catch {
        throw new Error(t("train.classes.file.notBase64", { n: j + 1, name: c.name }));
      }
      if (bytes.length !== 784) throw new Error(t("train.classes.file.badSize", { n: j + 1, name: c.name, count: bytes.length }));
      return bytes;
    });
    return { name: c.name.trim().slice(0, 40), images };
  });
}

export function createClassesEditor(root, ctx, { onChange = () => {} } = {}) {
  let classes = [];
  let ready = false;

  const list = el("ol", { class: "class-list", id: "class-list" });
  const addButton = el("button", { id: "classes-add", class: "button button-small", type: "button", text: t("train.classes.add") });
  const exportButton = el("button", { id: "classes-export", class: "button button-small", type: "button", text: t("train.classes.export") });
  const importInput = el("input", { id: "classes-import", type: "file", accept: ".json,application/json", class: "visually-hidden" });
  const importLabel = el("label", { class: "button button-small", for: "classes-import", text: t("train.classes.import") });
  const summary = el("p", { class: "classes-summary", id: "classes-summary", "aria-live": "polite" });
  root.replaceChildren(
    el("div", { class: "classes-toolbar" }, [addButton, exportButton, importLabel, importInput]),
    summary,
    list,
  );

  const save = () => saveDataset(STORE_ID, { name: "My classes", classes }).catch((error) => ctx.alert(t("train.classes.notSaved", { error: error?.message || error })));

  function changed({ store = true } = {}) {
    render();
    if (store) save();
    onChange(classes);
  }

  function render() {
    const total = classes.reduce((n, c) => n + c.images.length, 0);
    summary.textContent = classes.length
      ? `${t("train.classes.count", { count: classes.length })}, ${t("train.classes.images", { count: total })}. ${t("train.classes.kept")}`
      : t("train.classes.none");
    addButton.disabled = classes.length >= MAX_CLASSES;
    exportButton.disabled = total === 0;
    // keep existing cards (their pads hold drawings in progress); add/remove the difference
    while (list.children.length > classes.length) list.lastElementChild.remove();
    classes.forEach((c, i) => {
      let card = list.children[i];
      if (!card) {
        card = buildCard();
        list.append(card);
      }
      card.update(i, c);
    });
  }

  function buildCard() {
    const name = el("input", { class: "class-name", type: "text", maxlength: "40", "aria-label": t("train.classes.name"), spellcheck: "false" });
    const count = el("span", { class: "class-count" });
    const remove = el("button", { class: "button button-small class-delete", type: "button", text: t("train.classes.delete") });
    const canvas = el("canvas", { class: "class-pad", "aria-label": t("train.classes.pad"), role: "img", tabindex: "-1" });
    const addDrawing = el("button", { class: "button button-small button-primary class-add-drawing", type: "button", text: t("train.classes.addDrawing"), disabled: true });
    const clearPad = el("button", { class: "button button-small class-clear-pad", type: "button", text: t("train.classes.clear") });
    const upload = el("input", { class: "visually-hidden class-upload", type: "file", multiple: true, accept: "image/png,image/jpeg,image/webp,image/gif,image/bmp" });
    const uploadLabel = el("label", { class: "button button-small class-upload-label" }, [t("train.classes.upload"), upload]);
    const thumbs = el("ol", { class: "class-thumbs", "aria-label": t("train.classes.thumbs") });
    const card = el("li", { class: "class-card" }, [
      el("header", { class: "class-head" }, [name, count, remove]),
      el("div", { class: "class-body" }, [
        el("div", { class: "class-pad-wrap" }, [canvas, el("span", { class: "class-pad-hint", text: t("train.classes.drawHere") })]),
        el("div", { class: "class-actions" }, [addDrawing, clearPad, uploadLabel]),
      ]),
      thumbs,
    ]);
    let index = 0;
    const pad = createPad(canvas, {
      lineScale: 1.15,
      onChange: (n) => {
        addDrawing.disabled = n === 0 || !ready;
        card.classList.toggle("has-drawing", n > 0);
      },
    });
    name.addEventListener("change", () => {
      const text = name.value.trim();
      if (!text) {
        name.value = classes[index].name;
        ctx.alert(t("train.classes.needsName"), { level: "warning" });
        return;
      }
      if (classes.some((c, j) => j !== index && c.name === text)) {
        name.value = classes[index].name;
        ctx.alert(t("train.classes.taken", { name: text }), { level: "warning" });
        return;
      }
      classes[index].name = text;
      changed();
    });
    remove.addEventListener("click", () => {
      const c = classes[index];
      if (c.images.length && !confirm(t("train.classes.confirmDelete", { name: c.name, count: c.images.length }))) return;
      classes.splice(index, 1);
      changed();
      addButton.focus();  // this card is gone: the focus goes to "+ Add a class", not to the body
    });
    addDrawing.addEventListener("click", async () => {
      if (pad.isEmpty()) return;
      addDrawing.disabled = true;
      try {
        await addImages(index, [pad.toImage(PAD_SEND_SIZE)]);
        pad.clear();
      } catch (error) {
        ctx.alert(t("train.classes.drawingFailed", { error: error?.message || error }));
      } finally {
        addDrawing.disabled = pad.isEmpty() || !ready;
        if (addDrawing.disabled && document.activeElement === addDrawing) canvas.focus();
      }
    });
    clearPad.addEventListener("click", () => pad.clear());
    upload.addEventListener("change", async () => {
      const files = [...upload.files];
      upload.value = "";
      const target = index;
      const images = [];
      for (const file of files) {
        try {
          const d = await decodeImageFile(file);
          d.thumbnail?.close?.();
          images.push({ width: d.sendWidth, height: d.sendHeight, rgba: d.rgba, name: file.name });
        } catch (error) {
          ctx.alert(`${file.name}: ${error?.message || error}`);
        }
      }
      for (const image of images) {
        try {
          await addImages(target, [image]);
        } catch (error) {
          ctx.alert(`${image.name}: ${error?.message || error}`);
        }
      }
    });

    card.update = (i, c) => {
      index = i;
      card.dataset.class = String(i);
      if (document.activeElement !== name) name.value = c.name;
      count.textContent = t("train.classes.images", { count: c.images.length });
      card.dataset.images = String(c.images.length);
      addDrawing.disabled = pad.isEmpty() || !ready;
      if (thumbs.children.length !== c.images.length || thumbs.dataset.version !== String(c.version ?? 0)) {
        thumbs.dataset.version = String(c.version ?? 0);
        thumbs.replaceChildren(
          ...c.images.map((pixels, j) => {
            const img = el("canvas", { class: "pixel-image", role: "img", "aria-label": t("train.classes.thumb", { name: c.name, n: j + 1 }) });
            drawGray(img, pixels);
            const del = el("button", { class: "thumb-delete", type: "button", "aria-label": t("train.classes.removeImage", { n: j + 1 }), title: t("train.classes.remove"), text: "×" });
            del.addEventListener("click", () => {
              c.images.splice(j, 1);
              c.version = (c.version ?? 0) + 1;
              changed();
              // the next image's ×, else the one before, else the class's pad: never the body
              const items = thumbs.querySelectorAll(".thumb-delete");
              (items[j] ?? items[j - 1] ?? canvas).focus();
            });
            return el("li", { class: "class-thumb" }, [img, del]);
          }),
        );
        if (!c.images.length) thumbs.append(el("li", { class: "class-empty", text: t("train.classes.noImages") }));
      }
    };
    card.setReady = () => {
      addDrawing.disabled = pad.isEmpty() || !ready;
    };
    return card;
  }

  async function addImages(i, images) {
    const c = classes[i];
    if (!c) return;
    if (c.images.length + images.length > MAX_IMAGES) throw new Error(t("train.classes.full", { max: MAX_IMAGES }));
    const payload = images.map(({ width, height, rgba }) => ({ width, height, rgba }));
    const result = await ctx.client.call("dataset_preprocess", { images: payload });
    c.images.push(...result.images.map((b) => new Uint8Array(b)));
    c.version = (c.version ?? 0) + 1;
    changed();
  }

  addButton.addEventListener("click", () => {
    if (classes.length >= MAX_CLASSES) return;
    let n = classes.length + 1;
    while (classes.some((c) => c.name === t("train.classes.defaultName", { n }))) n += 1;
    classes.push({ name: t("train.classes.defaultName", { n }), images: [] });
    changed();
    list.lastElementChild?.querySelector(".class-name")?.focus();
  });

  exportButton.addEventListener("click", () => {
    const data = { format: FORMAT, version: 1, classes: classes.map((c) => ({ name: c.name, images: c.images.map(toBase64) })) };
    const blob = new Blob([JSON.stringify(data)], { type: "application/json" });
    const a = el("a", { href: URL.createObjectURL(blob), download: "my-classes.json" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  });

  importInput.addEventListener("change", async () => {
    const file = importInput.files[0];
    importInput.value = "";
    if (!file) return;
    try {
      if (file.size > 50 * 1024 * 1024) throw new Error(t("train.classes.file.tooBig"));
      let data;
      try {
        data = JSON.parse(await file.text());
      } catch {
        throw new Error(t("train.classes.file.notJson"));
      }
      classes = parseExport(data);
      changed();
      ctx.alert(t("train.classes.imported", { count: classes.length, file: file.name }), { level: "success" });
    } catch (error) {
      ctx.alert(t("train.classes.importFailed", { file: file.name, error: error.message }));
    }
  });

  async function load() {
    try {
      const stored = await loadDataset(STORE_ID);
      if (stored?.classes?.length) classes = stored.classes.map((c) => ({ name: c.name, images: c.images.map((b) => new Uint8Array(b)) }));
    } catch (error) {
      ctx.alert(t("train.classes.notRead", { error: error?.message || error }), { level: "warning" });
    }
    if (!classes.length) classes = [1, 2].map((n) => ({ name: t("train.classes.defaultName", { n }), images: [] }));
    changed({ store: false });
  }

  const loaded = load();
  return {
    loaded,
    get classes() {
      return classes;
    },
    /** What is missing before these classes can be trained on ("" when nothing is). */
    missing() {
      const empty = classes.filter((c) => !c.images.length).map((c) => t("train.classes.quoted", { name: c.name }));
      if (classes.length < 2) return t("train.classes.needTwo");
      if (empty.length) return t("train.classes.needImages", { names: new Intl.ListFormat(lang, { type: "conjunction" }).format(empty) });
      return "";
    },
    /** Classes for train_start: [{name, images: Uint8Array[]}]. */
    payload: () => classes.map((c) => ({ name: c.name, images: c.images })),
    /** Put a lesson's classes ([{name, images: bytes[]}], checked by Python) in place of these. */
    replace(list) {
      classes = list.map((c, i) => ({ name: c.name, images: c.images.map((b) => new Uint8Array(b)), version: (classes[i]?.version ?? 0) + 1 }));
      changed();
    },
    setReady() {
      ready = true;
      for (const card of list.children) card.setReady?.();
    },
  };
}
