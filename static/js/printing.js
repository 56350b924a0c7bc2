// The print inbox's job page: the patient is ticked in a list or chosen by their Heart-Code. The shared
// scanner (static/js/scanner.js) puts the code in #heartcode-scanned, htmx asks the server whose it is, and
// the answer carries the code into the form. The server files for the code when both are sent, so each
// choice clears the other. Loaded as a file: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  var form = document.querySelector("[data-assign-form]");
  var scanned = document.getElementById("heartcode-scanned");
  var result = document.getElementById("heartcode-result");
  if (!form || !scanned || !result) { return; }

  scanned.addEventListener("change", function () {
    form.querySelectorAll("input[type=radio][name=patient]").forEach(function (radio) { radio.checked = false; });
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "patient") { result.textContent = ""; }
  });
})();
