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
  var accountMenu = document.querySelector("[data-account-menu]");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("is-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      // On a phone the opened menu shows everything, the account's links too.
      if (open && accountMenu) { accountMenu.open = true; }
    });
  }
  // On a desktop the account's menu drops down, and closes on a click elsewhere or Escape.
  if (accountMenu) {
    document.addEventListener("click", function (event) {
      if (accountMenu.open && !accountMenu.contains(event.target) && !nav.classList.contains("is-open")) {
        accountMenu.open = false;
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { accountMenu.open = false; }
    });
  }

  // Buttons marked data-print print the page (its print style shows what is to be printed).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // Selects marked data-autosubmit submit their form on change (the button stays for no-JS).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();

// Upload forms: list the chosen files and show the sending progress (htmx reports it).
(function () {
  "use strict";
  function listFiles(form) {
    var list = form.querySelector("[data-upload-list]");
    if (!list) { return; }
    list.textContent = "";
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      Array.prototype.forEach.call(input.files, function (file) {
        var item = document.createElement("li");
        item.textContent = file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " KB)";
        list.appendChild(item);
      });
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("form[data-upload-progress] input[type=file]")) {
      listFiles(event.target.form);
    }
  });
  document.body.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest("form[data-upload-progress]");
    if (!form || !event.detail.lengthComputable) { return; }
    var box = form.querySelector("[data-progress]");
    box.hidden = false;
    box.querySelector("progress").value = Math.round((event.detail.loaded / event.detail.total) * 100);
  });
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.target.closest("form[data-upload-progress]");
    if (form) { form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; }); }
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest("form[data-upload-progress]");
    if (form) { form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; }); }
  });
})();

// Read-only fields holding a link select their whole content when focused, ready to copy.
document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
  input.addEventListener("focus", function () { input.select(); });
});

// A link's Copy button (Clipboard API, or selecting it where the page is not secure) and its Share button,
// shown only where the browser can share (Web Share API).
document.querySelectorAll("[data-copy-link]").forEach(function (box) {
  "use strict";
  var input = box.querySelector("input, textarea");
  var copy = box.querySelector("[data-copy]");
  var share = box.querySelector("[data-share]");
  var status = box.querySelector("[data-copy-status]");
  copy.addEventListener("click", function () {
    function copied() { status.textContent = copy.dataset.copied; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(copied, function () { input.select(); });
    } else {
      input.select();
      if (document.execCommand("copy")) { copied(); }
    }
  });
  if (share && typeof navigator.share === "function") {
    share.hidden = false;
    share.addEventListener("click", function () {
      // Closing the share sheet rejects the promise: nothing to report.
      navigator.share({ url: input.value }).catch(function () {});
    });
  }
});

// Folded checklists (sharing/_picker.html): the title counts what is ticked, and choosing the matching
// scope ("Chosen records") unfolds the list to choose from.
document.querySelectorAll("[data-picker]").forEach(function (picker) {
  "use strict";
  var count = picker.querySelector("[data-picker-count]");
  picker.addEventListener("change", function () {
    var ticked = picker.querySelectorAll("input[type=checkbox]:checked").length;
    // French and English both use the singular for 0 and 1.
    count.textContent = (ticked > 1 ? count.dataset.other : count.dataset.one).replace(/\d+/, String(ticked));
  });
  var form = picker.closest("form");
  form.querySelectorAll("input[name=scope]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (radio.checked && radio.value === picker.dataset.picker) { picker.open = true; }
    });
  });
});

// An Undo button is offered while the server still accepts it (a second is kept for the page to load
// and the click to travel), then taken away.
document.querySelectorAll("[data-undo]").forEach(function (box) {
  "use strict";
  window.setTimeout(function () {
    var form = box.querySelector("form");
    if (form) { form.remove(); }
  }, (Number(box.dataset.undoSeconds) - 1) * 1000);
});

// Forms sent back with an error: files kept on the server can be left out before sending again, and
// empty required fields are marked before a send the server would refuse (it still checks them).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-kept-remove]");
    if (!button) { return; }
    var box = button.closest("[data-kept]");
    button.closest("[data-kept-item]").remove();
    if (!box.querySelector("[data-kept-item]")) { box.remove(); }
  });
  function mark(input, message) {
    var field = input.closest(".field") || input.parentNode;
    var note = field.querySelector("[data-required-note]");
    if (!message) {
      if (note) { note.remove(); field.classList.remove("field--error"); input.removeAttribute("aria-invalid"); }
      return;
    }
    if (!note) {
      note = document.createElement("p");
      note.className = "error";
      note.setAttribute("data-required-note", "");
      note.textContent = message;
      field.appendChild(note);
    }
    field.classList.add("field--error");
    input.setAttribute("aria-invalid", "true");
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-check-required]")) { return; }
    var empty = [];
    form.querySelectorAll("[required]").forEach(function (input) {
      var missing = !input.value.trim();
      mark(input, missing ? form.dataset.requiredMessage : "");
      if (missing) { empty.push(input); }
    });
    if (empty.length) {
      // Capturing on the document stops the event before htmx, on the form, sends it.
      event.preventDefault();
      event.stopImmediatePropagation();
      empty[0].focus();
    }
  }, true);
  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (form && form.matches("form[data-check-required]") && event.target.value.trim()) { mark(event.target, ""); }
  });
})();
