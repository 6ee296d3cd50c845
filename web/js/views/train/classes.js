// "My classes": the student's own named classes, filled by drawing on a small pad or by
// uploading pictures (as in Teachable Machine). Every image is turned into a 28×28 digit-style
// image by Python's preprocessor (`dataset_preprocess`), shown as a thumbnail, and the whole set
// is kept in IndexedDB (storage.js) so a reload keeps it. Export/import as a JSON file.

import { el, drawGray } from "../../ui.js";
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
    throw new Error(`This is not a Backprop Lab classes file (expected "format": "${FORMAT}").`);
  }
  if (!Array.isArray(data.classes) || data.classes.length === 0) throw new Error("The file holds no classes.");
  if (data.classes.length > MAX_CLASSES) throw new Error(`The file holds ${data.classes.length} classes; at most ${MAX_CLASSES} fit.`);
  return data.classes.map((c, i) => {
    if (typeof c?.name !== "string" || !c.name.trim()) throw new Error(`Class ${i + 1} in the file has no name.`);
    if (!Array.isArray(c.images)) throw new Error(`Class "${c.name}" in the file has no image list.`);
    const images = c.images.map((text, j) => {
      let bytes;
      try {
        bytes = fromBase64(String(text));
      } catch {
        throw new Error(`Image ${j + 1} of class "${c.name}" is not valid base64.`);
      }
      if (bytes.length !== 784) throw new Error(`Image ${j + 1} of class "${c.name}" has ${bytes.length} bytes; a 28×28 image has 784.`);
      return bytes;
    });
    return { name: c.name.trim().slice(0, 40), images };
  });
}

