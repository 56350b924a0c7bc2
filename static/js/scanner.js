// The Heart-Code scanner: reads QR codes from the phone's camera and opens the ReLyfe page they point to.
// Progressive enhancement of templates/sharing/_scanner.html: without JavaScript, or without a camera, the
// photo upload form does the same job on the server. Loaded as a file: the Content-Security-Policy allows
// no inline script.
(function () {
  "use strict";

  var SCAN_INTERVAL_MS = 1000 / 6;
  // jsQR reads a frame of this width in a few milliseconds; a Heart-Code filling part of it stays readable.
  var JSQR_MAX_WIDTH = 800;
  // A code the camera cannot read (glare, too far, out of focus) may still be read from a sharper photo.
  var OFFER_PHOTO_AFTER_MS = 15000;

  // BarcodeDetector exists on some browsers without QR support, so its formats are checked before use.
  function nativeDetector() {
    if (!("BarcodeDetector" in window)) { return Promise.resolve(null); }
    return window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      return formats.indexOf("qr_code") === -1 ? null : new window.BarcodeDetector({ formats: ["qr_code"] });
    }).catch(function () { return null; });
  }

  function jsQRDecoder() {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    return function (video) {
      var scale = Math.min(1, JSQR_MAX_WIDTH / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var frame = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(frame.data, frame.width, frame.height, { inversionAttempts: "dontInvert" });
      return Promise.resolve(code ? [code.data] : []);
    };
  }

  // One function, video in, texts out, whichever decoder the browser offers.
  function decoder() {
    return nativeDetector().then(function (detector) {
      if (!detector) { return jsQRDecoder(); }
      return function (video) {
        return detector.detect(video).then(function (codes) {
          return codes.map(function (code) { return code.rawValue; });
        });
      };
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
    var prefix = root.dataset.acceptPrefix || "/e/";
    var stream = null;
    var timer = null;
    var offerTimer = null;

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
      start.disabled = false;
    }

    function fail(error) {
      stop();
      say(cameraErrorText(root, error));
      offerPhoto();
    }

    function open(texts) {
      for (var index = 0; index < texts.length; index += 1) {
        var url = acceptedUrl(texts[index], prefix);
        if (url) {
          stop();
          location.assign(url.href);
          return true;
        }
      }
      if (texts.length) { say(root.dataset.textNotRelyfe); }
      return false;
    }

    function scanEvery(decode) {
      function tick() {
        if (!stream) { return; }
        // A frame that fails to decode (camera still warming up, a decoder error) is skipped, not fatal.
        var frame = Promise.resolve().then(function () {
          return video.readyState >= video.HAVE_CURRENT_DATA ? decode(video) : [];
        });
        frame.then(open).catch(function () { return false; }).then(function (opened) {
          if (!opened && stream) { timer = setTimeout(tick, SCAN_INTERVAL_MS); }
        });
      }
      tick();
    }

    function begin() {
      start.disabled = true;
      say(root.dataset.textScanning);
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (mediaStream) {
          stream = mediaStream;
          video.srcObject = mediaStream;
          return video.play();
        })
        .then(decoder)
        .then(function (decode) {
          offerTimer = setTimeout(offerPhoto, OFFER_PHOTO_AFTER_MS);
          scanEvery(decode);
        })
        .catch(fail);
    }

    // getUserMedia only exists in a secure context (HTTPS) on a browser that has it.
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(root.dataset.textNoCamera);
      return;
    }
    live.hidden = false;
    fallback.hidden = true;
    start.addEventListener("click", begin);
    // A camera left on after leaving the page keeps its light on and drains the battery.
    window.addEventListener("pagehide", stop);
  }

  document.querySelectorAll("[data-qr-scanner]").forEach(setUp);
})();
