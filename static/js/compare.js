// The comparison of two photos: slider, layers and side by side, the two photos lined up. Loaded as a file
// (no inline script); the mode and the states live in data- attributes and CSS classes, sizes and the
// alignment are set through element.style.
//
// The geometry is health_records/photos.py's, so that the saved picture is what was seen: both photos in
// one frame, each scaled so that its longer side has the same length, centred; the frame is the smallest
// box holding both. With two landmarks placed on each photo, the second (right) photo is moved by the
// similarity (scale, rotation, shift) that carries its landmarks onto the first's. Frame coordinates are in
// "long sides"; a similarity is z -> a * z + b on complex numbers, kept as {re, im} pairs.
(function () {
  "use strict";
  var root = document.querySelector("[data-compare]");
  if (!root) { return; }

  var stage = root.querySelector("[data-compare-stage]");
  var handle = root.querySelector("[data-compare-handle]");
  var images = {
    first: root.querySelector("[data-compare-image=first]"),
    second: root.querySelector("[data-compare-image=second]")
  };
  var canvases = {
    first: root.querySelector("[data-compare-canvas=first]"),
    second: root.querySelector("[data-compare-canvas=second]")
  };
  var frames = {
    first: root.querySelector("[data-compare-frame=first]"),
    second: root.querySelector("[data-compare-frame=second]")
  };
  var firstFigure = images.first.closest("figure");
  var opacity = root.querySelector("[data-compare-opacity]");
  var buttons = root.querySelectorAll("[data-compare-mode]");
  var placeButton = root.querySelector("[data-compare-place]");
  var resetButton = root.querySelector("[data-compare-reset]");
  var steps = root.querySelectorAll("[data-compare-step]");
  var alignmentInput = document.querySelector("[data-compare-alignment]");
  var MODES = ["slider", "layers", "side", "place"];
  var position = 50;
  var current = "slider";

  // --- Complex numbers, as {re, im} ---
  function complex(re, im) { return { re: re, im: im }; }
  function add(z, w) { return complex(z.re + w.re, z.im + w.im); }
  function sub(z, w) { return complex(z.re - w.re, z.im - w.im); }
  function mul(z, w) { return complex(z.re * w.re - z.im * w.im, z.re * w.im + z.im * w.re); }
  function div(z, w) {
    var d = w.re * w.re + w.im * w.im;
    return complex((z.re * w.re + z.im * w.im) / d, (z.im * w.re - z.re * w.im) / d);
  }
  function scaled(z, k) { return complex(z.re * k, z.im * k); }

  // --- The common frame ---
  function sizeOf(image) {
    var width = image.naturalWidth || Number(image.getAttribute("width")) || 0;
    var height = image.naturalHeight || Number(image.getAttribute("height")) || 0;
    return width && height ? { width: width, height: height, longer: Math.max(width, height) } : null;
  }

  var frame = null;

  function offsetOf(size) {
    return complex((frame.width - size.width / size.longer) / 2, (frame.height - size.height / size.longer) / 2);
  }

  function inFrame(size, point) {
    return add(offsetOf(size), complex(point[0] / size.longer, point[1] / size.longer));
  }

  // Sizes the frame and places each photo in it; needs only the photos' sizes, known from the page before
  // the pictures arrive (and from the pictures for a photo whose size was not stored).
  function layOut() {
    var sizes = { first: sizeOf(images.first), second: sizeOf(images.second) };
    if (!sizes.first || !sizes.second) { return; }
    frame = {
      width: Math.max(sizes.first.width / sizes.first.longer, sizes.second.width / sizes.second.longer),
      height: Math.max(sizes.first.height / sizes.first.longer, sizes.second.height / sizes.second.longer),
      sizes: sizes
    };
    root.style.setProperty("--frame-ratio", String(frame.width / frame.height));
    ["first", "second"].forEach(function (which) {
      var size = sizes[which];
      var offset = offsetOf(size);
      var style = canvases[which].style;
      style.left = (offset.re / frame.width) * 100 + "%";
      style.top = (offset.im / frame.height) * 100 + "%";
      style.width = (size.width / size.longer / frame.width) * 100 + "%";
      style.height = (size.height / size.longer / frame.height) * 100 + "%";
    });
    root.classList.add("is-framed");
    applyAlignment();
  }

  // --- Landmarks and the similarity ---
  var landmarks = { first: [], second: [] };
  var similarity = null;

  function computeSimilarity() {
    if (landmarks.first.length !== 2 || landmarks.second.length !== 2 || !frame) { return null; }
    var first1 = inFrame(frame.sizes.first, landmarks.first[0]);
    var first2 = inFrame(frame.sizes.first, landmarks.first[1]);
    var second1 = inFrame(frame.sizes.second, landmarks.second[0]);
    var second2 = inFrame(frame.sizes.second, landmarks.second[1]);
    var a = div(sub(first2, first1), sub(second2, second1));
    return { a: a, b: sub(first1, mul(a, second1)) };
  }

  // The second photo's canvas moved by the similarity: its top left corner is the transform's origin, so
  // the shift is a * offset + b - offset, in the frame's pixels.
  function applyAlignment() {
    var style = canvases.second.style;
    if (!similarity || current === "place" || !frame) { style.transform = ""; return; }
    var pixels = frames.second.clientWidth / frame.width;
    if (!pixels) { return; }
    var offset = offsetOf(frame.sizes.second);
    var shift = scaled(sub(add(mul(similarity.a, offset), similarity.b), offset), pixels);
    style.transform = "matrix(" + [similarity.a.re, similarity.a.im, -similarity.a.im, similarity.a.re,
      shift.re, shift.im].join(", ") + ")";
  }

  function rounded(point) { return [Math.round(point[0] * 10) / 10, Math.round(point[1] * 10) / 10]; }

  function saveAlignment() {
    if (!alignmentInput) { return; }
    alignmentInput.value = similarity
      ? JSON.stringify({ left: landmarks.first.map(rounded), right: landmarks.second.map(rounded) })
      : "";
  }

  // --- Placing the landmarks: the first photo's two, then the second's, one photo shown at a time ---
  var placing = null;
  var cursor = { first: [0.5, 0.5], second: [0.5, 0.5] };

  function step() { return landmarks.first.length + landmarks.second.length; }

  function drawMarks() {
    ["first", "second"].forEach(function (which) {
      var canvas = canvases[which];
      canvas.querySelectorAll("[data-compare-mark]").forEach(function (mark) { mark.remove(); });
      var size = frame && frame.sizes[which];
      if (!size) { return; }
      landmarks[which].forEach(function (point, index) {
        var mark = document.createElement("span");
        mark.className = "compare__mark";
        mark.dataset.compareMark = String(index + 1);
        mark.textContent = String(index + 1);
        mark.setAttribute("aria-hidden", "true");
        mark.style.left = (point[0] / size.width) * 100 + "%";
        mark.style.top = (point[1] / size.height) * 100 + "%";
        if (which === "second" && similarity && current !== "place") {
          // The moved photo carries its marks: they keep their size and stand upright all the same.
          var turn = Math.atan2(similarity.a.im, similarity.a.re);
          mark.style.transform = "rotate(" + -turn + "rad) scale(" + 1 / Math.hypot(similarity.a.re, similarity.a.im) + ")";
        }
        canvas.appendChild(mark);
      });
      if (placing === which) {
        var cross = document.createElement("span");
        cross.className = "compare__cursor";
        cross.dataset.compareMark = "cursor";
        cross.setAttribute("aria-hidden", "true");
        cross.style.left = cursor[which][0] * 100 + "%";
        cross.style.top = cursor[which][1] * 100 + "%";
        canvas.appendChild(cross);
      }
    });
  }

  function showStep(message) {
    var shown = message || (placing ? String(step()) : similarity ? "done" : "");
    steps.forEach(function (each) { each.hidden = each.dataset.compareStep !== shown; });
    placeButton.setAttribute("aria-pressed", placing ? "true" : "false");
    resetButton.disabled = !placing && !similarity;
    root.dataset.placing = placing || "";
    root.dataset.aligned = similarity ? "true" : "false";
  }

  function startPlacing() {
    if (!frame) { return; }
    landmarks = { first: [], second: [] };
    similarity = null;
    cursor = { first: [0.5, 0.5], second: [0.5, 0.5] };
    placing = "first";
    setMode("place");
    stage.focus({ preventScroll: true });
    stage.scrollIntoView({ block: "nearest" });
  }

  // As photos.py refuses them: two points of a photo closer than this share of its longer side.
  var MIN_DISTANCE = 0.02;

  function place(point) {
    var size = frame.sizes[placing];
    var placed = landmarks[placing];
    if (placed.length === 1 &&
        Math.hypot(point[0] - placed[0][0], point[1] - placed[0][1]) < MIN_DISTANCE * size.longer) {
      showStep("close");
      return;
    }
    placed.push(point);
    if (landmarks[placing].length === 2) {
      if (placing === "first") {
        placing = "second";
      } else {
        placing = null;
        similarity = computeSimilarity();
        saveAlignment();
        setMode(previous);
        return;
      }
    }
    drawMarks();
    showStep();
  }

  function placeAt(clientX, clientY) {
    var box = images[placing].getBoundingClientRect();
    var x = (clientX - box.left) / box.width;
    var y = (clientY - box.top) / box.height;
    if (x < 0 || x > 1 || y < 0 || y > 1) { return; }
    var size = frame.sizes[placing];
    cursor[placing] = [x, y];
    place([x * size.width, y * size.height]);
  }

  function reset() {
    placing = null;
    landmarks = { first: [], second: [] };
    similarity = null;
    saveAlignment();
    setMode(current === "place" ? previous : current);
  }

  // --- Modes ---
  var previous = "slider";

  // Slider: the first photo is clipped at the bar; the second shows on its right.
  function setPosition(percent) {
    position = Math.max(0, Math.min(100, percent));
    var whole = Math.round(position);
    firstFigure.style.clipPath = "inset(0 " + (100 - position) + "% 0 0)";
    handle.style.left = position + "%";
    handle.setAttribute("aria-valuenow", String(whole));
    handle.setAttribute("aria-valuetext", whole + " %");
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

  function markOrientation() {
    if (!frame) { return; }
    var sizes = frame.sizes;
    root.classList.toggle("is-both-landscape",
      sizes.first.width > sizes.first.height && sizes.second.width > sizes.second.height);
  }

  function setMode(name) {
    if (name !== "place") {
      // Leaving before the fourth point drops the points placed so far.
      if (placing) { landmarks = { first: [], second: [] }; }
      placing = null;
      previous = name;
    }
    current = name;
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
    applyAlignment();
    drawMarks();
    showStep();
  }

  buttons.forEach(function (button) {
    button.addEventListener("click", function () { setMode(button.dataset.compareMode); });
  });
  placeButton.addEventListener("click", function () {
    if (placing) { reset(); } else { startPlacing(); }
  });
  resetButton.addEventListener("click", reset);

  var dragging = false;
  stage.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) { return; }
    if (current === "place") {
      placeAt(event.clientX, event.clientY);
      event.preventDefault();
    } else if (current === "slider") {
      dragging = true;
      stage.setPointerCapture(event.pointerId);
      positionAt(event.clientX);
      event.preventDefault();
    } else if (current === "layers") {
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
    if (current === "layers") { hold(false); }
  }
  stage.addEventListener("pointerup", release);
  stage.addEventListener("pointercancel", release);
  stage.addEventListener("lostpointercapture", release);
  // A long press on a phone would open the picture's menu instead of showing the other photo.
  stage.addEventListener("contextmenu", function (event) {
    if (current !== "side") { event.preventDefault(); }
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

  // While placing, the arrow keys move a cross over the photo (Shift: finer) and Enter places the point.
  function placeWithKeys(event) {
    var fine = event.shiftKey ? 0.002 : 0.01;
    var moves = { ArrowLeft: [-fine, 0], ArrowRight: [fine, 0], ArrowUp: [0, -fine], ArrowDown: [0, fine] };
    var point = cursor[placing];
    if (event.key in moves) {
      cursor[placing] = [
        Math.max(0, Math.min(1, point[0] + moves[event.key][0])),
        Math.max(0, Math.min(1, point[1] + moves[event.key][1]))
      ];
      drawMarks();
    } else if (event.key === "Enter" || event.key === " ") {
      var size = frame.sizes[placing];
      place([point[0] * size.width, point[1] * size.height]);
    } else if (event.key === "Escape") {
      reset();
    } else {
      return;
    }
    event.preventDefault();
  }

  stage.addEventListener("keydown", function (event) {
    if (current === "place") {
      placeWithKeys(event);
    } else if (current === "layers" && (event.key === " " || event.key === "Spacebar")) {
      event.preventDefault();
      hold(true);
    }
  });
  stage.addEventListener("keyup", function (event) {
    if (current === "layers" && (event.key === " " || event.key === "Spacebar")) {
      event.preventDefault();
      hold(false);
    }
  });
  stage.addEventListener("blur", function () { hold(false); });

  opacity.addEventListener("input", applyOpacity);

  // A photo whose size the page did not give is laid out again once it has arrived.
  ["first", "second"].forEach(function (which) {
    var image = images[which];
    if (!image.complete) {
      image.addEventListener("load", function () { layOut(); markOrientation(); drawMarks(); });
    }
  });
  if (window.ResizeObserver) {
    new ResizeObserver(applyAlignment).observe(frames.second);
  }
  window.addEventListener("resize", applyAlignment);

  layOut();
  markOrientation();
  setMode("slider");
  root.dataset.ready = "true";
})();