export function createClassesEditor(root, ctx, { onChange = () => {} } = {}) {
  let classes = [];
  let ready = false;

  const list = el("ol", { class: "class-list", id: "class-list" });
  const addButton = el("button", { id: "classes-add", class: "button button-small", type: "button", text: "+ Add a class" });
  const exportButton = el("button", { id: "classes-export", class: "button button-small", type: "button", text: "Export…" });
  const importInput = el("input", { id: "classes-import", type: "file", accept: ".json,application/json", class: "visually-hidden" });
  const importLabel = el("label", { class: "button button-small", for: "classes-import", text: "Import…" });
  const summary = el("p", { class: "classes-summary", id: "classes-summary", "aria-live": "polite" });
  root.replaceChildren(
    el("div", { class: "classes-toolbar" }, [addButton, exportButton, importLabel, importInput]),
    summary,
    list,
  );

  const save = () => saveDataset(STORE_ID, { name: "My classes", classes }).catch((error) => ctx.alert(`Could not keep your classes in this browser: ${error?.message || error}`));

  function changed({ store = true } = {}) {
    render();
    if (store) save();
    onChange(classes);
  }

  function render() {
    const total = classes.reduce((n, c) => n + c.images.length, 0);
    summary.textContent = classes.length
      ? `${classes.length} classes, ${total} images. Kept in this browser; a reload keeps them.`
      : "No classes yet.";
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
    const name = el("input", { class: "class-name", type: "text", maxlength: "40", "aria-label": "Class name", spellcheck: "false" });
    const count = el("span", { class: "class-count" });
    const remove = el("button", { class: "button button-small class-delete", type: "button", text: "Delete" });
    const canvas = el("canvas", { class: "class-pad", "aria-label": "Drawing pad for this class", role: "img", tabindex: "-1" });
    const addDrawing = el("button", { class: "button button-small button-primary class-add-drawing", type: "button", text: "Add drawing", disabled: true });
    const clearPad = el("button", { class: "button button-small class-clear-pad", type: "button", text: "Clear" });
    const upload = el("input", { class: "visually-hidden class-upload", type: "file", multiple: true, accept: "image/png,image/jpeg,image/webp,image/gif,image/bmp" });
    const uploadLabel = el("label", { class: "button button-small class-upload-label" }, ["Upload…", upload]);
    const thumbs = el("ol", { class: "class-thumbs", "aria-label": "Images in this class" });
    const card = el("li", { class: "class-card" }, [
      el("header", { class: "class-head" }, [name, count, remove]),
      el("div", { class: "class-body" }, [
        el("div", { class: "class-pad-wrap" }, [canvas, el("span", { class: "class-pad-hint", text: "draw here" })]),
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
        ctx.alert("A class needs a name.", { level: "warning" });
        return;
      }
      if (classes.some((c, j) => j !== index && c.name === text)) {
        name.value = classes[index].name;
        ctx.alert(`There is already a class called "${text}".`, { level: "warning" });
        return;
      }
      classes[index].name = text;
      changed();
    });
    remove.addEventListener("click", () => {
      const c = classes[index];
      if (c.images.length && !confirm(`Delete the class "${c.name}" and its ${c.images.length} images?`)) return;
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
        ctx.alert(`That drawing could not be added: ${error?.message || error}`);
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
      count.textContent = `${c.images.length} image${c.images.length === 1 ? "" : "s"}`;
      card.dataset.images = String(c.images.length);
      addDrawing.disabled = pad.isEmpty() || !ready;
      if (thumbs.children.length !== c.images.length || thumbs.dataset.version !== String(c.version ?? 0)) {
        thumbs.dataset.version = String(c.version ?? 0);
        thumbs.replaceChildren(
          ...c.images.map((pixels, j) => {
            const img = el("canvas", { class: "pixel-image", role: "img", "aria-label": `${c.name}, image ${j + 1}` });
            drawGray(img, pixels);
            const del = el("button", { class: "thumb-delete", type: "button", "aria-label": `Remove image ${j + 1}`, title: "Remove", text: "×" });
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
        if (!c.images.length) thumbs.append(el("li", { class: "class-empty", text: "No images yet: draw a few examples (5 or more is good) or upload pictures." }));
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
    if (c.images.length + images.length > MAX_IMAGES) throw new Error(`A class holds at most ${MAX_IMAGES} images.`);
    const payload = images.map(({ width, height, rgba }) => ({ width, height, rgba }));
    const result = await ctx.client.call("dataset_preprocess", { images: payload });
    c.images.push(...result.images.map((b) => new Uint8Array(b)));
    c.version = (c.version ?? 0) + 1;
    changed();
  }

  addButton.addEventListener("click", () => {
    if (classes.length >= MAX_CLASSES) return;
    let n = classes.length + 1;
    while (classes.some((c) => c.name === `Class ${n}`)) n += 1;
    classes.push({ name: `Class ${n}`, images: [] });
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
      if (file.size > 50 * 1024 * 1024) throw new Error("The file is larger than 50 MB.");
      let data;
      try {
        data = JSON.parse(await file.text());
      } catch {
        throw new Error("The file is not valid JSON.");
      }
      classes = parseExport(data);
      changed();
      ctx.alert(`Imported ${classes.length} classes from ${file.name}.`, { level: "success" });
    } catch (error) {
      ctx.alert(`${file.name} could not be imported: ${error.message}`);
    }
  });

  async function load() {
    try {
      const stored = await loadDataset(STORE_ID);
      if (stored?.classes?.length) classes = stored.classes.map((c) => ({ name: c.name, images: c.images.map((b) => new Uint8Array(b)) }));
    } catch (error) {
      ctx.alert(`Your saved classes could not be read from this browser: ${error?.message || error}`, { level: "warning" });
    }
    if (!classes.length) classes = [{ name: "Class 1", images: [] }, { name: "Class 2", images: [] }];
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
      const empty = classes.filter((c) => !c.images.length).map((c) => `"${c.name}"`);
      if (classes.length < 2) return "Add a second class: a network needs at least two classes to tell apart.";
      if (empty.length) return `Add images to ${empty.join(" and ")}: draw a few examples on each class's pad (five or more is good) or upload pictures, then press Play.`;
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
