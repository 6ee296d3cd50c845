// The confusion matrix (rows: true class, columns: predicted class) as a table whose cells are
// shaded by their share of the row, and the gallery of misclassified test images, most
// confidently wrong first.

import { el, drawGray, drawRGB } from "../../ui.js";
import { t, formatNumber } from "../../i18n.js";

const HIT = [79, 70, 229];   // the accent
const MISS = [220, 38, 38];

/** The page's card colour as [r, g, b] (the cells' shades are blended over it). */
function surfaceRgb(node) {
  const hex = getComputedStyle(node).getPropertyValue("--surface").trim().replace("#", "");
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join("") : hex;
  return /^[0-9a-f]{6}$/i.test(full) ? [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) : [255, 255, 255];
}

function luminance(rgb) {
  const [r, g, b] = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** A cell's background (`color` at `alpha` over `under`) and the text colour readable on it:
 *  black or white, whichever contrasts more (always at least 4.58:1, WCAG AA for small text). */
function cellColors(color, alpha, under) {
  const bg = color.map((c, i) => Math.round(alpha * c + (1 - alpha) * under[i]));
  const l = luminance(bg);
  const white = 1.05 / (l + 0.05);
  const black = (l + 0.05) / 0.05;
  return { background: `rgb(${bg.join(" ")})`, color: white >= black ? "#fff" : "#000" };
}

export function renderConfusion(host, { confusion, classes }) {
  const n = classes.length;
  const under = surfaceRgb(host);
  const short = (name) => (name.length > 8 ? `${name.slice(0, 7)}…` : name);
  const head = el("tr", {}, [
    el("th", { class: "cm-corner", scope: "col" }, [el("span", { text: t("train.confusion.corner") })]),
    ...classes.map((c) => el("th", { scope: "col", title: c, text: short(c) })),
  ]);
  const rows = confusion.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    return el("tr", {}, [
      el("th", { scope: "row", title: classes[i], text: short(classes[i]) }),
      ...row.map((count, j) => {
        const share = count / total;
        const kind = i === j ? "hit" : count ? "miss" : "zero";
        const alpha = kind === "hit" ? 0.12 + 0.88 * share : kind === "miss" ? 0.14 + 0.86 * Math.min(1, share * 5) : 0;
        const style = kind === "zero" ? {} : cellColors(kind === "hit" ? HIT : MISS, alpha, under);
        return el("td", {
          class: `cm-${kind}`,
          style,
          title: t("train.confusion.cell", { count, truth: classes[i], predicted: classes[j], share }),
          dataset: { count: String(count) },
          text: String(count),
        });
      }),
    ]);
  });
  const table = el("table", { class: `confusion${n > 6 ? " is-dense" : ""}`, id: "confusion-matrix", "aria-label": t("train.confusion.label") }, [
    el("thead", {}, [head]),
    el("tbody", {}, rows),
  ]);
  // a region of its own that the keyboard can scroll when the matrix is wider than a phone
  host.replaceChildren(el("div", { class: "cm-scroll", tabindex: "0", role: "region", "aria-label": t("train.confusion.region") }, [table]));
}

export function renderMisclassified(host, { misclassified, classes, n_misclassified: total, n_test: nTest }) {
  if (!misclassified.length) {
    host.replaceChildren(el("p", { class: "muted", text: total === 0 ? t("train.gallery.none", { count: nTest }) : "" }));
    return;
  }
  const items = misclassified.map((m) => {
    const canvas = el("canvas", { class: "pixel-image", role: "img", "aria-label": t("train.gallery.image", { truth: classes[m.true], predicted: classes[m.pred] }) });
    if (m.pixels.length === 3072) drawRGB(canvas, m.pixels);  // a CIFAR-10 photo
    else drawGray(canvas, m.pixels);
    return el("li", { class: "miss-item", dataset: { true: String(m.true), pred: String(m.pred) } }, [
      canvas,
      el("span", { class: "miss-label" }, [
        el("b", { text: classes[m.pred] }),
        el("span", { class: "miss-true", text: ` ${t("train.gallery.was", { truth: classes[m.true] })}` }),
      ]),
      el("span", { class: "miss-conf", text: formatNumber(m.confidence, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }) }),
    ]);
  });
  host.replaceChildren(
    el("p", { class: "muted miss-note", text: t("train.gallery.note", { count: total, total: nTest, shown: misclassified.length }) }),
    el("ol", { class: "miss-gallery", id: "misclassified" }, items),
  );
}
