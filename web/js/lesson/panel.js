// The teacher panel, "Make a lesson" (a dialog opened from the header's #lesson-open): the tab
// to start on, what students may change (each control shown, locked or hidden), an instruction
// shown as a banner, the layout (normal, projector, embed) and the language; then copy the link,
// open it here, or download a lesson file that also carries classes, a model and starter code.
// The settings are the page's own, as they are now. Opening a lesson file is ./file.js's job.
//
// Hooks: #lesson-panel, #lesson-tab, #lesson-control-<name> (a select: shown | locked | hidden),
// #lesson-banner-input, #lesson-mode-<mode>, #lesson-lang, #lesson-link, #lesson-copy,
// #lesson-apply, #lesson-include-<classes|model|code>, #lesson-download, #lesson-file.

import { t, LANGUAGES } from "../i18n.js";
import { SCHEMA, toHash, defaultsFor } from "../state.js";
import { el, formatBytes } from "../ui.js";
import { copyLink, selectForCopy } from "./copy.js";
import { lessonParts, downloadLesson, openLesson } from "./file.js";

// How the panel groups the controls a link can hide or lock (their names: settings.py CONTROLS).
const GROUPS = {
  tabs: ["tab", "tab-draw", "tab-train", "tab-stepper", "tab-check"],
  train: ["dataset", "classes", "hidden", "activation", "loss", "optimizer", "lr", "batch", "epochs", "seed", "k", "deskew", "noise", "cifar_train", "cifar_test", "cifar_inputs", "train-use"],
  stepper: ["net", "notation", "sample", "step"],
  page: ["upload", "model-card", "check-files", "language", "copy-link", "lesson"],
};
const TABS = ["draw", "train", "stepper", "check"];
const CHOICES = ["shown", "locked", "hidden"];

const names = (text) => String(text || "").split(",").filter(Boolean);

