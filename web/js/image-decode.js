// Turn a user's file into RGBA pixels the worker can preprocess, refusing what we should not decode.
//
// The file's type is decided from its first bytes (magic numbers), never from its name or the
// browser's MIME guess: PNG, JPEG, GIF, WebP and BMP are accepted; SVG (vector, can carry
// scripts) and everything else are refused. Pixel dimensions are read from the header before
// the full decode, so a 30 000 × 30 000 "decompression bomb" is refused without allocating it.
// Large images are downscaled in the browser before they are sent to the worker.
// Left out on purpose: animated images (the first frame is used), EXIF rotation beyond what
// createImageBitmap applies by default, colour profiles.

import { t } from "./i18n.js";

export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_SIDE = 4096;
/** Longest side of the pixels sent to the worker; the preprocessor fits digits into 20×20. */
export const SEND_SIDE = 256;

export class ImageRefused extends Error {
  constructor(message) {
    super(message);
    this.name = "ImageRefused";
  }
}

const ascii = (bytes, start, end) => String.fromCharCode(...bytes.subarray(start, end));

/** The image format from the first bytes, or null. `bytes` is a Uint8Array (≥ 32 bytes if the file has them). */
export function sniffFormat(bytes) {
  const b = bytes;
  if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, 4) === "PNG" && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return "png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (b.length >= 6 && (ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a")) return "gif";
  if (b.length >= 12 && ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP") return "webp";
  if (b.length >= 26 && ascii(b, 0, 2) === "BM") return "bmp";
  return null;
}

/** Formats students often have that we do not decode, named so the refusal can say what it is:
 *  "heic" | "avif" | "video" | "pdf" | "tiff" | "ico" | "zip" (upload.format.<name>), or null. */
export function otherFormat(bytes) {
  const b = bytes;
  if (b.length >= 12 && ascii(b, 4, 8) === "ftyp") {
    const brand = ascii(b, 8, 12);
    if (/^(heic|heix|hevc|heim|heis|mif1|msf1)$/.test(brand)) return "heic";
    if (/^avi[fs]$/.test(brand)) return "avif";
    return "video";
  }
  if (b.length >= 4 && ascii(b, 0, 4) === "%PDF") return "pdf";
  if (b.length >= 4 && (ascii(b, 0, 4) === "II*\0" || ascii(b, 0, 4) === "MM\0*")) return "tiff";
  if (b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2] === 1 && b[3] === 0) return "ico";
  if (b.length >= 4 && ascii(b, 0, 4) === "PK\x03\x04") return "zip";
  return null;
}

/** True when the text start looks like SVG/XML markup (after a BOM and whitespace). */
export function looksLikeSvg(bytes) {
  const head = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(0, 1024)).replace(/^\uFEFF/, "").trimStart().toLowerCase();
  return head.startsWith("<svg") || (head.startsWith("<?xml") && head.includes("<svg")) || (head.startsWith("<!doctype svg")) || (head.startsWith("<") && head.includes("<svg"));
}

/**
 * Width and height from the header without decoding, or null if the header does not say.
 * PNG: IHDR; GIF: logical screen; BMP: info header; WebP: VP8/VP8L/VP8X; JPEG: first SOFn marker.
 */
export function headerSize(format, bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    switch (format) {
      case "png":
        return ascii(bytes, 12, 16) === "IHDR" ? { width: dv.getUint32(16), height: dv.getUint32(20) } : null;
      case "gif":
        return { width: dv.getUint16(6, true), height: dv.getUint16(8, true) };
      case "bmp":
        return { width: Math.abs(dv.getInt32(18, true)), height: Math.abs(dv.getInt32(22, true)) };
      case "webp":
        return webpSize(bytes, dv);
      case "jpeg":
        return jpegSize(bytes, dv);
      default:
        return null;
    }
  } catch {
    return null; // a header too short to read: the decoder will report the damage
  }
}

