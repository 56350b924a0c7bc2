// Face photo forms: show the photo chosen or taken, and say that the search is running while it does.
(function () {
  "use strict";
  document.querySelectorAll("form[data-face-form]").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    var preview = form.querySelector("[data-photo-preview]");
    if (input && preview) {
      input.addEventListener("change", function () {
        if (preview.src) { URL.revokeObjectURL(preview.src); }
        if (input.files.length) {
          preview.src = URL.createObjectURL(input.files[0]);
          preview.hidden = false;
        } else {
          preview.hidden = true;
        }
      });
    }
    form.addEventListener("submit", function () {
      var progress = form.querySelector("[data-face-progress]");
      if (progress) { progress.hidden = false; }
      form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
    });
  });
})();