export function createPanel(ctx, opener) {
  const controls = SCHEMA.hide.values;
  const draft = { tab: ctx.state.tab, hide: "", lock: "", banner: "", mode: "normal", lang: "" };
  const selects = {};

  // ---- what students start on, and what they may change ----
  const tabSelect = el("select", { id: "lesson-tab" }, TABS.map((name) => el("option", { value: name, text: t(`tabs.${name}`) })));
  const grouped = Object.values(GROUPS).flat();
  const groups = { ...GROUPS, other: controls.filter((name) => !grouped.includes(name)) };
  const tables = Object.entries(groups).filter(([, list]) => list.length).map(([group, list]) => el("fieldset", { class: "lesson-group" }, [
    el("legend", { text: t(`lesson.panel.group.${group}`) }),
    ...list.filter((name) => controls.includes(name)).map((name) => {
      const select = el("select", { id: `lesson-control-${name}`, class: "lesson-control-choice", dataset: { control: name } },
        CHOICES.map((choice) => el("option", { value: choice, text: t(`lesson.panel.choice.${choice}`) })));
      selects[name] = select;
      return el("label", { class: "lesson-control", for: select.id }, [el("span", { class: "lesson-control-name", text: t(`lesson.control.${name}`) }), select]);
    }),
  ]));

  const banner = el("textarea", { id: "lesson-banner-input", class: "lesson-banner-input", rows: "2", maxlength: String(SCHEMA.banner.maxLength), "aria-describedby": "lesson-banner-count" });
  const bannerCount = el("span", { id: "lesson-banner-count", class: "lesson-hint" });

  const modeInputs = SCHEMA.mode.values.map((mode) => el("label", { class: "lesson-radio", for: `lesson-mode-${mode}` }, [
    el("input", { type: "radio", name: "lesson-mode", id: `lesson-mode-${mode}`, value: mode }),
    el("span", {}, [el("strong", { text: t(`lesson.panel.mode.${mode}`) }), " ", el("span", { class: "lesson-hint", text: t(`lesson.panel.mode.${mode}.hint`) })]),
  ]));
  const langSelect = el("select", { id: "lesson-lang" }, [
    el("option", { value: "", text: t("lesson.panel.lang.students") }),
    ...Object.entries(LANGUAGES).map(([code, name]) => el("option", { value: code, text: name, lang: code })),
  ]);
  const embedCode = el("input", { id: "lesson-embed-code", type: "text", readonly: true, class: "lesson-link-field", "aria-labelledby": "lesson-embed-label" });
  const embedRow = el("div", { class: "lesson-embed", hidden: true }, [
    el("span", { id: "lesson-embed-label", class: "lesson-hint", text: t("lesson.panel.embedCode") }), embedCode,
  ]);

  // ---- the link and the file ----
  const link = el("input", { id: "lesson-link", type: "text", readonly: true, class: "lesson-link-field", "aria-labelledby": "lesson-link-label" });
  const copy = el("button", { id: "lesson-copy", class: "button button-primary", type: "button" }, [el("span", { class: "copy-label", text: t("lesson.copy.button") })]);
  const apply = el("button", { id: "lesson-apply", class: "button", type: "button", text: t("lesson.panel.apply") });
  const preview = el("a", { id: "lesson-preview", class: "button", target: "_blank", rel: "noopener", text: t("lesson.panel.preview") });
  const include = Object.fromEntries(["classes", "model", "code"].map((part) => [part, el("input", { type: "checkbox", id: `lesson-include-${part}` })]));
  const includeText = Object.fromEntries(Object.keys(include).map((part) => [part, el("span", { id: `lesson-include-${part}-text` })]));
  const download = el("button", { id: "lesson-download", class: "button button-primary", type: "button", text: t("lesson.panel.download") });
  const fileInput = el("input", { id: "lesson-file", type: "file", accept: ".json,application/json", class: "visually-hidden" });
  const fileLabel = el("label", { class: "button", for: "lesson-file", text: t("lesson.panel.openFile") });
  const status = el("p", { id: "lesson-status", class: "lesson-hint", role: "status" });
  const close = el("button", { class: "alert-close lesson-close", type: "button", "aria-label": t("lesson.panel.close"), title: t("lesson.panel.close"), text: "×" });

  const section = (title, ...children) => el("section", { class: "lesson-section" }, [el("h3", { class: "lesson-section-title", text: title }), ...children]);
  const dialog = el("dialog", { id: "lesson-panel", class: "lesson-panel", "aria-labelledby": "lesson-panel-title" }, [
    el("header", { class: "lesson-panel-head" }, [el("h2", { id: "lesson-panel-title", text: t("lesson.panel.title") }), close]),
    el("p", { class: "lesson-intro", text: t("lesson.panel.intro") }),
    section(t("lesson.panel.start"), el("label", { class: "lesson-control", for: "lesson-tab" }, [el("span", { class: "lesson-control-name", text: t("lesson.panel.tab") }), tabSelect]),
      el("p", { id: "lesson-settings", class: "lesson-hint" })),
    section(t("lesson.panel.controls"), el("p", { class: "lesson-hint", text: t("lesson.panel.controls.hint") }), el("div", { class: "lesson-groups" }, tables),
      el("p", { class: "lesson-warning", id: "lesson-not-security", text: t("lesson.panel.notSecurity") })),
    section(t("lesson.panel.banner"), el("label", { class: "lesson-hint", for: "lesson-banner-input", text: t("lesson.panel.banner.hint") }), banner, bannerCount),
    section(t("lesson.panel.display"), el("fieldset", { class: "lesson-modes" }, [el("legend", { class: "visually-hidden", text: t("lesson.panel.display") }), ...modeInputs]), embedRow,
      el("label", { class: "lesson-control", for: "lesson-lang" }, [el("span", { class: "lesson-control-name", text: t("lesson.panel.lang") }), langSelect])),
    section(t("lesson.panel.link"), el("span", { id: "lesson-link-label", class: "lesson-hint", text: t("lesson.panel.link.hint") }), link,
      el("div", { class: "lesson-actions" }, [copy, apply, preview])),
    section(t("lesson.panel.file"), el("p", { class: "lesson-hint", text: t("lesson.panel.file.hint") }),
      ...Object.keys(include).map((part) => el("label", { class: "lesson-include", for: include[part].id }, [include[part], includeText[part]])),
      el("div", { class: "lesson-actions" }, [download, fileLabel, fileInput]), status),
  ]);
  document.body.append(dialog);

  // ---- the draft and the link ----
  function settings() {
    const s = { ...ctx.state, tab: draft.tab, hide: draft.hide, lock: draft.lock, banner: draft.banner, mode: draft.mode };
    delete s.lang;
    return s;
  }

  function lessonUrl() {
    const params = new URLSearchParams(toHash(settings()).slice(1));
    params.delete("lang");
    if (draft.lang) params.set("lang", draft.lang);
    const hash = params.toString().replace(/%2C/g, ",");
    return new URL(`${location.pathname}${location.search}${hash ? `#${hash}` : ""}`, location.href).href;
  }

  function refresh() {
    const url = lessonUrl();
    link.value = url;
    preview.href = url;
    embedRow.hidden = draft.mode !== "embed";
    embedCode.value = `<iframe src="${url}" title="Backprop Lab" width="100%" height="760" style="border:0"></iframe>`;
    bannerCount.textContent = t("lesson.panel.banner.count", { count: banner.value.length, max: SCHEMA.banner.maxLength });
  }

  function choose() {
    const pick = (choice) => Object.keys(selects).filter((name) => selects[name].value === choice).join(",");
    Object.assign(draft, { tab: tabSelect.value, hide: pick("hidden"), lock: pick("locked"), banner: banner.value.trim(), lang: langSelect.value });
    draft.mode = modeInputs.map((l) => l.querySelector("input")).find((i) => i.checked)?.value ?? "normal";
    refresh();
  }

  /** The settings that differ from their defaults, in words for the teacher. */
  function describeSettings() {
    const base = defaultsFor(ctx.state.dataset);
    const changed = Object.keys(SCHEMA).filter((key) => !["tab", "lang", "hide", "lock", "banner", "mode"].includes(key) && ctx.state[key] !== base[key]);
    const list = [`dataset = ${ctx.state.dataset}`, ...changed.filter((k) => k !== "dataset").map((key) => `${key} = ${ctx.state[key] === "" ? "∅" : ctx.state[key]}`)];
    return t("lesson.panel.settings", { list: list.join(", ") });
  }

  async function showParts() {
    const parts = await lessonParts(ctx);
    for (const [part, box] of Object.entries(include)) {
      const have = parts[part];
      box.disabled = !have;
      if (!have) box.checked = false;
      includeText[part].textContent = have
        ? t(`lesson.panel.include.${part}`, { ...have, count: have.count ?? 0, files: have.files?.join(", ") ?? "" })
        : t(`lesson.panel.include.${part}.none`);
    }
  }

  function open() {
    // start from the page as it is, lesson view included (a teacher editing their own link)
    Object.assign(draft, { tab: ctx.state.tab, hide: ctx.state.hide, lock: ctx.state.lock, banner: ctx.state.banner, mode: ctx.state.mode, lang: "" });
    tabSelect.value = draft.tab;
    const hidden = names(draft.hide);
    const locked = names(draft.lock);
    for (const [name, select] of Object.entries(selects)) select.value = hidden.includes(name) ? "hidden" : locked.includes(name) ? "locked" : "shown";
    banner.value = draft.banner;
    for (const label of modeInputs) label.querySelector("input").checked = label.querySelector("input").value === draft.mode;
    langSelect.value = "";
    document.getElementById("lesson-settings").textContent = describeSettings();
    status.textContent = "";
    refresh();
    showParts();
    dialog.showModal();
  }

  dialog.addEventListener("change", (event) => event.target !== fileInput && !event.target.id.startsWith("lesson-include") && choose());
  banner.addEventListener("input", choose);
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => opener.focus());
  copy.addEventListener("click", () => copyLink(link.value, { button: copy, fallback: () => selectForCopy(link) }));
  link.addEventListener("focus", () => link.select());
  embedCode.addEventListener("focus", () => embedCode.select());
  apply.addEventListener("click", () => {
    dialog.close();
    location.hash = new URL(link.value).hash;  // main.js loads it (hashchange)
  });
  download.addEventListener("click", async () => {
    download.disabled = true;
    status.textContent = t("lesson.panel.making");
    try {
      const want = Object.fromEntries(Object.entries(include).map(([part, box]) => [part, box.checked]));
      const file = await downloadLesson(ctx, settings(), want);
      status.textContent = t("lesson.panel.downloaded", { file: file.filename, size: formatBytes(file.size) });
    } catch (error) {
      status.textContent = "";
      ctx.alert(t("lesson.panel.downloadFailed", { reason: error.message }));
    } finally {
      download.disabled = false;
    }
  });
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files[0];
    fileInput.value = "";
    if (file && await openLesson(ctx, file)) dialog.close();
  });

  opener.addEventListener("click", open);
  return { open, dialog };
}
