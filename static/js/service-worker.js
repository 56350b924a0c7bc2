// ReLyfe's service worker: shows the pushes the server sends and acts on their buttons, and keeps what the
// app needs without a network. Served from the site's root by notifications.views.service_worker, which puts
// `self.RELYFE` (the app shell's addresses, a version) on the first line.
//
// What it keeps, decided here and nowhere else:
// - the app shell (stylesheet, scripts, icons, the offline page): no personal data;
// - a page only when the server marks it with the header named in RELYFE.copyHeader (relyfe/offline.py): the
//   patient's own today's doses and emergency card, and — only on a device where the patient switched it on —
//   their last viewed records (at most RELYFE.keptRecords, the oldest dropped). Every other page says
//   `no-store` and is never kept; nothing else (API, files, answers, any POST) goes through a cache.
// Every kept page is encrypted (AES-GCM) with a non-extractable key kept in IndexedDB; relyfe/offline.py says
// what that protects against and what it does not.
// Pages always come from the network first; a kept copy is shown only when the network fails.
// app.js wipes every cache and the key at sign-out.
"use strict";

var SETTINGS = self.RELYFE || {
  version: "dev", shell: [], offlinePage: "/offline/", copyHeader: "ReLyfe-Offline-Copy", recentlyViewed: "recent",
  keptRecords: 10
};
var SHELL_CACHE = "relyfe-shell-" + SETTINGS.version;
var PAGES_CACHE = "relyfe-pages";
var RECORDS_CACHE = "relyfe-records";
var SAVED_AT_HEADER = "ReLyfe-Saved-At";
var IV_HEADER = "ReLyfe-IV";
// The key, the device's choice and the list of kept records; app.js deletes it at sign-out.
var DATABASE = "relyfe-offline";
var KEEP_RECORDS = "keep-records";

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

// --- The database. Reading never makes it: after a sign-out deleted it, only a page being kept makes it again.

function openDatabase(create) {
  return new Promise(function (resolve, reject) {
    var request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = function () {
      if (!create) { request.transaction.abort(); return; }
      var db = request.result;
      db.createObjectStore("settings", { keyPath: "name" });
      db.createObjectStore("keys", { keyPath: "name" });
      db.createObjectStore("records", { keyPath: "url" });
    };
    request.onsuccess = function () {
      var db = request.result;
      // A sign-out deleting the database (app.js) is not kept waiting.
      db.onversionchange = function () { db.close(); };
      resolve(db);
    };
    request.onerror = function () { reject(request.error); };
  });
}

function withDatabase(create, work) {
  return openDatabase(create).then(function (db) {
    return Promise.resolve().then(function () { return work(db); }).then(function (result) {
      db.close();
      return result;
    }, function (error) {
      db.close();
      throw error;
    });
  });
}

function inStore(db, name, mode, work) {
  return new Promise(function (resolve, reject) {
    var transaction = db.transaction(name, mode);
    var request = work(transaction.objectStore(name));
    transaction.oncomplete = function () { resolve(request && request.result); };
    transaction.onerror = transaction.onabort = function () { reject(transaction.error); };
  });
}

// --- Encryption. The key is made on first use and can be used, never read, by this site's pages and worker.

function pageKey(create) {
  return withDatabase(create, function (db) {
    return inStore(db, "keys", "readonly", function (store) { return store.get("pages"); }).then(function (found) {
      if (found || !create) { return found ? found.key : null; }
      return crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]).then(function (key) {
        return inStore(db, "keys", "readwrite", function (store) { return store.add({ name: "pages", key: key }); }).then(function () {
          return key;
        }, function () {
          // Made meanwhile for another page: that one is the key.
          return inStore(db, "keys", "readonly", function (store) { return store.get("pages"); }).then(function (made) {
            return made.key;
          });
        });
      });
    });
  }).catch(function () { return null; });
}

function toBase64(bytes) {
  return btoa(String.fromCharCode.apply(null, new Uint8Array(bytes)));
}

function fromBase64(text) {
  return Uint8Array.from(atob(text), function (character) { return character.charCodeAt(0); });
}

function encrypt(key, bytes) {
  var iv = crypto.getRandomValues(new Uint8Array(12));
  return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, key, bytes).then(function (data) {
    return { iv: toBase64(iv), data: data };
  });
}

