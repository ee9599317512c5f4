/* The cunjing workspace's service worker (scope {{ scope }}), version {{ version }}.
 *
 * Static files (Tabler, the workspace's scripts, icons, the manifest): cache first, network
 * when missing. Pages under the scope: the Today page network first (its lists change), the
 * quick-add forms cache first and refreshed in the background, so they open without a network.
 * The signed-in page asks the worker to keep the user's pages ("warm"); a page answered by a
 * redirect (signed out) and the sign-in page ("signed-out") drop them. API calls are never
 * touched: they go to the network, and nothing they answer is cached.
 */
"use strict";

const VERSION = "{{ version }}";
const SCOPE = "{{ scope }}";
const STATIC_PREFIX = "{{ static_prefix }}";
const STATIC_CACHE = "cunjing-static-" + VERSION;
const PAGES_CACHE = "cunjing-pages-" + VERSION;
const STATIC_URLS = {{ static_urls|safe }};
const OWNER_KEY = SCOPE + "__owner__";
const MATCH = { ignoreSearch: true, ignoreVary: true };

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(STATIC_CACHE)
      .then((cache) => cache.addAll(STATIC_URLS))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("cunjing-") && name !== STATIC_CACHE && name !== PAGES_CACHE) {
        await caches.delete(name);
      }
    }
    await self.clients.claim();
  })());
});

function isPage(url) {
  return url.pathname.startsWith(SCOPE) && url.pathname !== SCOPE + "sw.js";
}

function pageKey(url) {
  return new URL(url, self.location.origin).pathname;
}

async function dropPages() {
  await caches.delete(PAGES_CACHE);
}

function signedOut(response) {
  return response.type === "opaqueredirect" || response.redirected;
}

// The page from the network; kept when it is the page itself (a redirect means signed out).
async function networkPage(request) {
  const response = await fetch(request);
  if (signedOut(response)) {
    await dropPages();
  } else if (response.ok && response.type === "basic") {
    const cache = await caches.open(PAGES_CACHE);
    await cache.put(pageKey(request.url), response.clone());
  }
  return response;
}

function offlineAnswer() {
  return new Response("<!doctype html><meta charset=utf-8><title>离线</title><p>离线：此页尚未保存在本机。Offline: this page is not kept on this phone yet.</p>", {
    status: 503,
    headers: { "Content-Type": "text/html; charset=utf-8" },
  });
}

async function networkFirst(request) {
  try {
    return await networkPage(request);
  } catch (error) {
    return (await caches.match(pageKey(request.url), MATCH)) || offlineAnswer();
  }
}

async function cacheFirst(request, event) {
  const cached = await caches.match(pageKey(request.url), MATCH);
  if (cached) {
    event.waitUntil(networkPage(request).catch(() => null));
    return cached;
  }
  try {
    return await networkPage(request);
  } catch (error) {
    return offlineAnswer();
  }
}

async function staticFile(request) {
  const cached = await caches.match(request, MATCH);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") {
    const cache = await caches.open(STATIC_CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(STATIC_PREFIX) || url.pathname === "{{ manifest }}") {
    event.respondWith(staticFile(request));
  } else if (isPage(url)) {
    event.respondWith(url.pathname === SCOPE ? networkFirst(request) : cacheFirst(request, event));
  }
  // Anything else (the API above all) goes to the network untouched.
});

// Keep ``urls`` (the signed-in user's pages) for offline use, fetching only those not kept yet
// when ``onlyMissing``; answer how many are kept.
async function warm(urls, owner, onlyMissing) {
  const cache = await caches.open(PAGES_CACHE);
  const previous = await cache.match(OWNER_KEY);
  if (previous && (await previous.text()) !== String(owner)) {
    await dropPages();
    return warm(urls, owner, false);
  }
  await cache.put(OWNER_KEY, new Response(String(owner)));
  let kept = 0;
  for (const url of urls) {
    if (onlyMissing && (await cache.match(pageKey(url), MATCH))) {
      kept += 1;
      continue;
    }
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (response.redirected) {
        await dropPages();
        return 0;
      }
      if (response.ok) {
        await cache.put(pageKey(url), response);
        kept += 1;
      }
    } catch (error) {
      // Offline: what is already kept stays.
      if (await cache.match(pageKey(url), MATCH)) kept += 1;
    }
  }
  return kept;
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const reply = (value) => event.ports[0] && event.ports[0].postMessage(value);
  if (data.type === "warm") {
    event.waitUntil(warm(data.urls || [], data.owner, Boolean(data.onlyMissing)).then((kept) => reply({ kept })));
  } else if (data.type === "signed-out") {
    event.waitUntil(dropPages().then(() => reply({ dropped: true })));
  }
});