function webpSize(bytes, dv) {
  const chunk = ascii(bytes, 12, 16);
  if (chunk === "VP8 ") return { width: dv.getUint16(26, true) & 0x3fff, height: dv.getUint16(28, true) & 0x3fff };
  if (chunk === "VP8L") {
    const bits = dv.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === "VP8X") {
    const w = bytes[24] | (bytes[25] << 8) | (bytes[26] << 16);
    const h = bytes[27] | (bytes[28] << 8) | (bytes[29] << 16);
    return { width: w + 1, height: h + 1 };
  }
  return null;
}

function jpegSize(bytes, dv) {
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) return { height: dv.getUint16(i + 5), width: dv.getUint16(i + 7) };
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    i += 2 + dv.getUint16(i + 2);
  }
  return null;
}

/** For PNG: walk the chunks; a file that ends before IEND is truncated. Returns where it ends
 *  (a message in the page's language) or null. */
export function pngDamage(bytes) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let i = 8;
  while (i + 8 <= bytes.length) {
    const length = dv.getUint32(i);
    const type = ascii(bytes, i + 4, i + 8);
    if (i + 12 + length > bytes.length) return t("upload.refused.in_chunk");
    if (type === "IEND") return null;
    i += 12 + length;
  }
  return t("upload.refused.no_end");
}

const FORMAT_NAMES = { png: "PNG", jpeg: "JPEG", gif: "GIF", webp: "WebP", bmp: "BMP" };

/**
 * Check and decode one file. Resolves to {format, width, height, rgba (Uint8Array), sendWidth,
 * sendHeight, thumbnail (ImageBitmap)} with rgba at most SEND_SIDE on its longest side.
 * Rejects with ImageRefused carrying a message a student can act on.
 */
export async function decodeImageFile(file) {
  if (file.size === 0) throw new ImageRefused(t("upload.refused.empty"));
  if (file.size > MAX_FILE_BYTES) {
    throw new ImageRefused(t("upload.refused.too_big", { size: file.size / 1048576, limit: MAX_FILE_BYTES / 1048576 }));
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const format = sniffFormat(bytes);
  if (!format) {
    if (looksLikeSvg(bytes)) {
      throw new ImageRefused(t("upload.refused.svg"));
    }
    const known = otherFormat(bytes);
    if (known) throw new ImageRefused(t("upload.refused.other", { what: t(`upload.format.${known}`) }));
    throw new ImageRefused(t("upload.refused.not_image"));
  }
  const size = headerSize(format, bytes);
  if (size && (size.width > MAX_SIDE || size.height > MAX_SIDE)) throw tooWide(size);
  if (size && (size.width === 0 || size.height === 0)) {
    throw new ImageRefused(t("upload.refused.no_pixels", dimensions(size)));
  }
  if (format === "png") {
    const damage = pngDamage(bytes);
    if (damage) throw new ImageRefused(t("upload.refused.damaged_png", { where: damage }));
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes], { type: `image/${format}` }));
  } catch {
    throw new ImageRefused(t("upload.refused.undecodable", { format: FORMAT_NAMES[format] }));
  }
  const { width, height } = bitmap;
  if (width > MAX_SIDE || height > MAX_SIDE) {
    bitmap.close();
    throw tooWide({ width, height });
  }
  const scale = Math.min(1, SEND_SIDE / Math.max(width, height));
  const sendWidth = Math.max(1, Math.round(width * scale));
  const sendHeight = Math.max(1, Math.round(height * scale));
  const rgba = rasterize(bitmap, sendWidth, sendHeight);
  return { format, width, height, rgba, sendWidth, sendHeight, thumbnail: bitmap };
}

/** Pixel sizes are written as digits, like "4096 × 4096", in every language. */
function dimensions({ width, height }) {
  return { width: String(width), height: String(height), max: String(MAX_SIDE) };
}

function tooWide(size) {
  return new ImageRefused(t("upload.refused.too_wide", dimensions(size)));
}

/**
 * Draw `source` at w×h onto white and return its RGBA bytes. White underneath makes a
 * transparent background read as paper, the way a student means it.
 */
export function rasterize(source, w, h) {
  const canvas = typeof OffscreenCanvas === "function" ? new OffscreenCanvas(w, h) : Object.assign(document.createElement("canvas"), { width: w, height: h });
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, h);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(source, 0, 0, w, h);
  const data = ctx.getImageData(0, 0, w, h).data;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