function decrypt(key, sealedData) {
  return crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(sealedData.iv) }, key, sealedData.data);
}

// The page's body encrypted; its headers (no personal data) as they came, with the time and the IV.
function sealedCopy(response, html) {
  return pageKey(true).then(function (key) {
    if (!key) { throw new Error("No key to keep a page with."); }
    return encrypt(key, new TextEncoder().encode(html));
  }).then(function (sealedData) {
    var headers = new Headers(response.headers);
    headers.delete("Content-Length");
    headers.delete("Content-Encoding");
    headers.set(SAVED_AT_HEADER, new Date().toISOString());
    headers.set(IV_HEADER, sealedData.iv);
    return new Response(sealedData.data, { status: response.status, statusText: response.statusText, headers: headers });
  });
}

function savePage(url, keptAs, response) {
  var keys = [url, new URL(keptAs, self.location.origin).href];
  return response.text().then(function (html) { return sealedCopy(response, html); }).then(function (saved) {
    return caches.open(PAGES_CACHE).then(function (cache) {
      return Promise.all(keys.map(function (key) { return cache.put(key, saved.clone()); }));
    });
  });
}

// A kept copy, decrypted, tells the page it is one (app.js shows the offline banner with the time it was saved).
// Without its key (deleted at sign-out) it cannot be read: the offline page is shown instead.
function asCopy(saved) {
  var savedAt = (saved.headers.get(SAVED_AT_HEADER) || "").replace(/[^0-9A-Za-z:.\-]/g, "");
  var iv = saved.headers.get(IV_HEADER);
  if (!iv) { return Promise.reject(new Error("Not encrypted: not shown.")); }
  return Promise.all([pageKey(false), saved.arrayBuffer()]).then(function (parts) {
    if (!parts[0]) { throw new Error("No key."); }
    return decrypt(parts[0], { iv: iv, data: parts[1] });
  }).then(function (plain) {
    var html = new TextDecoder().decode(plain);
    // A record's files are not kept: their frames ask for nothing (app.js says what is missing instead).
    var marked = html.replace("<html ", '<html data-offline-copy="' + savedAt + '" ')
      .replace(/<(img class="file__image"|iframe class="file__pdf") src=/g, "<$1 data-not-kept-src=");
    var headers = new Headers(saved.headers);
    headers.delete(IV_HEADER);
    return new Response(marked, { status: 200, headers: headers });
  });
}

// --- The last viewed records, on a device that opted in. One change at a time, in the order asked.

var recordsQueue = Promise.resolve();
function queued(work) {
  var next = recordsQueue.then(work, work);
  recordsQueue = next.catch(function () { return null; });
  return next;
}

function keepsRecords() {
  return withDatabase(false, function (db) {
    return inStore(db, "settings", "readonly", function (store) { return store.get(KEEP_RECORDS); });
  }).then(function (found) { return Boolean(found && found.on); }, function () { return false; });
}

