#!/usr/bin/env node
// Service worker build step: vendors the Workbox runtime and writes the precache manifest.
//
//   node tools/build_sw.mjs dist/site
//
// 1. Copies workbox-sw and the production builds of the modules it loads (core, routing,
//    strategies, precaching) from node_modules into <site>/vendor/workbox/ (no CDN: the site
//    makes no request to another origin).
// 2. Lists every file of the site (except sw.js itself, source maps and the gzip copies
//    tools/precompress.py writes beside files for tools/serve.py) with a revision: the
//    first 16 hex digits of its content's SHA-256, and injects that list in place of
//    `self.__WB_MANIFEST` in <site>/sw.js (copied there from web/sw.js).
//
// Workbox caches each URL under `url?__WB_REVISION__=<revision>`, so a rebuild that changes a
// file gives it a new cache key, the browser sees a changed sw.js, installs the new worker and
// the page offers "Update available — reload". URLs are relative to sw.js, so the site works
// under any path (GitHub Pages serves it under /<repository>/).

import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const MODULES = ["workbox-core", "workbox-routing", "workbox-strategies", "workbox-precaching"];
const PLACEHOLDER = "self.__WB_MANIFEST";
const SKIP = [/^sw\.js$/, /\.map$/, /(^|\/)\.DS_Store$/];

function fail(message) {
  console.error(`build_sw: error: ${message}`);
  process.exit(1);
}

/** Copy a Workbox script without its sourceMappingURL comment (we do not ship maps). */
function vendorScript(from, to) {
  const text = readFileSync(from, "utf8").replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "\n");
  writeFileSync(to, text);
}

function vendorWorkbox(site) {
  const dest = join(site, "vendor", "workbox");
  mkdirSync(dest, { recursive: true });
  const modules = join(ROOT, "node_modules");
  vendorScript(join(modules, "workbox-sw", "build", "workbox-sw.js"), join(dest, "workbox-sw.js"));
  for (const name of MODULES) {
    const file = `${name}.prod.js`;
    vendorScript(join(modules, name, "build", file), join(dest, file));
  }
  copyFileSync(join(modules, "workbox-sw", "LICENSE"), join(dest, "LICENSE"));
}

/** Every file under `dir`, as site-relative POSIX paths, sorted. */
function listFiles(dir, base = dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path, base));
    else out.push(relative(base, path).split(sep).join("/"));
  }
  return out;
}

function revisionOf(path) {
  return createHash("sha256").update(readFileSync(path)).digest("hex").slice(0, 16);
}

function main() {
  const site = resolve(process.argv[2] ?? join(ROOT, "dist", "site"));
  const swPath = join(site, "sw.js");
  let sw;
  try {
    sw = readFileSync(swPath, "utf8");
  } catch {
    fail(`${swPath} is missing: build.sh copies it from web/sw.js first.`);
  }
  if (!sw.includes(PLACEHOLDER)) fail(`${swPath} has no ${PLACEHOLDER} placeholder (already injected?).`);
  vendorWorkbox(site);
  const all = listFiles(site);
  const listed = new Set(all);
  // gzip copies (tools/precompress.py) are another encoding of a listed file, not a file
  const files = all.filter((f) => !SKIP.some((re) => re.test(f)) &&
                                  !(f.endsWith(".gz") && listed.has(f.slice(0, -3))));
  const manifest = files.map((url) => ({ url, revision: revisionOf(join(site, url)) }));
  const bytes = files.reduce((sum, f) => sum + statSync(join(site, f)).size, 0);
  writeFileSync(swPath, sw.replace(PLACEHOLDER, JSON.stringify(manifest, null, 1)));
  console.error(`build_sw: sw.js precaches ${manifest.length} files, ${(bytes / 1e6).toFixed(1)} MB`);
}

main();
