// The network as a strip of quantities, A0 → Z1 → A1 → … → C with each layer's W and B, so the
// student sees where the current step sits and which earlier quantities it uses: forward
// steps flow left to right, backward steps right to left.

import { el } from "../../ui.js";
import { t } from "../../i18n.js";
import { typeset } from "./tex.js";

function sup(notation, l) {
  return notation === "rows" ? `^{(${l})}` : `^{[${l}]}`;
}

function dims(notation, r, c) {
  return notation === "rows" ? `${r}×${c}` : `${c}×${r}`;
}

/** Build the strip for a reply; returns {node, highlight(stepName, phase)}. */
export function createFlow(katex, reply) {
  const sizes = reply.net.layer_sizes;
  const L = sizes.length - 1;
  const n = reply.sample.n;
  const nt = reply.notation;
  const nodes = new Map();
  const make = (key, tex, dim, kind) => {
    const label = el("span", { class: "flow-tex" });
    typeset(katex, label, tex, { display: false });
    const node = el("li", { class: `flow-node is-${kind}`, dataset: { key } }, [label, el("span", { class: "flow-dim", text: dim })]);
    nodes.set(key, node);
    return node;
  };
  const items = [make("A0", `A${sup(nt, 0)}`, dims(nt, n, sizes[0]), "act")];
  for (let l = 1; l <= L; l++) {
    const params = el("li", { class: "flow-params-item" }, [el("ul", { class: "flow-params", "aria-label": t("stepper.flow.parameters", { l }) }, [
      make(`W${l}`, `W${sup(nt, l)}`, dims(nt, sizes[l - 1], sizes[l]), "param"),
      make(`B${l}`, `${nt === "rows" ? "B" : "b"}${sup(nt, l)}`, dims(nt, 1, sizes[l]), "param"),
    ])]);
    items.push(el("li", { class: "flow-arrow", "aria-hidden": "true", dataset: { key: `in${l}` } }), params);
    items.push(make(`Z${l}`, `Z${sup(nt, l)}`, dims(nt, n, sizes[l]), "sum"));
    items.push(el("li", { class: "flow-arrow", "aria-hidden": "true", dataset: { key: `act${l}` } }));
    items.push(make(`A${l}`, `A${sup(nt, l)}`, dims(nt, n, sizes[l]), "act"));
  }
  items.push(el("li", { class: "flow-arrow", "aria-hidden": "true", dataset: { key: "cost" } }));
  items.push(make("C", "C", t("stepper.flow.scalar"), "cost"));
  const list = el("ol", { class: "flow", tabindex: "0", "aria-label": t("stepper.flow.label") }, items);
  const node = el("div", { class: "flow-wrap" }, [list]);

  function highlight(name, phase) {
    const { current, uses, arrows } = roles(name, L);
    list.dataset.phase = phase;
    for (const [key, item] of nodes) {
      item.classList.toggle("is-current", current.includes(key));
      item.classList.toggle("is-used", uses.includes(key));
    }
    for (const arrow of list.querySelectorAll(".flow-arrow")) arrow.classList.toggle("is-active", arrows.includes(arrow.dataset.key));
    const target = nodes.get(current[0]);
    if (target && list.scrollWidth > list.clientWidth) {
      list.scrollLeft = Math.max(0, target.offsetLeft - list.clientWidth / 2);
    }
  }
  return { node, highlight };
}

/** Which quantities a step computes (current), reads (uses), and which arrows it runs along. */
function roles(name, L) {
  let m;
  if ((m = /^A(\d+)$/.exec(name))) {
    const l = Number(m[1]);
    return l === 0 ? { current: ["A0"], uses: [], arrows: [] } : { current: [`A${l}`], uses: [`Z${l}`], arrows: [`act${l}`] };
  }
  if ((m = /^Z(\d+)$/.exec(name))) {
    const l = Number(m[1]);
    return { current: [`Z${l}`], uses: [`A${l - 1}`, `W${l}`, `B${l}`], arrows: [`in${l}`] };
  }
  if (name === "C" || name === "C after") return { current: ["C"], uses: [`A${L}`], arrows: ["cost"] };
  if ((m = /^dC\/dA(\d+)$/.exec(name))) {
    const l = Number(m[1]);
    return l === L ? { current: [`A${L}`], uses: ["C"], arrows: ["cost"] } : { current: [`A${l}`], uses: [`Z${l + 1}`, `W${l + 1}`], arrows: [`in${l + 1}`] };
  }
  if ((m = /^dA(\d+)\/dZ\d+$/.exec(name))) {
    const l = Number(m[1]);
    return { current: [`Z${l}`, `A${l}`], uses: [], arrows: [`act${l}`] };
  }
  if ((m = /^dC\/dZ(\d+)$/.exec(name))) {
    const l = Number(m[1]);
    return { current: [`Z${l}`], uses: [`A${l}`], arrows: [`act${l}`] };
  }
  if ((m = /^dC\/dW(\d+)$/.exec(name))) {
    const l = Number(m[1]);
    return { current: [`W${l}`], uses: [`Z${l}`, `A${l - 1}`], arrows: [`in${l}`] };
  }
  if ((m = /^dC\/dB(\d+)$/.exec(name))) {
    const l = Number(m[1]);
    return { current: [`B${l}`], uses: [`Z${l}`], arrows: [`in${l}`] };
  }
  if ((m = /^([WB])(\d+) ←/.exec(name))) return { current: [`${m[1]}${m[2]}`], uses: [], arrows: [] };
  return { current: [], uses: [], arrows: [] };
}
