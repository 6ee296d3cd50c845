// Service worker: keeps the whole lab (page, Pyodide, NumPy, our wheel, digits, models) in the
// browser's cache, so that after one visit it starts, predicts and trains with no network.
//
// Workbox precaching (vendor/workbox/, vendored at build time). tools/build_sw.mjs replaces
// the manifest placeholder below with every file of the site and a content hash ("revision").
// Each file is cached under its URL plus that revision and served cache-first; a rebuild
// changes the revisions, hence this file, so the browser installs a new worker, which waits
// until the page asks it to take over ("Update available — reload", web/js/offline.js).
// Old revisions are deleted when the new worker activates.
//
// Left out on purpose: runtime caching of anything not in the build (the site makes no other
// request) and navigation fallbacks for other pages (only index.html is a page).

importScripts("vendor/workbox/workbox-sw.js");

workbox.setConfig({ modulePathPrefix: "vendor/workbox/", debug: false });
workbox.core.setCacheNameDetails({ prefix: "backproplab" });

// Precaching asks the server with a conditional request ("no-cache") instead of Workbox's
// "reload": a file the page downloaded a moment ago is not downloaded a second time (the
// server answers 304 Not Modified and the browser's HTTP cache supplies it), and a changed
// file still comes from the server. Only while installing: a navigation request cannot be
// copied this way.
workbox.precaching.addPlugins([{
  requestWillFetch: async ({ request, event }) =>
    (event?.type === "install" ? new Request(request, { cache: "no-cache" }) : request),
}]);

// Navigations to "./" (or "./?anything") are answered with the cached index.html.
workbox.precaching.precacheAndRoute(self.__WB_MANIFEST, {
  directoryIndex: "index.html",
  ignoreURLParametersMatching: [/.*/],
  cleanURLs: false,
});
workbox.precaching.cleanupOutdatedCaches();

self.addEventListener("message", (event) => {
  if (event.data?.type === "SKIP_WAITING") self.skipWaiting();
});

// The first install controls the open page at once (its later requests come from the cache);
// an update waits for the page's "reload" (SKIP_WAITING), then takes over.
workbox.core.clientsClaim();
