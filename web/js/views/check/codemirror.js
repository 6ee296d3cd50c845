// CodeMirror 6 for the code editor of the "Check my code" tab (./editor.js loads this module,
// and CodeMirror with it, when the tab is first shown): Python highlighting, line numbers,
// undo, search, bracket matching, and lint marks for the lines the checker blames.
// Tab moves the focus on (CodeMirror's default without indentWithTab): no keyboard trap.

import { basicSetup, EditorView } from "../../../vendor/codemirror/codemirror.js";
import { EditorState } from "../../../vendor/codemirror/codemirror-state.js";
import { python } from "../../../vendor/codemirror/codemirror-lang-python.js";
import { setDiagnostics, lintGutter } from "../../../vendor/codemirror/codemirror-lint.js";
import { HighlightStyle, syntaxHighlighting } from "../../../vendor/codemirror/codemirror-language.js";
import { tags } from "../../../vendor/codemirror/lezer-highlight.js";
import { t } from "../../i18n.js";

// CodeMirror's own words (search panel, folding, lint list) by its English phrase: check.cm.<key>.
const PHRASES = {
  "Find": "find", "Replace": "replace", "next": "next", "previous": "previous", "all": "all",
  "match case": "matchCase", "regexp": "regexp", "by word": "byWord", "replace": "replaceOne",
  "replace all": "replaceAll", "close": "close", "Go to line": "goToLine", "go": "go",
  "current match": "currentMatch", "on line": "onLine", "replaced match on line $": "replacedOnLine",
  "replaced $ matches": "replacedMatches", "Fold line": "foldLine", "Unfold line": "unfoldLine",
  "Folded lines": "foldedLines", "Unfolded lines": "unfoldedLines", "folded code": "foldedCode",
  "unfold": "unfold", "to": "to", "Selection deleted": "selectionDeleted", "Diagnostics": "diagnostics",
  "No diagnostics": "noDiagnostics", "Control character": "controlCharacter", "Completions": "completions",
};
const phrases = () => EditorState.phrases.of(Object.fromEntries(Object.entries(PHRASES).map(([english, key]) => [english, t(`check.cm.${key}`)])));

// Syntax colours from the page's CSS variables (check.css), so light and dark both read at AA.
const highlight = HighlightStyle.define([
  { tag: [tags.keyword, tags.controlKeyword, tags.definitionKeyword, tags.moduleKeyword, tags.operatorKeyword, tags.bool, tags.null, tags.self], color: "var(--code-keyword)" },
  { tag: [tags.string, tags.special(tags.string)], color: "var(--code-string)" },
  { tag: [tags.number], color: "var(--code-number)" },
  { tag: [tags.comment, tags.lineComment, tags.docString], color: "var(--code-comment)", fontStyle: "italic" },
  { tag: [tags.function(tags.definition(tags.variableName)), tags.definition(tags.className)], color: "var(--code-definition)" },
  { tag: [tags.invalid], color: "var(--bad)" },
]);

const theme = EditorView.theme({
  "&": { fontSize: "0.95rem", backgroundColor: "var(--surface)", color: "var(--text)" },
  ".cm-content": { fontFamily: "var(--mono)", caretColor: "var(--text)" },
  ".cm-gutters": { backgroundColor: "var(--surface-2)", color: "var(--muted)", borderRight: "1px solid var(--border)" },
  ".cm-activeLine, .cm-activeLineGutter": { backgroundColor: "var(--accent-soft)" },
  "&.cm-focused": { outline: "2px solid var(--accent)", outlineOffset: "2px" },
  ".cm-scroller": { overflow: "auto" },
});

/** A CodeMirror editor in `host`; `onChange(text)` after every edit. It lives in a shadow
 * root, where CodeMirror's styles go to constructed style sheets instead of <style> elements,
 * which the page's Content-Security-Policy (style-src 'self', no nonce on a static site) would
 * block. Returns ./editor.js's interface: text, load, mark, focusLine. */
export function createCodeMirror(host, { label, onChange = () => {} }) {
  const root = host.attachShadow({ mode: "open" });
  const extensions = () => [
    basicSetup,
    phrases(),
    python(),
    syntaxHighlighting(highlight),
    lintGutter(),
    theme,
    EditorView.contentAttributes.of({ "aria-label": label, id: "check-editor-content", tabindex: "0" }),
    EditorView.updateListener.of((update) => update.docChanged && onChange(update.state.doc.toString())),
  ];
  const view = new EditorView({ root, parent: root, state: EditorState.create({ doc: "", extensions: extensions() }) });

  return {
    view,
    get text() {
      return view.state.doc.toString();
    },
    /** Replace the whole text (another file shown): a fresh state, so undo does not cross files. */
    load(text) {
      view.setState(EditorState.create({ doc: text, extensions: extensions() }));
      host.dataset.marks = "0";
    },
    /** Mark `marks` [{line, message, severity}] (1-based lines) and scroll to the first. */
    mark(marks) {
      const doc = view.state.doc;
      const diagnostics = marks.filter((m) => m.line >= 1 && m.line <= doc.lines).map((m) => {
        const line = doc.line(m.line);
        return { from: line.from, to: line.to, severity: m.severity || "error", message: m.message };
      });
      view.dispatch(setDiagnostics(view.state, diagnostics));
      if (diagnostics.length) view.dispatch({ effects: EditorView.scrollIntoView(diagnostics[0].from, { y: "center" }) });
      host.dataset.marks = String(diagnostics.length);
    },
    /** Put the cursor on line `n` (1-based) and focus the editor. */
    focusLine(n) {
      const doc = view.state.doc;
      const line = doc.line(Math.min(Math.max(1, n), doc.lines));
      view.dispatch({ selection: { anchor: line.from }, effects: EditorView.scrollIntoView(line.from, { y: "center" }) });
      view.focus();
    },
  };
}
