// Service worker: lets the dashboard shell open offline. The page keeps its
// data in IndexedDB itself; this only caches the shell (HTML, JS, WASM, CSS,
// icons). API calls and the event stream are never cached here, so the page
// always knows whether the server answered.
const SHELL_CACHE = "claudedirector-shell-v2";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(["/", "/manifest.webmanifest", "/icon.svg"])));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((key) => key !== SHELL_CACHE).map((key) => caches.delete(key))))
  );
  self.clients.claim();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) {
    return;
  }
  if (request.mode === "navigate") {
    // Network first for pages, so a new release is picked up; the cached shell when offline.
    event.respondWith(
      fetch(request)
        .then((response) => {
          // Only the dashboard itself is the shell: a sign-in page (asked for,
          // or reached by the redirect a signed-out visit gets) or an error
          // page stored as "/" would be what the installed app opens offline.
          const landed = new URL(response.url || request.url);
          if (response.ok && !response.redirected && landed.pathname !== "/login") {
            const copy = response.clone();
            caches.open(SHELL_CACHE).then((cache) => cache.put("/", copy));
          }
          return response;
        })
        .catch(() => caches.match("/"))
    );
    return;
  }
  // Trunk names assets by content hash, so a cached asset never goes stale.
  event.respondWith(
    caches.match(request).then(
      (cached) =>
        cached ||
        fetch(request).then((response) => {
          if (response.ok) {
            const copy = response.clone();
            caches.open(SHELL_CACHE).then((cache) => cache.put(request, copy));
          }
          return response;
        })
    )
  );
});
