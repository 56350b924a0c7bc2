// The prescription review: "Start today" sets the treatment's start date. Without JS the button is
// hidden and the date field is changed by hand; the form works the same.
(function () {
  "use strict";
  document.querySelectorAll("[data-set-date]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.dataset.setDate);
      var warning = button.closest("[data-start-today-warning]");
      if (!field || !warning) { return; }
      field.value = button.dataset.date;
      warning.querySelector("[data-past-note]").hidden = true;
      warning.querySelector("[data-start-today-done]").hidden = false;
      field.focus();
    });
  });
})();