// The record page names itself for the list of kept records (templates/health_records/detail.html).
function labelOf(html) {
  var found = /<meta name="relyfe-offline-label" content="([^"]*)">/.exec(html);
  var entities = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'", "&#39;": "'" };
  return (found ? found[1] : "").replace(/&(amp|lt|gt|quot|#x27|#39);/g, function (entity) { return entities[entity]; });
}

function keptRecordList(db) {
  return inStore(db, "records", "readonly", function (store) { return store.getAll(); }).then(function (records) {
    return records.sort(function (one, other) { return one.viewedAt < other.viewedAt ? 1 : -1; });
  });
}

function forgetRecords(db, urls) {
  if (!urls.length) { return Promise.resolve(); }
  return inStore(db, "records", "readwrite", function (store) {
    urls.forEach(function (url) { store.delete(url); });
  }).then(function () {
    return caches.open(RECORDS_CACHE).then(function (cache) {
      return Promise.all(urls.map(function (url) { return cache.delete(url); }));
    });
  });
}

function keepRecord(url, response) {
  return keepsRecords().then(function (on) {
    if (!on) { return null; }
    return response.text().then(function (html) {
      return Promise.all([sealedCopy(response, html), pageKey(true)]).then(function (parts) {
        return encrypt(parts[1], new TextEncoder().encode(labelOf(html))).then(function (label) {
          return caches.open(RECORDS_CACHE).then(function (cache) {
            return cache.put(url, parts[0]);
          }).then(function () {
            return withDatabase(true, function (db) {
              var entry = { url: url, viewedAt: new Date().toISOString(), label: label };
              return inStore(db, "records", "readwrite", function (store) { return store.put(entry); }).then(function () {
                return keptRecordList(db);
              }).then(function (records) {
                return forgetRecords(db, records.slice(SETTINGS.keptRecords).map(function (record) { return record.url; }));
              });
            });
          });
        });
      });
    });
  });
}

function switchKeepRecords(on) {
  return withDatabase(true, function (db) {
    return inStore(db, "settings", "readwrite", function (store) { return store.put({ name: KEEP_RECORDS, on: on }); }).then(function () {
      if (on) { return null; }
      return inStore(db, "records", "readwrite", function (store) { return store.clear(); }).then(function () {
        return caches.delete(RECORDS_CACHE);
      });
    });
  }).then(function () { return recordsState(); });
}

function recordsState() {
  return keepsRecords().then(function (on) {
    return withDatabase(false, keptRecordList).catch(function () { return []; }).then(function (records) {
      return { on: on, count: records.length };
    });
  });
}

// The kept records for the offline page (static/js/offline.js), most recently viewed first, labels decrypted.
function keptRecords() {
  return pageKey(false).then(function (key) {
    if (!key) { return []; }
    return withDatabase(false, keptRecordList).then(function (records) {
      return Promise.all(records.map(function (record) {
        return decrypt(key, record.label).then(function (label) {
          return { url: record.url, label: new TextDecoder().decode(label), viewedAt: record.viewedAt };
        });
      }));
    });
  }).catch(function () { return []; });
}

var QUESTIONS = {
  "keep-records": function (data) { return queued(function () { return switchKeepRecords(data.on === true); }); },
  "records-state": function () { return queued(recordsState); },
  "kept-records": function () { return queued(keptRecords); }
};

// Copies from before pages were encrypted are dropped, never shown.
function dropPlainCopies() {
  return caches.has(PAGES_CACHE).then(function (present) {
    if (!present) { return null; }
    return caches.open(PAGES_CACHE).then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(requests.map(function (request) {
          return cache.match(request).then(function (saved) {
            return saved && !saved.headers.get(IV_HEADER) ? cache.delete(request) : null;
          });
        }));
      });
    });
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
  }).then(dropPlainCopies).then(function () { return self.clients.claim(); }));
});

// A signed-in page asks for the shell again after a sign-out wiped it (app.js); the pages ask about the kept
// records (app.js, offline.js) through a MessageChannel, which carries the answer.
self.addEventListener("message", function (event) {
  if (event.data === "fill-shell") {
    event.waitUntil(caches.has(SHELL_CACHE).then(function (present) { return present ? null : fillShell(); }));
    return;
  }
  var port = event.ports && event.ports[0];
  var question = event.data && QUESTIONS[event.data.type];
  if (!port || !question) { return; }
  event.waitUntil(question(event.data).then(function (answer) {
    port.postMessage({ ok: true, answer: answer });
  }, function () {
    port.postMessage({ ok: false });
  }));
});

// caches.match with a cacheName, unlike caches.open, never makes a cache that a sign-out emptied.
function offlinePage() {
  return caches.match(SETTINGS.offlinePage, { cacheName: SHELL_CACHE }).then(function (page) {
    return page || Response.error();
  });
}

function keptCopy(url) {
  return caches.match(url, { cacheName: PAGES_CACHE, ignoreVary: true }).then(function (saved) {
    return saved || caches.match(url, { cacheName: RECORDS_CACHE, ignoreVary: true });
  });
}

function page(event) {
  return fetch(event.request).then(function (response) {
    var keptAs = response.type === "basic" && response.ok ? response.headers.get(SETTINGS.copyHeader) : null;
    if (keptAs === SETTINGS.recentlyViewed) {
      var copy = response.clone();
      event.waitUntil(queued(function () { return keepRecord(event.request.url, copy); }).catch(function () { return null; }));
    } else if (keptAs && keptAs.charAt(0) === "/") {
      event.waitUntil(savePage(event.request.url, keptAs, response.clone()).catch(function () { return null; }));
    }
    return response;
  }, function () {
    return keptCopy(event.request.url).then(function (saved) {
      return saved ? asCopy(saved) : offlinePage();
    }).catch(offlinePage);
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
