// Photo follow-up on a phone (templates/health_records/_site_camera.html): when the new-record form names a
// body site that has an earlier photo, that photo is shown, and "Take the photo" opens the rear camera full
// screen with it laid over the view, faint, to line the new one up. The picture taken is put into the form's
// camera input as a JPEG file, so that it is sent and checked as any chosen file is. Without a camera, or
// without its permission, the earlier photo stays as a reference beside the ordinary camera input.
// The site is sent in a POST body, never in a URL. Loaded as a file: the Content-Security-Policy allows no
// inline script. The form is replaced by htmx when the server sends it back: everything is found again from
// the event's target, and a new form asks for its site's photo when htmx loads it.
(function () {
  "use strict";

  var LOOKUP_DELAY_MS = 400;
  var JPEG_QUALITY = 0.92;

  function parts(root) {
    var dialog = root.querySelector("[data-camera-dialog]");
    return {
      root: root,
      form: root.closest("form"),
      site: document.querySelector(root.dataset.siteInput),
      fileInput: document.querySelector(root.dataset.fileInput),
      thumbnail: root.querySelector("[data-site-camera-thumbnail]"),
      label: root.querySelector("[data-site-camera-label]"),
      open: root.querySelector("[data-site-camera-open]"),
      help: root.querySelector("[data-site-camera-help]"),
      message: root.querySelector("[data-site-camera-message]"),
      dialog: dialog,
      video: dialog.querySelector("[data-camera-video]"),
      overlay: dialog.querySelector("[data-camera-overlay]"),
      still: dialog.querySelector("[data-camera-still]"),
      overlayControls: dialog.querySelector("[data-camera-overlay-controls]"),
      opacity: dialog.querySelector("[data-camera-opacity]"),
      opacityValue: dialog.querySelector("[data-camera-opacity-value]"),
      overlayShown: dialog.querySelector("[data-camera-overlay-shown]"),
      status: dialog.querySelector("[data-camera-status]"),
      shutter: dialog.querySelector("[data-camera-shutter]"),
      use: dialog.querySelector("[data-camera-use]"),
      retake: dialog.querySelector("[data-camera-retake]"),
      cancel: dialog.querySelector("[data-camera-cancel]")
    };
  }

  // What each camera view holds while it is open: its stream and the picture taken, not yet used.
  var states = new WeakMap();

  function state(root) {
    if (!states.has(root)) { states.set(root, { stream: null, taken: null, stillUrl: null, asked: 0, site: null }); }
    return states.get(root);
  }

  function hasCamera() {
    return Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.isSecureContext);
  }

  function percent(value) {
    try {
      return new Intl.NumberFormat(document.documentElement.lang || undefined, { style: "percent" }).format(value / 100);
    } catch (error) {
      return value + "%";
    }
  }

  // --- The earlier photo of the site --------------------------------------------------------------------

  function showReference(view, photo) {
    if (!photo) {
      view.root.hidden = true;
      view.thumbnail.removeAttribute("src");
      view.overlay.removeAttribute("src");
      return;
    }
    view.thumbnail.src = photo.url;
    view.thumbnail.alt = photo.label;
    view.label.textContent = photo.label;
    view.overlay.src = photo.url;
    view.message.textContent = "";
    // Without the camera API, the ordinary camera input is the way, said at once.
    var camera = hasCamera();
    view.open.hidden = !camera;
    view.help.hidden = !camera;
    if (!camera) { view.message.textContent = view.root.dataset.textNoCamera; }
    view.root.hidden = false;
  }

  function lookUp(root) {
    var view = parts(root);
    var current = state(root);
    var site = view.site ? view.site.value.trim() : "";
    // Typing then leaving the field asks once: each answer is logged as a view of the photo.
    if (site === current.site) { return; }
    current.site = site;
    current.asked += 1;
    var asked = current.asked;
    if (!site) {
      showReference(view, null);
      return;
    }
    var body = new FormData();
    body.append("body_site", site);
    fetch(root.dataset.lookupUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": document.body.dataset.csrfToken, Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (answer) {
      // An answer to an older question (the site was changed meanwhile) is dropped.
      if (asked === current.asked) { showReference(view, answer.photo); }
    }).catch(function () {
      if (asked === current.asked) {
        current.site = null;  // asked again at the next change
        showReference(view, null);
      }
    });
  }

  var timers = new WeakMap();

  function lookUpSoon(root) {
    clearTimeout(timers.get(root));
    timers.set(root, setTimeout(function () { lookUp(root); }, LOOKUP_DELAY_MS));
  }

  function rootOfSite(input) {
    var form = input.form;
    if (!form) { return null; }
    var root = form.querySelector("[data-site-camera]");
    return root && document.querySelector(root.dataset.siteInput) === input ? root : null;
  }

  document.addEventListener("input", function (event) {
    var root = rootOfSite(event.target);
    if (root) { lookUpSoon(root); }
  });
  document.addEventListener("change", function (event) {
    var root = rootOfSite(event.target);
    if (root) {
      clearTimeout(timers.get(root));
      lookUp(root);
    }
  });

  // --- The camera view ----------------------------------------------------------------------------------

  function say(view, text) {
    view.status.textContent = text || "";
  }

  function applyOverlay(view) {
    var value = Number(view.opacity.value);
    view.overlay.style.opacity = String(value / 100);
    view.opacityValue.textContent = percent(value);
    view.overlay.hidden = !view.overlayShown.checked || !view.overlay.getAttribute("src");
    view.opacity.disabled = !view.overlayShown.checked;
  }

  function showLive(view) {
    var current = state(view.root);
    if (current.stillUrl) { URL.revokeObjectURL(current.stillUrl); }
    current.taken = null;
    current.stillUrl = null;
    view.still.hidden = true;
    view.still.removeAttribute("src");
    view.video.hidden = false;
    view.shutter.hidden = false;
    view.shutter.disabled = false;
    view.use.hidden = true;
    view.retake.hidden = true;
    // Offered once the earlier photo has loaded (the "load" listener below offers it then).
    view.overlayControls.hidden = !(view.overlay.complete && view.overlay.naturalWidth > 0);
    applyOverlay(view);
  }

  function stopStream(view) {
    var current = state(view.root);
    if (current.stream) {
      current.stream.getTracks().forEach(function (track) { track.stop(); });
      current.stream = null;
    }
    view.video.srcObject = null;
  }

  function close(view) {
    stopStream(view);
    showLive(view);
    say(view, "");
    if (view.dialog.open) { view.dialog.close(); }
    view.open.focus();
  }

  function cannotOpen(view, error) {
    close(view);
    var denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
    view.message.textContent = denied ? view.root.dataset.textCameraDenied : view.root.dataset.textNoCamera;
    view.open.hidden = true;
    view.help.hidden = true;
    if (view.fileInput) { view.fileInput.focus(); }
  }

  function openCamera(view) {
    if (!hasCamera()) {
      cannotOpen(view, null);
      return;
    }
    view.message.textContent = "";
    showLive(view);
    // The shutter, focused, takes nothing until the first frame shows (capture checks it).
    view.dialog.showModal();
    say(view, view.root.dataset.textOpening);
    navigator.mediaDevices.getUserMedia({
      video: { facingMode: "environment", width: { ideal: 1920 }, height: { ideal: 1080 } },
      audio: false
    }).then(function (stream) {
      if (!view.dialog.open) {  // cancelled while the browser asked
        stream.getTracks().forEach(function (track) { track.stop(); });
        return;
      }
      state(view.root).stream = stream;
      view.video.srcObject = stream;
      return view.video.play().then(function () { say(view, ""); });
    }).catch(function (error) { cannotOpen(view, error); });
  }

  function fileName() {
    var now = new Date();
    function two(number) { return String(number).padStart(2, "0"); }
    return "photo-" + now.getFullYear() + two(now.getMonth() + 1) + two(now.getDate()) + "-" +
      two(now.getHours()) + two(now.getMinutes()) + two(now.getSeconds()) + ".jpg";
  }

  function capture(view) {
    var video = view.video;
    if (!video.videoWidth) { return; }
    var canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    view.shutter.disabled = true;
    canvas.toBlob(function (blob) {
      if (!blob) {
        view.shutter.disabled = false;
        return;
      }
      var current = state(view.root);
      current.taken = new File([blob], fileName(), { type: "image/jpeg", lastModified: Date.now() });
      current.stillUrl = URL.createObjectURL(blob);
      view.still.src = current.stillUrl;
      view.still.hidden = false;
      view.video.hidden = true;
      view.overlay.hidden = true;
      view.overlayControls.hidden = true;
      view.shutter.hidden = true;
      view.use.hidden = false;
      view.retake.hidden = false;
      view.use.focus();
      say(view, view.root.dataset.textTaken);
    }, "image/jpeg", JPEG_QUALITY);
  }

  // The picture joins the files already in the camera input, as if it had been chosen there.
  function use(view) {
    var taken = state(view.root).taken;
    var input = view.fileInput;
    if (!taken || !input) { return; }
    var files = new DataTransfer();
    Array.prototype.forEach.call(input.files, function (file) { files.items.add(file); });
    files.items.add(taken);
    input.files = files.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    var kind = view.form && view.form.querySelector("select[name=kind]");
    if (kind && !kind.value && kind.querySelector("option[value=photo]")) {
      kind.value = "photo";
      kind.dispatchEvent(new Event("change", { bubbles: true }));
    }
    close(view);
    view.message.textContent = view.root.dataset.textAdded;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(
      "[data-site-camera-open], [data-camera-shutter], [data-camera-use], [data-camera-retake], [data-camera-cancel]"
    );
    var root = button && button.closest("[data-site-camera]");
    if (!root) { return; }
    var view = parts(root);
    if (button.matches("[data-site-camera-open]")) { openCamera(view); }
    else if (button.matches("[data-camera-shutter]")) { capture(view); }
    else if (button.matches("[data-camera-use]")) { use(view); }
    else if (button.matches("[data-camera-retake]")) {
      showLive(view);
      say(view, "");
      view.shutter.focus();
    }
    else { close(view); }
  });

  document.addEventListener("input", function (event) {
    if (!event.target.matches("[data-camera-opacity]")) { return; }
    applyOverlay(parts(event.target.closest("[data-site-camera]")));
  });
  document.addEventListener("change", function (event) {
    if (!event.target.matches("[data-camera-overlay-shown]")) { return; }
    applyOverlay(parts(event.target.closest("[data-site-camera]")));
  });

  // Escape closes a modal dialog: the camera stops as with Cancel. ("cancel" does not bubble.)
  document.addEventListener("cancel", function (event) {
    if (!event.target.matches("[data-camera-dialog]")) { return; }
    event.preventDefault();
    close(parts(event.target.closest("[data-site-camera]")));
  }, true);

  // An overlay that cannot be loaded is not offered.
  document.addEventListener("error", function (event) {
    if (!event.target.matches || !event.target.matches("[data-camera-overlay]")) { return; }
    var view = parts(event.target.closest("[data-site-camera]"));
    view.overlayControls.hidden = true;
  }, true);
  document.addEventListener("load", function (event) {
    if (!event.target.matches || !event.target.matches("[data-camera-overlay]")) { return; }
    var view = parts(event.target.closest("[data-site-camera]"));
    view.overlayControls.hidden = !view.still.hidden;  // not while the picture taken is shown
  }, true);

  // A form already naming a site (sent back with an error, or opened again) shows its photo at once: on
  // the page's first load, and when htmx puts a new form in (it also says "load" for the whole body).
  var started = new WeakSet();
  function start(container) {
    var roots = container.matches && container.matches("[data-site-camera]")
      ? [container] : container.querySelectorAll("[data-site-camera]");
    Array.prototype.forEach.call(roots, function (root) {
      if (started.has(root)) { return; }
      started.add(root);
      var site = document.querySelector(root.dataset.siteInput);
      if (site && site.value.trim()) { lookUp(root); }
    });
  }
  start(document);
  document.addEventListener("htmx:load", function (event) { start(event.target); });
})();
