// The installed app on every page: registers the service worker (static/js/service-worker.js), shows the
// offline banner, keeps a dose answered offline on the device until it is sent, switches "Keep my last viewed
// records on this phone" (the worker keeps them), and wipes everything the app kept at sign-out. Loaded as a file: the Content-Security-Policy allows no inline script. Every text shown
// comes translated from the banner's data- attributes (templates/base.html).
(function () {
  "use strict";
  var body = document.body;
  var banner = document.querySelector("[data-offline-banner]");
  var signedIn = body.hasAttribute("data-signed-in");
  var savedCopyAt = document.documentElement.getAttribute("data-offline-copy");
  var DATABASE = "relyfe";
  var ANSWERS = "answers";
  // The service worker's: its encryption key, this device's choice and the list of kept records.
  var OFFLINE_DATABASE = "relyfe-offline";

  function text(name) {
    return banner ? banner.dataset[name] || "" : "";
  }

  // --- Wiping: at sign-out, and on any page seen signed out (a session that ran out leaves nothing behind).

  function wipe() {
    var cachesGone = "caches" in window ? caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name.indexOf("relyfe-") === 0; }).map(function (name) {
        return caches.delete(name);
      }));
    }) : Promise.resolve();
    return Promise.all([cachesGone, deleteDatabase(DATABASE), deleteDatabase(OFFLINE_DATABASE)]);
  }

  // The worker closes its connection when asked to (onversionchange): the key goes with the database.
  function deleteDatabase(name) {
    return new Promise(function (resolve) {
      if (!("indexedDB" in window)) { resolve(); return; }
      var request = indexedDB.deleteDatabase(name);
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    });
  }

  if (!signedIn) {
    // The offline page of the worker does not load this script; any other page seen signed out wipes.
    wipe();
    return;
  }

  document.querySelectorAll("form[data-sign-out]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.wiped) { return; }
      event.preventDefault();
      var done = function () { form.dataset.wiped = "yes"; form.submit(); };
      wipe().then(done, done);
    });
  });

  // --- The service worker, for every signed-in page: it keeps the app shell and the pages the server marks.

  if ("serviceWorker" in navigator && body.dataset.serviceWorkerUrl) {
    navigator.serviceWorker.register(body.dataset.serviceWorkerUrl, { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      // After a sign-out emptied the caches, the installed worker saves the shell again.
      if (registration.active) { registration.active.postMessage("fill-shell"); }
    }).catch(function () {
      return null;  // Without a worker the site works as before, only not offline.
    });
  }

  // --- "Keep my last viewed records on this phone" (templates/health_records/_keep_offline.html): the choice
  // is this device's, kept by the service worker, which answers through a MessageChannel. The control shows
  // only once the worker has answered: without one, nothing could be kept.

  function askWorker(question) {
    return navigator.serviceWorker.ready.then(function (registration) {
      return new Promise(function (resolve, reject) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) {
          if (event.data && event.data.ok) { resolve(event.data.answer); } else { reject(new Error("Not done.")); }
        };
        registration.active.postMessage(question, [channel.port2]);
      });
    });
  }

  function setUpKeepRecords(control) {
    var toggle = control.querySelector("[data-keep-records-switch]");
    var status = control.querySelector("[data-keep-records-status]");
    var say = function (name) { status.textContent = control.dataset[name] || ""; };
    askWorker({ type: "records-state" }).then(function (state) {
      toggle.checked = state.on;
      control.hidden = false;
    }).catch(function () { return null; });
    toggle.addEventListener("change", function () {
      var wanted = toggle.checked;
      toggle.disabled = true;
      askWorker({ type: "keep-records", on: wanted }).then(function (state) {
        toggle.checked = state.on;
        say(state.on ? "textOn" : "textOff");
      }, function () {
        toggle.checked = !wanted;
        say("textFailed");
      }).then(function () { toggle.disabled = false; });
    });
  }

  var keepRecordsControl = document.querySelector("[data-keep-records]");
  if (keepRecordsControl && "serviceWorker" in navigator && "indexedDB" in window && window.crypto && crypto.subtle &&
      body.dataset.serviceWorkerUrl) {
    setUpKeepRecords(keepRecordsControl);
  }

  // --- A kept copy holds no file (the worker took their addresses out): it says so where the file was shown.

  if (savedCopyAt) {
    document.querySelectorAll("main img.file__image, main iframe.file__pdf").forEach(function (element) {
      var note = document.createElement("p");
      note.className = "file__not-kept";
      note.textContent = text("textFileNotKept");
      element.replaceWith(note);
    });
  }

  // --- The banner.

  function showBanner(message) {
    if (!banner) { return; }
    banner.textContent = message;
    banner.hidden = !message;
  }

  function savedCopyMessage() {
    var when = new Date(savedCopyAt);
    var shown = isNaN(when.getTime()) ? "" : when.toLocaleString(document.documentElement.lang || undefined, {
      dateStyle: "short",
      timeStyle: "short"
    });
    return text("textCopy").replace("{time}", shown);
  }

  function showConnection() {
    if (!navigator.onLine) {
      showBanner(savedCopyAt ? savedCopyMessage() : text("textOffline"));
    } else if (savedCopyAt) {
      showBanner(text("textBackOnline"));
    } else {
      showBanner("");
    }
  }

  // --- Doses answered offline: kept in IndexedDB, one answer per dose (the last one given), sent when back
  // online. The server takes the same answer twice as one, so a send that is repeated after a lost reply
  // counts once.

  function database() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DATABASE, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(ANSWERS, { keyPath: "dose" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(ANSWERS, mode);
        var result = work(transaction.objectStore(ANSWERS));
        transaction.oncomplete = function () { db.close(); resolve(result && result.result); };
        transaction.onerror = transaction.onabort = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  function doseKey(fields) {
    return [fields.medication, fields.local_date, fields.moment].join("|");
  }

  function markPending(form) {
    var item = form.closest(".plan-item") || form.parentNode;
    item.classList.add("plan-item--pending");
    var note = item.querySelector("[data-dose-pending]");
    if (!note) {
      note = document.createElement("p");
      note.className = "plan-item__pending";
      note.setAttribute("role", "status");
      note.setAttribute("data-dose-pending", "");
      item.appendChild(note);
    }
    note.textContent = text("textPending");
  }

  function fieldsOf(form, answer) {
    return {
      medication: form.elements.medication.value,
      local_date: form.elements.local_date.value,
      moment: form.elements.moment.value,
      answer: answer
    };
  }

  function keep(form, answer) {
    var fields = fieldsOf(form, answer);
    var entry = { dose: doseKey(fields), action: form.action, fields: fields, keptAt: new Date().toISOString() };
    return withStore("readwrite", function (store) { return store.put(entry); }).then(function () {
      markPending(form);
    });
  }

  function waiting() {
    return withStore("readonly", function (store) { return store.getAll(); });
  }

  function forget(dose) {
    return withStore("readwrite", function (store) { return store.delete(dose); });
  }

  // One answer sent. It stays kept unless the server said it saved it, or refused it for good (the dose is no
  // longer to take: a stopped medication); then the page, reloaded, shows what the server holds. A session
  // that ran out is redirected to the login page, and a stale CSRF token refused (403): kept, sent later.
  function send(entry) {
    var data = new FormData();
    Object.keys(entry.fields).forEach(function (name) { data.append(name, entry.fields[name]); });
    return fetch(entry.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": body.dataset.csrfToken, Accept: "application/json" },
      body: data
    }).then(function (response) {
      var saved = response.ok && !response.redirected &&
        (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      var refused = response.status === 400 || response.status === 404;
      return saved || refused ? forget(entry.dose).then(function () { return true; }) : false;
    }, function () { return false; });
  }

  var sending = null;
  function sendWaiting() {
    if (sending || !navigator.onLine || !("indexedDB" in window)) { return sending || Promise.resolve(0); }
    sending = waiting().then(function (entries) {
      return entries.reduce(function (previous, entry) {
        return previous.then(function (count) {
          return send(entry).then(function (settled) { return count + (settled ? 1 : 0); });
        });
      }, Promise.resolve(0));
    }).catch(function () { return 0; }).then(function (count) {
      sending = null;
      return count;
    });
    return sending;
  }

  // The answers still waiting show as such, on a saved copy as on a fresh page.
  function showWaiting() {
    if (!("indexedDB" in window)) { return; }
    waiting().then(function (entries) {
      var doses = {};
      entries.forEach(function (entry) { doses[entry.dose] = true; });
      document.querySelectorAll("form.dose-actions").forEach(function (form) {
        if (doses[doseKey(fieldsOf(form, ""))]) { markPending(form); }
      });
    }).catch(function () { return null; });
  }

  document.addEventListener("submit", function (event) {
    if (navigator.onLine) { return; }
    var form = event.target;
    if (form.matches("form.dose-actions") && "indexedDB" in window) {
      event.preventDefault();
      var answer = event.submitter && event.submitter.name === "answer" ? event.submitter.value : "";
      if (answer) { keep(form, answer).catch(function () { showBanner(text("textNotSent")); }); }
      return;
    }
    // Any other form: the page would fail to load; say plainly that nothing was sent.
    event.preventDefault();
    showBanner(text("textNotSent"));
  });

  // htmx asks the server for parts of a page (a discussion refreshing itself): without a network it asks
  // nothing, and a change it would have sent says plainly that it was not sent.
  body.addEventListener("htmx:beforeRequest", function (event) {
    if (navigator.onLine) { return; }
    event.preventDefault();
    var verb = event.detail && event.detail.requestConfig ? event.detail.requestConfig.verb : "get";
    if (verb !== "get") { showBanner(text("textNotSent")); }
  });

  // A page being left is not reloaded: its reload would take the place of the page the person is opening.
  var leaving = false;
  window.addEventListener("pagehide", function () { leaving = true; });
  window.addEventListener("beforeunload", function () { leaving = true; });

  function backOnline() {
    showConnection();
    if (!navigator.onLine) { return; }
    sendWaiting().then(function (count) {
      // The page shows what the server now holds (the answers just sent, those of others meanwhile).
      if ((count > 0 || savedCopyAt) && !leaving && navigator.onLine) { window.location.reload(); }
    });
  }

  window.addEventListener("online", backOnline);
  window.addEventListener("offline", showConnection);
  showConnection();
  showWaiting();
  if (navigator.onLine) {
    sendWaiting().then(function (count) {
      if (count > 0 && document.querySelector("form.dose-actions")) { window.location.reload(); }
    });
  }
})();
