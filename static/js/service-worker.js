// ReLyfe's service worker: shows the pushes the server sends and acts on their buttons, and keeps what the
// app needs without a network. Served from the site's root by notifications.views.service_worker, which puts
// `self.RELYFE` (the app shell's addresses, a version) on the first line.
//
// What it keeps, decided here and nowhere else:
// - the app shell (stylesheet, scripts, icons, the offline page): no personal data;
// - a page only when the server marks it with the header named in RELYFE.copyHeader (relyfe/offline.py): the
//   patient's own today's doses and emergency card. Every other page says `no-store` and is never kept;
//   nothing else (API, files, answers, any POST) goes through a cache.
// Pages always come from the network first; a kept copy is shown only when the network fails.
// app.js wipes every cache at sign-out.
"use strict";

var SETTINGS = self.RELYFE || { version: "dev", shell: [], offlinePage: "/offline/", copyHeader: "ReLyfe-Offline-Copy" };
var SHELL_CACHE = "relyfe-shell-" + SETTINGS.version;
var PAGES_CACHE = "relyfe-pages";
var SAVED_AT_HEADER = "ReLyfe-Saved-At";

// The offline page is fetched without the session: it is the same for everyone on the device.
function fillShell() {
  return caches.open(SHELL_CACHE).then(function (cache) {
    return Promise.all([
      cache.addAll(SETTINGS.shell),
      fetch(SETTINGS.offlinePage, { credentials: "omit" }).then(function (response) {
        if (response.ok) { return cache.put(SETTINGS.offlinePage, response); }
      })
    ]);
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(fillShell().then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("relyfe-shell-") === 0 && name !== SHELL_CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

// A signed-in page asks for the shell again after a sign-out wiped it (app.js).
self.addEventListener("message", function (event) {
  if (event.data === "fill-shell") {
    event.waitUntil(caches.has(SHELL_CACHE).then(function (present) { return present ? null : fillShell(); }));
  }
});

function withHeader(response, name, value) {
  var headers = new Headers(response.headers);
  headers.set(name, value);
  return response.blob().then(function (body) {
    return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
  });
}

function savePage(url, keptAs, response) {
  var keys = [url, new URL(keptAs, self.location.origin).href];
  return withHeader(response, SAVED_AT_HEADER, new Date().toISOString()).then(function (saved) {
    return caches.open(PAGES_CACHE).then(function (cache) {
      return Promise.all(keys.map(function (key) { return cache.put(key, saved.clone()); }));
    });
  });
}

// A kept copy tells the page it is one (app.js shows the offline banner with the time it was saved).
function asCopy(saved) {
  var savedAt = (saved.headers.get(SAVED_AT_HEADER) || "").replace(/[^0-9A-Za-z:.\-]/g, "");
  return saved.text().then(function (html) {
    var marked = html.replace("<html ", '<html data-offline-copy="' + savedAt + '" ');
    return new Response(marked, { status: 200, headers: saved.headers });
  });
}

// caches.match with a cacheName, unlike caches.open, never makes a cache that a sign-out emptied.
function offlinePage() {
  return caches.match(SETTINGS.offlinePage, { cacheName: SHELL_CACHE }).then(function (page) {
    return page || Response.error();
  });
}

function page(event) {
  return fetch(event.request).then(function (response) {
    var keptAs = response.type === "basic" && response.ok ? response.headers.get(SETTINGS.copyHeader) : null;
    if (keptAs && keptAs.charAt(0) === "/") {
      event.waitUntil(savePage(event.request.url, keptAs, response.clone()));
    }
    return response;
  }, function () {
    return caches.match(event.request.url, { cacheName: PAGES_CACHE, ignoreVary: true }).then(function (saved) {
      return saved ? asCopy(saved) : offlinePage();
    });
  });
}

// Static files (no personal data) come from the shell's cache, refreshed from the network meanwhile. Nothing
// is added after a sign-out emptied the caches: only a signed-in page's "fill-shell" makes the cache again.
function staticFile(event) {
  return caches.has(SHELL_CACHE).then(function (present) {
    if (!present) { return fetch(event.request); }
    return caches.open(SHELL_CACHE).then(function (cache) {
      return cache.match(event.request).then(function (cached) {
        var fresh = fetch(event.request).then(function (response) {
          if (response.ok && response.type === "basic") {
            return cache.put(event.request, response.clone()).then(function () { return response; });
          }
          return response;
        });
        if (cached) {
          event.waitUntil(fresh.catch(function () { return null; }));
          return cached;
        }
        return fresh;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  // Top-level pages only: a file shown in a frame (a PDF preview) goes to the network untouched, with the
  // sandbox its response carries.
  if (request.mode === "navigate" && request.destination === "document") {
    event.respondWith(page(event));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(staticFile(event));
  }
});

// Links in a push only ever lead within this site, whatever address the push names.
function onThisSite(url) {
  var parsed = new URL(url || "/", self.location.origin);
  return self.location.origin + parsed.pathname + parsed.search + parsed.hash;
}

self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  var actions = Array.isArray(data.actions) ? data.actions : [];
  event.waitUntil(self.registration.showNotification(data.title || "ReLyfe", {
    body: data.body || "",
    tag: data.tag,
    data: { url: data.url, actions: actions },
    actions: actions.map(function (action) { return { action: action.action, title: action.title }; })
  }));
});

function openOrFocus(url) {
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    var open = windows.find(function (client) { return client.url === url && "focus" in client; });
    return open ? open.focus() : self.clients.openWindow(url);
  });
}

self.addEventListener("notificationclick", function (event) {
  var data = event.notification.data || {};
  event.notification.close();
  var chosen = (data.actions || []).find(function (action) { return action.action === event.action; });
  if (event.action && chosen) {
    // The action's link carries its own signed token, so it needs no page and no CSRF token.
    event.waitUntil(fetch(onThisSite(chosen.url), { method: "POST", credentials: "include" }));
    return;
  }
  event.waitUntil(openOrFocus(onThisSite(data.url)));
});
