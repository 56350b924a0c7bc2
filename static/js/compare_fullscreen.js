// The comparison in full screen on a phone, turned the way the pair fits: two wide photos (or two photos side
// by side) want landscape, two tall ones portrait. The Screen Orientation API locks it where the browser
// allows (Android, once in full screen); elsewhere (iOS, a desktop) the page's "Turn your phone" hint shows
// when the phone is held the other way. Loaded as a file: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var root = document.querySelector("[data-compare]");
  var button = root && root.querySelector("[data-compare-fullscreen]");
  if (!button) { return; }
  if (!root.requestFullscreen || !document.fullscreenEnabled) {
    button.hidden = true;
    return;
  }
  var images = root.querySelectorAll("[data-compare-image]");

  function ratioOf(image) {
    return image.naturalWidth && image.naturalHeight ? image.naturalWidth / image.naturalHeight : 1;
  }

  // As shown: side by side, the widths add up; in the slider and the layers, the photos share one frame.
  function fittingOrientation() {
    var ratios = Array.prototype.map.call(images, ratioOf);
    var ratio = root.dataset.mode === "side" ? ratios.reduce(function (sum, each) { return sum + each; }, 0)
      : Math.max.apply(null, ratios);
    return ratio > 1 ? "landscape" : "portrait";
  }

  function heldThe(orientation) {
    return window.matchMedia("(orientation: " + orientation + ")").matches;
  }

  function hintIfTurned(orientation) {
    root.classList.toggle("is-turn-needed", Boolean(document.fullscreenElement) && !heldThe(orientation));
  }

  function enter() {
    var orientation = fittingOrientation();
    root.requestFullscreen().then(function () {
      var orientationApi = window.screen.orientation;
      if (!orientationApi || typeof orientationApi.lock !== "function") { return Promise.reject(); }
      return orientationApi.lock(orientation);
    }).then(function () {
      hintIfTurned(orientation);
    }, function () {
      hintIfTurned(orientation);
    });
  }

  button.addEventListener("click", function () {
    if (document.fullscreenElement) {
      document.exitFullscreen().catch(function () { return null; });
    } else {
      enter();
    }
  });

  document.addEventListener("fullscreenchange", function () {
    var inFullScreen = document.fullscreenElement === root;
    button.setAttribute("aria-pressed", inFullScreen ? "true" : "false");
    if (!inFullScreen) {
      root.classList.remove("is-turn-needed");
      if (window.screen.orientation && typeof window.screen.orientation.unlock === "function") {
        try { window.screen.orientation.unlock(); } catch (error) { return; }
      }
    }
  });

  window.matchMedia("(orientation: portrait)").addEventListener("change", function () {
    if (document.fullscreenElement === root) { hintIfTurned(fittingOrientation()); }
  });
})();
