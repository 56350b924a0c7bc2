// ReLyfe's service worker: shows the pushes the server sends and acts on their buttons. Served from the
// site's root so that it serves every page; it caches nothing, so pages always come from the server.
"use strict";

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
