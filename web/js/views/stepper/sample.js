// The stepper's sample: its own drawing pad, the Draw tab's digit, and the preview of the batch
// Python stepped through (the images are the reply's `sample.images`, the people its `points`).
//
// Hooks: #stepper-pad, #stepper-pad-clear, #stepper-pad-box, #stepper-draw-tab-box,
// #stepper-draw-tab-image, #stepper-draw-tab-note, #stepper-sample.

import { el, drawGray, drawRGB } from "../../ui.js";
import { t, pyMessage } from "../../i18n.js";
import { createPad } from "../../pad.js";
import { drawTabDigit } from "../../draw-tab-digit.js";
import { fmt } from "./matrix.js";

const PAD_SEND_SIZE = 280; // the stepper's pad goes to the preprocessor as 280×280 RGBA

/** onStroke(): the student finished a stroke on the stepper's pad. */
export function createSample({ onStroke }) {
  const padCanvas = el("canvas", { id: "stepper-pad", class: "stepper-pad", role: "img", "aria-label": t("stepper.sample.pad") });
  const padClear = el("button", { id: "stepper-pad-clear", class: "button button-small", type: "button", text: t("stepper.sample.clear") });
  const pad = createPad(padCanvas, { onStroke: () => onStroke() });
  padClear.addEventListener("click", () => pad.clear());
  const fromDraw = el("canvas", { id: "stepper-draw-tab-image", class: "stepper-thumb", width: 28, height: 28, role: "img", "aria-label": t("stepper.sample.fromDrawTab") });
  const drawTabNote = el("p", { class: "stepper-hint", id: "stepper-draw-tab-note", text: "" });
  const padBox = el("div", { class: "stepper-pad-box", id: "stepper-pad-box", hidden: true }, [
    el("div", { class: "stepper-pad-wrap" }, [padCanvas, padClear]),
    el("p", { class: "stepper-hint", text: t("stepper.sample.padHint") }),
  ]);
  const drawTabBox = el("div", { class: "stepper-pad-box", id: "stepper-draw-tab-box", hidden: true }, [fromDraw, drawTabNote]);
  const preview = el("div", { class: "stepper-sample", id: "stepper-sample", "aria-live": "polite" });
  const node = el("div", { class: "stepper-sample-line" }, [padBox, drawTabBox, preview]);

  return {
    node,
    /** Show the box of `source` (pad, drawtab, or a data source: neither). */
    showSource(source) {
      padBox.hidden = source !== "pad";
      drawTabBox.hidden = source !== "drawtab";
    },
    /**
     * The drawing of `source` as request fields ({image} or {pixels}), or {missing: what to
     * tell the student} when there is none.
     */
    drawing(source) {
      if (source === "pad") {
        return pad.isEmpty() ? { missing: t("stepper.sample.padEmpty") } : { fields: { image: pad.toImage(PAD_SEND_SIZE) } };
      }
      const pixels = drawTabDigit();
      if (!pixels) {
        drawTabBox.hidden = false;
        drawGray(fromDraw, new Uint8Array(784));
        drawTabNote.textContent = t("stepper.sample.drawTabEmpty");
        return { missing: t("stepper.sample.drawTabFirst") };
      }
      drawTabNote.textContent = "";
      drawTabBox.hidden = true; // the preview shows it, from the reply
      return { fields: { pixels } };
    },
    /** The batch of a `stepper` reply: thumbnails of its images, or a table of its people. */
    render(sample) {
      const names = (sample.class_names || []).map((n) => pyMessage(n));  // a toy set's are messages
      const name = (k) => names[sample.labels[k]] ?? String(sample.labels[k]);
      const items = [];
      if (sample.images) {
        const size = sample.images.length / sample.n;  // 784 (28×28 gray) or 3072 (32×32 colour)
        for (let k = 0; k < sample.n; k++) {
          const canvas = el("canvas", { class: "stepper-thumb", role: "img", "aria-label": t("stepper.sample.image", { k, name: name(k) }) });
          (size === 3072 ? drawRGB : drawGray)(canvas, sample.images.subarray(size * k, size * (k + 1)));
          items.push(el("figure", { class: "stepper-sample-item" }, [canvas, el("figcaption", { text: name(k) })]));
        }
      } else if (sample.points) {
        items.push(el("table", { class: "stepper-people" }, [
          el("thead", {}, [el("tr", {}, [el("th", { text: "#" }), ...(sample.feature_names || []).map((f) => el("th", { text: pyMessage(f) })), el("th", { text: "Y" })])]),
          el("tbody", {}, sample.points.map((p, k) => el("tr", {}, [
            el("td", { text: String(sample.index + k) }),
            ...p.map((v) => el("td", { text: Number.isInteger(v) ? String(v) : fmt(v) })),
            el("td", { text: String(sample.labels[k]), title: names[sample.labels[k]] }),
          ]))),
        ]));
      }
      preview.replaceChildren(el("p", { class: "stepper-sample-desc", text: t("stepper.sample.description", { description: pyMessage(sample.description) }) }), el("div", { class: "stepper-sample-items" }, items));
    },
  };
}
