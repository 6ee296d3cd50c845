// What an image axis of a stepper value is, and how a colour tile of it is painted: 784 values
// are a 28×28 gray image, 3072 values a 32×32 colour one (CIFAR-10's layout: the R, G, B planes
// one after another). matrix.js lays the tiles out and paints the gray ones.
//
//   imageGeometry(3072)   -> {side: 32, planes: 3}; imageGeometry(10) -> null
//   paintColourTile(imageData, (k) => value k of the tile, {side: 32, planes: 3}, {scale, gray})
//   pixelValues(geometry, p, (k) => text of value k)   -> "R 0.2, G 0.5, B 0.9" for pixel p

import { t } from "../../i18n.js";

const GEOMETRY = { 784: { side: 28, planes: 1 }, 3072: { side: 32, planes: 3 } };

/** {side, planes} of an image of `length` values, or null when it is no image. */
export function imageGeometry(length) {
  return GEOMETRY[length] ?? null;
}

/**
 * Paint a colour tile into `img` (ImageData side×side), each plane as its own channel: v/scale
 * when every value is >= 0 (`gray`: A0 is then the photo itself), else mid-gray for 0 and the
 * channel's ends for ±scale (standardised inputs, gradients). Not a number: magenta.
 */
export function paintColourTile(img, value, { side }, { scale, gray }) {
  const n = side * side;
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) {
      const u = scale > 0 ? value(c * n + p) / scale : 0;
      const v = gray ? 255 * u : 127.5 + 127.5 * u;
      img.data[4 * p + c] = Number.isFinite(v) ? Math.round(Math.max(0, Math.min(255, v))) : (c === 1 ? 0 : 255);
    }
    img.data[4 * p + 3] = 255;
  }
}

/** The hover text of pixel `p` of a tile: its value, or its R, G and B values. */
export function pixelValues({ side, planes }, p, text) {
  if (planes === 1) return text(p);
  const n = side * side;
  return t("stepper.matrix.rgb", { r: text(p), g: text(n + p), b: text(2 * n + p) });
}
