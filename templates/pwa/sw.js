// Upstander Network's service worker, served from /sw.js so its scope is the whole site.
// Rendered by network/pwa/views.py: the shell's URLs and a version that changes with its files.
"use strict";

// ---------------------------------------------------------------------------------------------
// Shell cache: install, activate, fetch.
//
// Only the static shell is ever stored — CSS, JavaScript, icons and the offline page, fetched
// without cookies. Pages and API answers go straight to the network and are never cached: they
// hold personal data. Without a network, a page visit gets the offline page instead.
// ---------------------------------------------------------------------------------------------
const SHELL_CACHE = "upstander-shell-{{ version }}";
const SHELL = {{ shell|tojson }};
const OFFLINE_PAGE = {{ offline|tojson }};
const SHELL_PATHS = new Set([...SHELL, OFFLINE_PAGE]);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE)
      .then((cache) => cache.addAll(
        [...SHELL_PATHS].map((path) => new Request(path, { credentials: "omit", cache: "reload" }))
      ))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith("upstander-shell-") && name !== SHELL_CACHE)
          .map((name) => caches.delete(name))
      ))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Network only; the offline page when there is none. The page itself is never stored.
    event.respondWith(
      fetch(request).catch(() => caches.match(OFFLINE_PAGE).then((page) => page || Response.error()))
    );
    return;
  }
  if (SHELL_PATHS.has(url.pathname) && !url.search) {
    // The shell from the cache (a new version of the worker brings new files); else the network.
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(request)));
  }
  // Everything else (API, live feed, uploads): not touched, straight to the network.
});

// ---------------------------------------------------------------------------------------------
// (Push notifications are handled below this line.)
// ---------------------------------------------------------------------------------------------
importScripts("{{ url_for('static', filename='js/push-sw.js') }}");
