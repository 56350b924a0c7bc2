// The comparison of two photos: slider, layers and side by side. Loaded as a file (no inline script);
// the mode and the states live in data- attributes and CSS classes, sizes are set through element.style.
(function () {
  "use strict";
  var root = document.querySelector("[data-compare]");
  if (!root) { return; }

  var stage = root.querySelector("[data-compare-stage]");
  var handle = root.querySelector("[data-compare-handle]");
  var first = root.querySelector("[data-compare-image=first]");
  var second = root.querySelector("[data-compare-image=second]");
  var firstFigure = first.closest("figure");
  var opacity = root.querySelector("[data-compare-opacity]");
  var buttons = root.querySelectorAll("[data-compare-mode]");
  var MODES = ["slider", "layers", "side"];
  var position = 50;

  function mode() { return root.dataset.mode; }

  // Slider: the first photo is clipped at the bar; the second shows on its right.
  function setPosition(percent) {
    position = Math.max(0, Math.min(100, percent));
    var rounded = Math.round(position);
    firstFigure.style.clipPath = "inset(0 " + (100 - position) + "% 0 0)";
    handle.style.left = position + "%";
    handle.setAttribute("aria-valuenow", String(rounded));
    handle.setAttribute("aria-valuetext", rounded + " %");
  }

  function positionAt(clientX) {
    var box = stage.getBoundingClientRect();
    setPosition(((clientX - box.left) / box.width) * 100);
  }

  // Layers: the first photo shows over the second while held, at the chosen opacity.
  function hold(on) {
    root.classList.toggle("is-holding", on);
    root.dataset.holding = on ? "true" : "false";
  }

  function applyOpacity() {
    firstFigure.style.opacity = String(Number(opacity.value) / 100);
  }

  // Side by side: the same height for both, as large as the page allows.
  function sizeSideBySide() {
    if (mode() !== "side" || !first.naturalWidth || !second.naturalWidth) { return; }
    var ratios = first.naturalWidth / first.naturalHeight + second.naturalWidth / second.naturalHeight;
    var gap = parseFloat(getComputedStyle(stage).columnGap) || 0;
    var available = stage.clientWidth - gap;
    var height = Math.min(window.innerHeight * 0.7, available / ratios);
    [first, second].forEach(function (image) {
      image.style.height = Math.floor(height) + "px";
      image.style.width = Math.floor(height * image.naturalWidth / image.naturalHeight) + "px";
    });
  }

  function clearSizes() {
    [first, second].forEach(function (image) { image.style.height = ""; image.style.width = ""; });
  }

  function markOrientation() {
    if (!first.naturalWidth || !second.naturalWidth) { return; }
    var landscape = first.naturalWidth > first.naturalHeight && second.naturalWidth > second.naturalHeight;
    root.classList.toggle("is-both-landscape", landscape);
  }

  function setMode(name) {
    root.dataset.mode = name;
    MODES.forEach(function (each) { root.classList.toggle("compare--" + each, each === name); });
    buttons.forEach(function (button) {
      button.setAttribute("aria-pressed", button.dataset.compareMode === name ? "true" : "false");
    });
    hold(false);
    firstFigure.style.clipPath = "";
    firstFigure.style.opacity = "";
    if (name === "slider") { setPosition(position); }
    if (name === "layers") { applyOpacity(); }
    if (name === "side") { sizeSideBySide(); } else { clearSizes(); }
  }

  buttons.forEach(function (button) {
    button.addEventListener("click", function () { setMode(button.dataset.compareMode); });
  });

  var dragging = false;
  stage.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) { return; }
    if (mode() === "slider") {
      dragging = true;
      stage.setPointerCapture(event.pointerId);
      positionAt(event.clientX);
      event.preventDefault();
    } else if (mode() === "layers") {
      stage.setPointerCapture(event.pointerId);
      hold(true);
      event.preventDefault();
    }
  });
  stage.addEventListener("pointermove", function (event) {
    if (dragging) { positionAt(event.clientX); }
  });
  function release() {
    dragging = false;
    if (mode() === "layers") { hold(false); }
  }
  stage.addEventListener("pointerup", release);
  stage.addEventListener("pointercancel", release);
  stage.addEventListener("lostpointercapture", release);
  // A long press on a phone would open the picture's menu instead of showing the other photo.
  stage.addEventListener("contextmenu", function (event) {
    if (mode() !== "side") { event.preventDefault(); }
  });

  handle.addEventListener("keydown", function (event) {
    var step = event.shiftKey ? 1 : 5;
    var moves = {
      ArrowLeft: -step, ArrowDown: -step, ArrowRight: step, ArrowUp: step,
      PageDown: -20, PageUp: 20
    };
    if (event.key in moves) {
      setPosition(position + moves[event.key]);
    } else if (event.key === "Home") {
      setPosition(0);
    } else if (event.key === "End") {
      setPosition(100);
    } else {
      return;
    }
    event.preventDefault();
  });

  stage.addEventListener("keydown", function (event) {
    if (mode() === "layers" && (event.key === " " || event.key === "Spacebar")) {
      event.preventDefault();
      hold(true);
    }
  });
  stage.addEventListener("keyup", function (event) {
    if (mode() === "layers" && (event.key === " " || event.key === "Spacebar")) {
      event.preventDefault();
      hold(false);
    }
  });
  stage.addEventListener("blur", function () { hold(false); });

  opacity.addEventListener("input", applyOpacity);

  [first, second].forEach(function (image) {
    function loaded() { markOrientation(); sizeSideBySide(); }
    if (image.complete) { loaded(); } else { image.addEventListener("load", loaded); }
  });
  window.addEventListener("resize", sizeSideBySide);

  setMode("slider");
})();
