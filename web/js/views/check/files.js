// The student's files in the "Check my code" tab: one editor tab per file (mlp.py, knn.py,
// read_cifar.py, or whatever they open), kept in this browser (IndexedDB) after every edit, so
// a reload loses nothing; opened from disk (#check-file, several at once, or dropped on the
// editor) and downloaded back as .py files.

import { el, formatBytes, downloadFile } from "../../ui.js";
import { t } from "../../i18n.js";
import { loadCode, saveCode } from "../../storage.js";

const MAX_FILE_BYTES = 200_000;   // the checker's limit per file (api/check.py MAX_CHARS)
const MAX_FILES = 10;
const SAVE_AFTER_MS = 400;


/** `tabsHost`: where the file tabs go; `editor`: ./editor.js; `say(text, level)`: a status line. */
export function createFiles(tabsHost, { editor, alert, say }) {
  let files = {};          // name -> source
  let current = null;
  let starters = {};       // name -> starter source (from Python)
  let adopted = {};        // name -> a lesson's starter source (they win over Python's)
  let restored = false;
  let saveTimer = null;
  const savedNote = el("span", { id: "check-saved", class: "muted small", "aria-live": "polite" });

  function renderTabs() {
    tabsHost.replaceChildren(...Object.keys(files).map((name) => el("button", {
      type: "button", class: "check-file-tab", role: "tab", dataset: { file: name },
      "aria-selected": String(name === current), tabindex: name === current ? "0" : "-1",
      text: name, onclick: () => show(name), onkeydown: (event) => moveTab(event, name),
    })));
  }

  /** Arrow keys, Home and End move between the file tabs (the tablist pattern). */
  function moveTab(event, name) {
    const names = Object.keys(files);
    const i = names.indexOf(name);
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: names.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    show(names[(to + names.length) % names.length]);
    tabsHost.querySelector('[aria-selected="true"]')?.focus();
  }

  function show(name) {
    if (!(name in files)) return;
    if (current && current in files) files[current] = editor.text;
    current = name;
    editor.load(files[name]);
    renderTabs();
  }

  function scheduleSave() {
    clearTimeout(saveTimer);
    savedNote.dataset.save = "saving";
    saveTimer = setTimeout(save, SAVE_AFTER_MS);
  }

  async function save() {
    clearTimeout(saveTimer);
    try {
      await saveCode({ files, current });
      savedNote.dataset.save = "done";
      savedNote.textContent = t("check.saved");
    } catch (error) {
      savedNote.dataset.save = "failed";
      savedNote.textContent = t("check.notSaved");
      alert(t("check.saveFailed", { error: error?.message || error }));
    }
  }

  /** Open .py files from disk (a file input's or a drop's FileList). */
  async function open(fileList) {
    const chosen = [...fileList];
    const refused = [];
    let last = null;
    for (const file of chosen.slice(0, MAX_FILES)) {
      if (!/\.py$/i.test(file.name)) refused.push(t("check.refused.notPython", { name: file.name }));
      else if (file.size > MAX_FILE_BYTES) refused.push(t("check.refused.tooBig", { name: file.name, size: formatBytes(file.size), max: formatBytes(MAX_FILE_BYTES) }));
      else {
        const text = await file.text();
        if (text.includes("\u0000")) refused.push(t("check.refused.notText", { name: file.name }));
        else {
          files[file.name] = text;
          last = file.name;
        }
      }
    }
    if (chosen.length > MAX_FILES) refused.push(t("check.refused.tooMany", { max: MAX_FILES }));
    if (refused.length) alert(t("check.refused.list", { reasons: refused.join(t("check.refused.separator")) }), { level: "warning" });
    if (last) {
      current = null;
      show(last);
      say(t("check.opened", { names: chosen.filter((f) => files[f.name] !== undefined).map((f) => f.name).join(", ") }));
      await save();
    }
  }

  return {
    savedNote,
    get current() {
      return current;
    },
    /** Every file, the one in the editor included: {name: source}. */
    all() {
      if (current) files[current] = editor.text;
      return { ...files };
    },
    /** The files to check: every file but the starters left untouched (all when none is changed). */
    toCheck() {
      const every = this.all();
      const mine = Object.fromEntries(Object.entries(every).filter(([name, text]) => text !== starters[name]));
      return Object.keys(mine).length ? mine : every;
    },
    edited(text) {
      if (current) files[current] = text;
      scheduleSave();
    },
    show,
    open,
    downloadCurrent() {
      if (current) downloadFile(editor.text, current, "text/x-python");
    },
    /** Put the starter back in the current file (the student's text is downloaded first). */
    resetCurrent() {
      if (!current || !(current in starters)) return;
      files[current] = starters[current];
      editor.load(files[current]);
      scheduleSave();
    },
    hasStarter: () => Boolean(current && current in starters),
    /** The files as they are (the kept ones before the tab was first shown), or null. */
    async snapshot() {
      if (restored) return this.all();
      try {
        return (await loadCode())?.files ?? null;
      } catch {
        return null;
      }
    },
    /** A lesson's starter code ({name: source}): it becomes the files, and their starters. */
    async adopt(code) {
      adopted = { ...code };
      starters = { ...starters, ...adopted };
      files = { ...adopted };
      current = null;
      if (restored) show(Object.keys(files)[0]);
      else current = Object.keys(files)[0];  // the editor shows them when the tab first opens
      await save();
    },
    /** The kept code, else the starters; `starterFiles`: {name: source} from Python. */
    async restore(starterFiles) {
      starters = { ...starterFiles, ...adopted };
      let kept = null;
      try {
        kept = await loadCode();
      } catch {
        // storage unavailable: the starters it is (storage.js reports why when saving)
      }
      const lesson = Object.keys(adopted).length ? adopted : null;  // storage refused it: kept here
      files = kept?.files && Object.keys(kept.files).length ? { ...kept.files } : { ...(lesson ?? starterFiles) };
      current = null;
      restored = true;
      show(kept?.current in files ? kept.current : Object.keys(files)[0]);
      savedNote.textContent = kept ? t("check.kept") : "";
    },
  };
}
