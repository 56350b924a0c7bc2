// The Heart-Code scanner: reads QR codes from the camera, or from a photo, and either opens the ReLyfe page
// they point to (the /scan/ page) or, when the root has data-scanner-fill="<selector of an input>", puts the
// scanned URL in that input and tells it with "input" and "change" events (the print inbox's job page).
// Progressive enhancement of templates/sharing/_scanner.html: to open a page without JavaScript or without
// a camera, the photo form does the same job on the server. Loaded as a file: the Content-Security-Policy
// allows no inline script.
(function () {
  "use strict";

  var SCAN_INTERVAL_MS = 1000 / 6;
  // jsQR reads a video frame of this width in a few milliseconds; a photo is read larger, once.
  var VIDEO_MAX_WIDTH = 800;
  var PHOTO_MAX_WIDTH = 1600;
  // A code the camera cannot read (glare, too far, out of focus) may still be read from a sharper photo.
  var OFFER_PHOTO_AFTER_MS = 15000;

  // BarcodeDetector exists on some browsers without QR support, so its formats are checked before use.
  function nativeDetector() {
    if (!("BarcodeDetector" in window)) { return Promise.resolve(null); }
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      return formats.indexOf("qr_code") === -1 ? null : new window.BarcodeDetector({ formats: ["qr_code"] });
    }).catch(function () { return null; });
  }

  // One function, image or video in, texts out, whichever decoder the browser offers. A video frame is
  // read quickly (no inverted codes); a photo, once, with every attempt.
  function decoder() {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    return nativeDetector().then(function (detector) {
      return function (source) {
        if (detector) {
          return detector.detect(source).then(function (codes) {
            return codes.map(function (code) { return code.rawValue; });
          });
        }
        var isVideo = source instanceof HTMLVideoElement;
        var width = isVideo ? source.videoWidth : source.width;
        var height = isVideo ? source.videoHeight : source.height;
        var scale = Math.min(1, (isVideo ? VIDEO_MAX_WIDTH : PHOTO_MAX_WIDTH) / width);
        canvas.width = Math.round(width * scale);
        canvas.height = Math.round(height * scale);
        context.drawImage(source, 0, 0, canvas.width, canvas.height);
        var frame = context.getImageData(0, 0, canvas.width, canvas.height);
        var code = window.jsQR(frame.data, frame.width, frame.height,
          { inversionAttempts: isVideo ? "dontInvert" : "attemptBoth" });
        return Promise.resolve(code ? [code.data] : []);
      };
    });
  }

  function imageOf(file) {
    if (window.createImageBitmap) { return window.createImageBitmap(file); }
    return new Promise(function (resolve, reject) {
      var image = new Image();
      var url = URL.createObjectURL(file);
      image.onload = function () { URL.revokeObjectURL(url); resolve(image); };
      image.onerror = function (error) { URL.revokeObjectURL(url); reject(error); };
      image.src = url;
    });
  }

  // The ReLyfe page a code points to, or null for a code from anywhere else.
  function acceptedUrl(text, prefix) {
    var url;
    try {
      url = new URL(text, location.href);
    } catch (error) {
      return null;
    }
    if (url.origin !== location.origin || url.pathname.indexOf(prefix) !== 0) { return null; }
    return url;
  }

  function cameraErrorText(root, error) {
    var denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
    return denied ? root.dataset.textCameraDenied || root.dataset.textNoCamera : root.dataset.textNoCamera;
  }

  function setUp(root) {
    var live = root.querySelector("[data-scanner-live]");
    var video = root.querySelector("[data-scanner-video]");
    var start = root.querySelector("[data-scanner-start]");
    var status = root.querySelector("[data-scanner-status]");
    var fallback = root.querySelector("[data-scanner-fallback]");
    var photo = root.querySelector("[data-scanner-photo]");
    var prefix = root.dataset.acceptPrefix || "/e/";
    var fill = root.dataset.scannerFill ? document.querySelector(root.dataset.scannerFill) : null;
    var decode = null;
    var stream = null;
    var timer = null;
    var offerTimer = null;

    function decodeWith() {
      if (!decode) { decode = decoder(); }
      return decode;
    }

    // Writing the same text again would make screen readers repeat it at every frame.
    function say(text) {
      if (status.textContent !== text) { status.textContent = text || ""; }
    }

    function offerPhoto() {
      fallback.hidden = false;
    }

    function stop() {
      clearTimeout(timer);
      clearTimeout(offerTimer);
      if (stream) {
        stream.getTracks().forEach(function (track) { track.stop(); });
        stream = null;
      }
      video.srcObject = null;
      if (fill) { video.hidden = true; }
      start.disabled = false;
    }

    function fail(error) {
      stop();
      say(cameraErrorText(root, error));
      offerPhoto();
    }

    function use(url) {
      stop();
      if (!fill) {
        location.assign(url.href);
        return;
      }
      fill.value = url.href;
      fill.dispatchEvent(new Event("input", { bubbles: true }));
      fill.dispatchEvent(new Event("change", { bubbles: true }));
      say(root.dataset.textFilled);
    }

    function open(texts) {
      for (var index = 0; index < texts.length; index += 1) {
        var url = acceptedUrl(texts[index], prefix);
        if (url) {
          use(url);
          return true;
        }
      }
      if (texts.length) { say(root.dataset.textNotRelyfe); }
      return false;
    }

    function scanEvery(read) {
      function tick() {
        if (!stream) { return; }
        // A frame that fails to decode (camera still warming up, a decoder error) is skipped, not fatal.
        var frame = Promise.resolve().then(function () {
          return video.readyState >= video.HAVE_CURRENT_DATA ? read(video) : [];
        });
        frame.then(open).catch(function () { return false; }).then(function (opened) {
          if (!opened && stream) { timer = setTimeout(tick, SCAN_INTERVAL_MS); }
        });
      }
      tick();
    }

    function begin() {
      start.disabled = true;
      video.hidden = false;
      say(root.dataset.textScanning);
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (mediaStream) {
          stream = mediaStream;
          video.srcObject = mediaStream;
          return video.play();
        })
        .then(decodeWith)
        .then(function (read) {
          offerTimer = setTimeout(offerPhoto, OFFER_PHOTO_AFTER_MS);
          scanEvery(read);
        })
        .catch(fail);
    }

    // In fill mode the photo is read here; otherwise its form posts it to the server.
    function readPhoto() {
      var file = photo.files[0];
      if (!file) { return; }
      stop();
      Promise.all([decodeWith(), imageOf(file)])
        .then(function (both) { return both[0](both[1]); })
        .then(function (texts) {
          if (!texts.length) { say(root.dataset.textNoCode); } else { open(texts); }
        })
        .catch(function () { say(root.dataset.textNoCode); })
        .then(function () { photo.value = ""; });
    }

    if (fill) {
      root.hidden = false;
      photo.addEventListener("change", readPhoto);
    }
    // getUserMedia only exists in a secure context (HTTPS) on a browser that has it.
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      if (!fill) { say(root.dataset.textNoCamera); }
      return;
    }
    live.hidden = false;
    if (!fill) { fallback.hidden = true; }
    start.addEventListener("click", begin);
    // A camera left on after leaving the page keeps its light on and drains the battery.
    window.addEventListener("pagehide", stop);
  }

  document.querySelectorAll("[data-qr-scanner]").forEach(setUp);
})();
