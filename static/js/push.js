// "Receive notifications on this device", on the notification preferences page. Loaded as a file: the
// Content-Security-Policy allows no inline script. Every text shown comes translated from data- attributes.
(function () {
  "use strict";
  var panel = document.querySelector("[data-push]");
  if (!panel) { return; }
  var subscribeButton = panel.querySelector("[data-push-subscribe]");
  var unsubscribeButton = panel.querySelector("[data-push-unsubscribe]");
  var statusLine = panel.querySelector("[data-push-status]");

  function say(name) {
    statusLine.textContent = panel.dataset[name] || "";
  }

  function showButtons(subscribed) {
    subscribeButton.hidden = subscribed;
    unsubscribeButton.hidden = !subscribed;
  }

  // The VAPID public key is base64url text; the browser wants its bytes.
  function urlBase64ToUint8Array(base64String) {
    var padding = "=".repeat((4 - (base64String.length % 4)) % 4);
    var base64 = (base64String + padding).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var index = 0; index < raw.length; index += 1) { bytes[index] = raw.charCodeAt(index); }
    return bytes;
  }

  function sameKey(buffer, bytes) {
    if (!buffer) { return false; }
    var existing = new Uint8Array(buffer);
    return existing.length === bytes.length && existing.every(function (byte, index) { return byte === bytes[index]; });
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": document.body.dataset.csrfToken },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) { throw new Error("The server answered " + response.status); }
      return response;
    });
  }

  function registration() {
    return navigator.serviceWorker.register(panel.dataset.serviceWorkerUrl, { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    });
  }

  // A subscription made with another server key (the keys were changed) can no longer be used.
  function freshSubscription(pushManager, key) {
    return pushManager.getSubscription().then(function (existing) {
      if (existing && sameKey(existing.options.applicationServerKey, key)) { return existing; }
      var dropped = existing ? existing.unsubscribe() : Promise.resolve();
      return dropped.then(function () {
        return pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
      });
    });
  }

  function subscribe() {
    var key = urlBase64ToUint8Array(subscribeButton.dataset.vapidPublicKey);
    subscribeButton.disabled = true;
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { say("messageDenied"); return; }
      return registration().then(function (ready) {
        return freshSubscription(ready.pushManager, key);
      }).then(function (subscription) {
        return post(panel.dataset.subscribeUrl, subscription.toJSON());
      }).then(function () {
        showButtons(true);
        say("messageSubscribed");
      });
    }).catch(function () {
      say("messageFailed");
    }).then(function () {
      subscribeButton.disabled = false;
    });
  }

  function unsubscribe() {
    unsubscribeButton.disabled = true;
    navigator.serviceWorker.getRegistration("/").then(function (found) {
      return found ? found.pushManager.getSubscription() : null;
    }).then(function (subscription) {
      if (!subscription) { return; }
      // The server forgets the device first: were the browser to fail, no push would be sent to it anyway.
      return post(panel.dataset.unsubscribeUrl, { endpoint: subscription.endpoint }).then(function () {
        return subscription.unsubscribe();
      });
    }).then(function () {
      showButtons(false);
      say("messageUnsubscribed");
    }).catch(function () {
      say("messageFailed");
    }).then(function () {
      unsubscribeButton.disabled = false;
    });
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say("messageUnsupported");
    return;
  }
  if (Notification.permission === "denied") { say("messageDenied"); }
  subscribeButton.addEventListener("click", subscribe);
  unsubscribeButton.addEventListener("click", unsubscribe);
  navigator.serviceWorker.getRegistration("/").then(function (found) {
    return found ? found.pushManager.getSubscription() : null;
  }).then(function (subscription) {
    showButtons(Boolean(subscription));
  }).catch(function () {
    showButtons(false);
  });
})();
