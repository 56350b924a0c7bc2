// Face photo forms: show each photo chosen or taken next to its own input (an enrolment takes up to three),
// and say that the search is running while it does.
(function () {
  "use strict";
  document.querySelectorAll("form[data-face-form]").forEach(function (form) {
    form.querySelectorAll(".face-photo").forEach(function (field) {
      var input = field.querySelector("input[type=file]");
      var preview = field.querySelector("[data-photo-preview]");
      if (!input || !preview) { return; }
      input.addEventListener("change", function () {
        if (preview.src) { URL.revokeObjectURL(preview.src); }
        if (input.files.length) {
          preview.src = URL.createObjectURL(input.files[0]);
          preview.hidden = false;
        } else {
          preview.hidden = true;
        }
      });
    });
    form.addEventListener("submit", function () {
      var progress = form.querySelector("[data-face-progress]");
      if (progress) { progress.hidden = false; }
      form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
    });
  });
})();
