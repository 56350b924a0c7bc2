// Checks a photo of a document on the phone, before it is sent: too dark, blurred, or no page in it. The same
// three measures as the server's (documents/photo_quality.py), with its thresholds, on the same downscaled
// picture. A problem is told in plain words beside the form, with "Take another photo" and "Send it anyway": the
// person may know better, so nothing is ever blocked. PDFs and pictures the browser cannot open are not checked.
(function () {
  "use strict";

  function boxOf(form) { return form && form.querySelector("[data-photo-check]"); }

  function checked(box) {
    var kind = box.dataset.kind;
    if (!kind) {
      var select = box.closest("form").querySelector(box.dataset.kindInput || "select[name=kind]");
      kind = select ? select.value : "";
    }
    return box.dataset.kinds.split(" ").indexOf(kind) !== -1;
  }

  // The picture as gray levels and RGB, its long side `size` pixels at most.
  function measured(bitmap, size) {
    var scale = Math.min(1, size / Math.max(bitmap.width, bitmap.height));
    var width = Math.max(1, Math.round(bitmap.width * scale));
    var height = Math.max(1, Math.round(bitmap.height * scale));
    var canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, width, height);
    var rgba = context.getImageData(0, 0, width, height).data;
    var gray = new Float32Array(width * height);
    for (var i = 0, p = 0; i < gray.length; i += 1, p += 4) {
      gray[i] = 0.299 * rgba[p] + 0.587 * rgba[p + 1] + 0.114 * rgba[p + 2];
    }
    return { width: width, height: height, rgba: rgba, gray: gray };
  }

  // The value below which `share` of the values lie, from a histogram of `bins` bins over [0, top].
  function percentile(values, share, top, bins) {
    var counts = new Uint32Array(bins);
    var index;
    for (var i = 0; i < values.length; i += 1) {
      index = Math.min(bins - 1, Math.max(0, Math.floor((values[i] / top) * (bins - 1) + 0.5)));
      counts[index] += 1;
    }
    var wanted = share * values.length;
    for (var bin = 0, seen = 0; bin < bins; bin += 1) {
      seen += counts[bin];
      if (seen >= wanted) { return (bin / (bins - 1)) * top; }
    }
    return top;
  }

  // The 3×3 Gaussian smoothing (1 2 1), edges repeated.
  function smoothed(picture) {
    var w = picture.width, h = picture.height, source = picture.gray;
    var across = new Float32Array(w * h), out = new Float32Array(w * h);
    for (var y = 0; y < h; y += 1) {
      for (var x = 0; x < w; x += 1) {
        var left = source[y * w + Math.max(0, x - 1)], right = source[y * w + Math.min(w - 1, x + 1)];
        across[y * w + x] = (left + 2 * source[y * w + x] + right) / 4;
      }
    }
    for (y = 0; y < h; y += 1) {
      var up = Math.max(0, y - 1) * w, down = Math.min(h - 1, y + 1) * w;
      for (x = 0; x < w; x += 1) { out[y * w + x] = (across[up + x] + 2 * across[y * w + x] + across[down + x]) / 4; }
    }
    return out;
  }

  function sharpness(picture, smooth) {
    var w = picture.width, h = picture.height;
    var edges = new Float32Array(w * h);
    for (var y = 1; y < h - 1; y += 1) {
      for (var x = 1; x < w - 1; x += 1) {
        var i = y * w + x;
        edges[i] = Math.abs(smooth[i - 1] + smooth[i + 1] + smooth[i - w] + smooth[i + w] - 4 * smooth[i]);
      }
    }
    var contrast = Math.max(percentile(smooth, 0.95, 255, 1024) - percentile(smooth, 0.05, 255, 1024), 1);
    return percentile(edges, 0.995, 1020, 4096) / contrast;
  }

  function otsu(values) {
    var counts = new Float64Array(256), total = values.length, sum = 0;
    for (var i = 0; i < total; i += 1) { counts[Math.min(255, Math.round(values[i]))] += 1; }
    for (i = 0; i < 256; i += 1) { sum += i * counts[i]; }
    var best = 0, threshold = 0, below = 0, sumBelow = 0;
    for (i = 0; i < 256; i += 1) {
      below += counts[i];
      if (!below || below === total) { continue; }
      sumBelow += i * counts[i];
      var meanBelow = sumBelow / below, meanAbove = (sum - sumBelow) / (total - below);
      var between = below * (total - below) * (meanBelow - meanAbove) * (meanBelow - meanAbove);
      if (between > best) { best = between; threshold = i; }
    }
    return threshold;
  }

  // A 5×5 square's maximum (dilate) or minimum (erode) of a 0/1 mask, in two passes; outside counts as `edge`.
  function morph(mask, w, h, dilate) {
    var pass = new Uint8Array(mask.length), out = new Uint8Array(mask.length);
    var pick = dilate ? Math.max : Math.min, edge = dilate ? 0 : 1;
    for (var y = 0; y < h; y += 1) {
      for (var x = 0; x < w; x += 1) {
        var value = dilate ? 0 : 1;
        for (var dx = -2; dx <= 2; dx += 1) {
          var xx = x + dx;
          value = pick(value, xx < 0 || xx >= w ? edge : mask[y * w + xx]);
        }
        pass[y * w + x] = value;
      }
    }
    for (y = 0; y < h; y += 1) {
      for (x = 0; x < w; x += 1) {
        value = dilate ? 0 : 1;
        for (var dy = -2; dy <= 2; dy += 1) {
          var yy = y + dy;
          value = pick(value, yy < 0 || yy >= h ? edge : pass[yy * w + x]);
        }
        out[y * w + x] = value;
      }
    }
    return out;
  }

  // The page: the largest bright region (closed over its letters), with some ink in it, nearly gray.
  function pageFound(picture, smooth, settings) {
    var w = picture.width, h = picture.height, size = w * h;
    var threshold = otsu(smooth), bright = new Uint8Array(size);
    for (var i = 0; i < size; i += 1) { bright[i] = Math.round(smooth[i]) > threshold ? 1 : 0; }
    var closed = morph(morph(bright, w, h, true), w, h, false);
    var labels = new Int32Array(size), stack = new Int32Array(size), largest = 0, largestArea = 0, label = 0;
    for (i = 0; i < size; i += 1) {
      if (!closed[i] || labels[i]) { continue; }
      label += 1;
      var top = 0, area = 0;
      stack[top++] = i;
      labels[i] = label;
      while (top) {
        var at = stack[--top], x = at % w;
        area += 1;
        if (x > 0 && closed[at - 1] && !labels[at - 1]) { labels[at - 1] = label; stack[top++] = at - 1; }
        if (x < w - 1 && closed[at + 1] && !labels[at + 1]) { labels[at + 1] = label; stack[top++] = at + 1; }
        if (at >= w && closed[at - w] && !labels[at - w]) { labels[at - w] = label; stack[top++] = at - w; }
        if (at < size - w && closed[at + w] && !labels[at + w]) { labels[at + w] = label; stack[top++] = at + w; }
      }
      if (area > largestArea) { largestArea = area; largest = label; }
    }
    if (!largest || largestArea < settings.page_at_least * size) { return false; }
    var colours = [], rgba = picture.rgba;
    for (i = 0; i < size; i += 1) {
      if (labels[i] !== largest || !bright[i]) { continue; }
      var r = rgba[4 * i], g = rgba[4 * i + 1], b = rgba[4 * i + 2], most = Math.max(r, g, b);
      colours.push((most - Math.min(r, g, b)) / Math.max(most, 1));
    }
    var ink = 1 - colours.length / largestArea;
    if (ink < settings.ink_share[0] || ink > settings.ink_share[1]) { return false; }
    return percentile(colours, 0.5, 1, 1024) <= settings.paper_colour;
  }

  // The photo's problem ("dark", "blurred", "no_page"), or "" for none: one thing to fix at a time.
  function assess(bitmap, settings) {
    var picture = measured(bitmap, settings.size);
    if (percentile(picture.gray, 0.9, 255, 1024) < settings.dark_below) { return "dark"; }
    var smooth = smoothed(picture);
    if (sharpness(picture, smooth) < settings.blurred_below) { return "blurred"; }
    if (!pageFound(picture, smooth, settings)) { return "no_page"; }
    return "";
  }

  function problemOf(file, settings) {
    if (!/^image\//.test(file.type) || typeof createImageBitmap !== "function") { return Promise.resolve(""); }
    return createImageBitmap(file).then(function (bitmap) {
      var problem = assess(bitmap, settings);
      if (bitmap.close) { bitmap.close(); }
      return problem;
    }, function () { return ""; });  // HEIC and damaged files: the server tells
  }

  function hide(box) {
    box.querySelector("[data-photo-check-box]").hidden = true;
    box.dataset.state = "";
  }

  function show(box, input, found) {
    var message = box.querySelector("[data-photo-check-message]");
    message.textContent = "";
    found.forEach(function (item) {
      var line = document.createElement("span");
      line.className = "photo-check__problem";
      if (found.length > 1) {
        var name = document.createElement("strong");
        name.textContent = item.name + " — ";
        line.appendChild(name);
      }
      // "no_page" is told by data-text-no-page.
      var key = "text" + item.problem.replace(/(^|_)(\w)/g, function (all, under, letter) { return letter.toUpperCase(); });
      line.appendChild(document.createTextNode(box.dataset[key]));
      message.appendChild(line);
    });
    box.photoInput = input;
    box.querySelector("[data-photo-check-box]").hidden = false;
    box.dataset.state = "problem";
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file]")) { return; }
    var box = boxOf(input.form);
    if (!box) { return; }
    var files = Array.prototype.slice.call(input.files || []);
    if (box.photoInput === input || !files.length) { hide(box); }
    if (!files.length || !checked(box)) { return; }
    var settings = JSON.parse(box.dataset.settings);
    box.dataset.state = "checking";
    Promise.all(files.map(function (file) { return problemOf(file, settings); })).then(function (problems) {
      if (input.files.length !== files.length || input.files[0] !== files[0]) { return; }  // chosen again since
      var found = [];
      problems.forEach(function (problem, index) { if (problem) { found.push({ name: files[index].name, problem: problem }); } });
      if (found.length) { show(box, input, found); } else { hide(box); box.dataset.state = "good"; }
    });
  });

  document.addEventListener("click", function (event) {
    var retake = event.target.closest("[data-photo-check-retake]");
    var keep = event.target.closest("[data-photo-check-keep]");
    if (!retake && !keep) { return; }
    var box = event.target.closest("[data-photo-check]");
    var input = box.photoInput;
    hide(box);
    if (keep) {
      var send = box.closest("form").querySelector("button[type=submit]");
      if (send) { send.focus(); }
      return;
    }
    input.value = "";
    // The form's list of chosen files follows (static/js/relyfe.js listens to the change).
    input.dispatchEvent(new Event("change", { bubbles: true }));
    input.click();
  });
})();
