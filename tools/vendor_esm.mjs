// Copies ES-module npm packages into the site, one file per package, with their imports of each
// other rewritten to relative paths, so the browser loads them with no bundler and no import map
// (an inline import map would need a Content-Security-Policy exception).
//
//   node tools/vendor_esm.mjs <dest-dir> <package>...
//
// "@codemirror/state" becomes <dest-dir>/codemirror-state.js. Every package must be a single
// ES module (its "module" or exports["."].import entry); an import of a package that is not in
// the list fails the build, so a new dependency cannot be forgotten.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const NODE_MODULES = join(process.cwd(), "node_modules");

export const fileName = (name) => `${name.replace(/^@/, "").replace(/\//g, "-")}.js`;

function entryOf(name) {
  const manifestPath = join(NODE_MODULES, name, "package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  const exp = manifest.exports?.["."] ?? manifest.exports;
  const entry = manifest.module ?? exp?.import ?? (typeof exp === "string" ? exp : null) ?? manifest.main;
  if (!entry) throw new Error(`${name}: no ES module entry in its package.json`);
  return join(dirname(manifestPath), entry);
}

function vendor(dest, names) {
  mkdirSync(dest, { recursive: true });
  const known = new Set(names);
  const statement = /^(\s*(?:import|export)\b[^'"\n]*?(?:from\s*)?)(['"])([^'"\n]+)\2/gm;
  for (const name of names) {
    const source = readFileSync(entryOf(name), "utf8");
    const rewritten = source.replace(statement, (all, head, quote, spec) => {
      if (spec.startsWith(".")) throw new Error(`${name} imports ${spec}: only single-file packages can be vendored this way`);
      if (!known.has(spec)) throw new Error(`${name} imports ${spec}, which is not in the vendored list`);
      return `${head}${quote}./${fileName(spec)}${quote}`;
    });
    writeFileSync(join(dest, fileName(name)), rewritten);
  }
  console.log(`vendor_esm: ${names.length} packages -> ${dest}`);
}

const [dest, ...names] = process.argv.slice(2);
if (!dest || !names.length) {
  console.error("usage: node tools/vendor_esm.mjs <dest-dir> <package>...");
  process.exit(2);
}
vendor(dest, names);
