// The walk, kept for use with no network: the page, its map and every stop's audio, stored when walk.html is
// first opened from its web address, then served from this phone's storage. Made by narrate {{ version }}.
"use strict";
const FILES = {{ files | tojson }};
const PREFIX = "narrate-walk " + self.registration.scope + " ";
const CACHE = PREFIX + {{ key | tojson }};  // a new build of the walk is a new cache; the old one goes

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  if (event.request.method === "GET") event.respondWith(stored(event.request));
});

// The stored copy, or the network for anything not stored; a byte range of a stored file as the player asks for.
async function stored(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request, { ignoreSearch: true, ignoreVary: true });
  if (!hit) return fetch(request);
  const range = request.headers.get("range");
  return range ? part(hit, range) : hit;
}

// RFC 9110's single byte range: "bytes=first-last", "bytes=first-" or "bytes=-suffix".
async function part(response, header) {
  const body = await response.arrayBuffer();
  const size = body.byteLength;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  let first = -1, last = size - 1;
  if (m && m[1] !== "") { first = Number(m[1]); if (m[2] !== "") last = Math.min(Number(m[2]), size - 1); }
  else if (m && m[2] !== "") first = Math.max(0, size - Number(m[2]));
  if (first < 0 || first >= size || first > last) {
    return new Response(null, { status: 416, headers: { "Content-Range": "bytes */" + size } });
  }
  return new Response(body.slice(first, last + 1), { status: 206, statusText: "Partial Content", headers: {
    "Content-Type": response.headers.get("Content-Type") || "application/octet-stream",
    "Content-Range": "bytes " + first + "-" + last + "/" + size,
    "Content-Length": String(last - first + 1),
    "Accept-Ranges": "bytes",
  } });
}
