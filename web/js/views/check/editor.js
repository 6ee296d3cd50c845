// The code editor of the "Check my code" tab. CodeMirror (./codemirror.js and its vendored
// modules, 330 kB: no part of what a first visit needs to predict) is downloaded when the tab
// is first shown (`open`); until it is there the editor keeps its text, and its host says
// it is loading.

import { el } from "../../ui.js";
import { t } from "../../i18n.js";

/** The editor in `host`: `text`, `load(text)`, `mark(marks)`, `focusLine(n)` (see
 *  ./codemirror.js) work before CodeMirror is loaded; `open()` loads it (once) and resolves
 *  when it shows the text; `onChange(text)` after every edit. */
export function createEditor(host, { label, onChange = () => {} }) {
  let text = "";
  let marks = [];
  let editor = null;  // CodeMirror's, once loaded
  let opening = null;
  return {
    get text() {
      return editor ? editor.text : text;
    },
    load(source) {
      if (editor) editor.load(source);
      else [text, marks] = [source, []];
    },
    mark(list) {
      if (editor) editor.mark(list);
      else marks = list;
    },
    focusLine(n) {
      editor?.focusLine(n);
    },
    open() {
      opening ??= (async () => {
        const loading = el("p", { class: "check-editor-loading", role: "status", text: t("check.editorLoading") });
        host.append(loading);
        try {
          const { createCodeMirror } = await import("./codemirror.js");
          editor = createCodeMirror(host, { label, onChange });
          editor.load(text);
          editor.mark(marks);
        } catch (error) {
          opening = null;  // asked again the next time the tab is shown
          throw error;
        } finally {
          loading.remove();
        }
      })();
      return opening;
    },
  };
}
