// The offline page (templates/home/offline.html): lists the records this device keeps, when the patient switched
// "Keep my last viewed records on this phone" on. The service worker (static/js/service-worker.js) holds them
// encrypted and reads their labels back; the page itself is the same for everyone and holds nothing.
(function () {
  "use strict";
  var section = document.querySelector("[data-kept-records]");
  var worker = "serviceWorker" in navigator ? navigator.serviceWorker.controller : null;
  if (!section || !worker) { return; }
  var list = section.querySelector("[data-kept-records-list]");
  var channel = new MessageChannel();
  channel.port1.onmessage = function (event) {
    var records = event.data && event.data.ok ? event.data.answer : [];
    records.forEach(function (record) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      // Only ever an address on this site.
      link.href = new URL(record.url, window.location.origin).pathname;
      link.textContent = record.label || link.href;
      item.appendChild(link);
      list.appendChild(item);
    });
    section.hidden = records.length === 0;
  };
  worker.postMessage({ type: "kept-records" }, [channel.port2]);
})();
