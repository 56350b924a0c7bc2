// ReLyfe's small page behaviours. Loaded as a file: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  document.documentElement.classList.replace("no-js", "js");

  // htmx requests carry the CSRF token, read from the page rather than from a cookie.
  document.body.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = document.body.dataset.csrfToken;
  });

  // The phone menu.
  var toggle = document.querySelector(".nav-toggle");
  var nav = document.getElementById("site-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("is-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Selects marked data-autosubmit submit their form on change (the button stays for no-JS).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
