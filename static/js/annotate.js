/* Drawing over a photo: arrows, circles, rulers, text and a reference of known length, kept as a layer in
   the photo's own pixels (the photo is never changed). Mouse, touch and keyboard; undo; the form sends the
   shapes as JSON. The server checks them again (health_records/annotations.py) and draws the same layer. */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var COLOR = "#ffd400";
  var OUTLINE = "#000000";
  var POINTS = { arrow: 2, circle: 2, ruler: 2, reference: 2, text: 1 };

  function setUp(form) {
    var width = Number(form.dataset.width);
    var height = Number(form.dataset.height);
    var maxShapes = Number(form.dataset.maxShapes);
    var stage = form.querySelector("[data-annotate-stage]");
    var svg = form.querySelector("[data-annotate-svg]");
    var labelInput = form.querySelector("[data-annotate-label]");
    var referenceInput = form.querySelector("[data-annotate-reference]");
    var status = form.querySelector("[data-annotate-status]");
    var scaleNote = form.querySelector("[data-annotate-scale]");
    var list = form.querySelector("[data-annotate-list]");
    var hidden = form.querySelector("[data-annotate-shapes]");
    var toolButtons = form.querySelectorAll("[data-tool]");
    var stroke = Math.round(Math.max(2, Math.max(width, height) / 250) * 10) / 10;
    var fontSize = Math.round(Math.max(12, Math.max(width, height) / 22) * 10) / 10;
    var lang = document.documentElement.lang || undefined;

    var shapes = readShapes();
    var history = [];
    var tool = "arrow";
    var start = null; // the first point of the shape being drawn
    var preview = null; // where the pointer (or the keyboard's cross) is now
    var cursor = null; // the keyboard's cross, shown once the keyboard is used
    var pointerId = null;

    function readShapes() {
      var source = document.getElementById("annotate-shapes");
      try {
        var parsed = JSON.parse(source ? source.textContent : "[]");
        return Array.isArray(parsed) ? parsed.filter(isShape) : [];
      } catch (error) {
        return [];
      }
    }

    function isShape(shape) {
      return shape && POINTS[shape.kind] && Array.isArray(shape.points) && shape.points.length === POINTS[shape.kind];
    }

    function text(name, length) {
      var template = form.dataset["text" + name] || "";
      return template.replace("%(length)s", length === undefined ? "" : length);
    }

    function formatted(number, decimals) {
      return number.toLocaleString(lang, { maximumFractionDigits: decimals });
    }

    function distance(points) {
      return Math.hypot(points[1][0] - points[0][0], points[1][1] - points[0][1]);
    }

    function mmPerPixel() {
      var reference = shapes.find(function (shape) { return shape.kind === "reference"; });
      return reference ? reference.length_mm / distance(reference.points) : null;
    }

    function measure(shape) {
      if (shape.kind === "reference") return text("Reference", formatted(shape.length_mm, 2));
      var pixels = distance(shape.points);
      var scale = mmPerPixel();
      if (scale) {
        var millimetres = pixels * scale;
        return text("Mm", formatted(millimetres, millimetres < 10 ? 1 : 0));
      }
      return text("Px", formatted(Math.round(pixels), 0));
    }

    function shownLabel(shape) {
      if (shape.kind === "ruler" || shape.kind === "reference") {
        return shape.label ? shape.label + " " + measure(shape) : measure(shape);
      }
      return shape.label || "";
    }

    // Drawing, with the geometry the server uses for its own layer.

    function element(name, attributes, parent) {
      var node = document.createElementNS(SVG, name);
      Object.keys(attributes).forEach(function (key) { node.setAttribute(key, attributes[key]); });
      (parent || svg).appendChild(node);
      return node;
    }

    function line(points, parent, extra) {
      var attributes = { x1: points[0][0], y1: points[0][1], x2: points[1][0], y2: points[1][1] };
      Object.keys(extra || {}).forEach(function (key) { attributes[key] = extra[key]; });
      return element("line", attributes, parent);
    }

    function label(words, x, y, parent, anchor) {
      var node = element("text", {
        x: x, y: y, fill: COLOR, stroke: OUTLINE, "stroke-width": stroke, "paint-order": "stroke",
        "text-anchor": anchor || "start",
      }, parent);
      node.textContent = words;
    }

    function drawShape(shape, group) {
      var points = shape.points;
      if (shape.kind === "circle") {
        element("circle", { cx: points[0][0], cy: points[0][1], r: distance(points) }, group);
        if (shape.label) label(shape.label, points[0][0], points[0][1] - distance(points), group);
        return;
      }
      if (shape.kind === "text") {
        label(shape.label, points[0][0], points[0][1], group);
        return;
      }
      var dashed = shape.kind === "reference" ? { "stroke-dasharray": stroke + " " + stroke } : {};
      line(points, group, dashed);
      var dx = points[1][0] - points[0][0];
      var dy = points[1][1] - points[0][1];
      var length = Math.hypot(dx, dy) || 1;
      if (shape.kind === "arrow") {
        var size = Math.min(stroke * 5, length / 2);
        var ux = dx / length, uy = dy / length;
        var bx = points[1][0] - ux * size, by = points[1][1] - uy * size;
        var nx = -uy * size / 2, ny = ux * size / 2;
        element("polygon", {
          fill: COLOR, stroke: "none",
          points: [points[1], [bx + nx, by + ny], [bx - nx, by - ny]].map(function (p) { return p.join(","); }).join(" "),
        }, group);
        if (shape.label) label(shape.label, points[0][0], points[0][1], group);
        return;
      }
      var half = stroke * 3;
      var ax = -dy / length * half, ay = dx / length * half;
      points.forEach(function (point) {
        line([[point[0] + ax, point[1] + ay], [point[0] - ax, point[1] - ay]], group);
      });
      label(shownLabel(shape), (points[0][0] + points[1][0]) / 2, (points[0][1] + points[1][1]) / 2 - stroke * 4, group, "middle");
    }

    function render() {
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      var root = element("g", {
        fill: "none", stroke: COLOR, "stroke-width": stroke, "stroke-linecap": "round",
        "font-size": fontSize, "font-family": "sans-serif",
      });
      shapes.forEach(function (shape) {
        drawShape(shape, element("g", { "data-kind": shape.kind }, root));
      });
      if (start && preview) {
        var sketch = element("g", { opacity: "0.7" }, root);
        drawShape(shapeFrom(start, preview, true), sketch);
      }
      if (cursor && document.activeElement === stage) {
        var arm = stroke * 6;
        var cross = element("g", { stroke: "#00e5ff", "data-cursor": "" }, root);
        line([[cursor[0] - arm, cursor[1]], [cursor[0] + arm, cursor[1]]], cross);
        line([[cursor[0], cursor[1] - arm], [cursor[0], cursor[1] + arm]], cross);
      }
      renderList();
      hidden.value = JSON.stringify(shapes);
      scaleNote.textContent = mmPerPixel() ? text("Scale") : (shapes.some(function (shape) { return shape.kind === "ruler"; }) ? text("NoScale") : "");
    }

    function kindName(kind) {
      return text(kind === "reference" ? "ReferenceKind" : kind.charAt(0).toUpperCase() + kind.slice(1));
    }

    function describe(shape) {
      var words = shownLabel(shape);
      return kindName(shape.kind) + (words ? " — " + words : "");
    }

    function renderList() {
      list.textContent = "";
      if (!shapes.length) {
        var empty = document.createElement("li");
        empty.className = "muted";
        empty.textContent = text("Nothing");
        list.appendChild(empty);
        return;
      }
      shapes.forEach(function (shape, index) {
        var item = document.createElement("li");
        var words = document.createElement("span");
        words.textContent = describe(shape);
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "button button--small";
        remove.textContent = text("Remove");
        remove.setAttribute("aria-label", text("Remove") + " " + describe(shape));
        remove.addEventListener("click", function () {
          remember();
          var removed = shapes.splice(index, 1)[0];
          say(text("Removed") + " " + describe(removed));
          render();
        });
        item.appendChild(words);
        item.appendChild(remove);
        list.appendChild(item);
      });
    }

    // Changes.

    function say(words) { status.textContent = words; }

    function remember() { history.push(JSON.stringify(shapes)); }

    function rounded(point) {
      return [Math.round(point[0] * 10) / 10, Math.round(point[1] * 10) / 10];
    }

    function shapeFrom(first, second, sketch) {
      var shape = { kind: tool, points: POINTS[tool] === 1 ? [rounded(first)] : [rounded(first), rounded(second)] };
      var words = labelInput.value.replace(/\s+/g, " ").trim();
      shape.label = words;
      if (tool === "reference") {
        shape.length_mm = Number(referenceInput.value) || 0;
        if (sketch && !shape.length_mm) shape.length_mm = 10;
      }
      return shape;
    }

    function add(first, second) {
      var shape = shapeFrom(first, second, false);
      if (shape.kind === "text" && !shape.label) {
        say(text("NeedWords"));
        labelInput.focus();
        return;
      }
      if (POINTS[shape.kind] === 2 && distance(shape.points) < 1) return; // a click, not a stroke
      var others = shapes.filter(function (each) { return !(shape.kind === "reference" && each.kind === "reference"); });
      if (others.length >= maxShapes) {
        say(text("TooMany"));
        return;
      }
      remember();
      shapes = others;
      shapes.push(shape);
      say(text("Added") + " " + describe(shape));
      if (shape.kind === "text") labelInput.value = "";
    }

    function undo() {
      if (!history.length) return;
      shapes = JSON.parse(history.pop());
      start = null;
      preview = null;
      render();
    }

    function choose(name) {
      tool = name;
      start = null;
      toolButtons.forEach(function (button) {
        button.setAttribute("aria-pressed", String(button.dataset.tool === name));
      });
      render();
    }

    // Pointer: mouse, pen and touch alike.

    function photoPoint(event) {
      var matrix = svg.getScreenCTM();
      if (!matrix) return null;
      var point = svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      var inPhoto = point.matrixTransform(matrix.inverse());
      return [Math.min(width, Math.max(0, inPhoto.x)), Math.min(height, Math.max(0, inPhoto.y))];
    }

    stage.addEventListener("pointerdown", function (event) {
      if (event.button !== undefined && event.button !== 0) return;
      var point = photoPoint(event);
      if (!point) return;
      event.preventDefault();
      cursor = null;
      if (tool === "text") {
        add(point, point);
        render();
        return;
      }
      pointerId = event.pointerId;
      stage.setPointerCapture(event.pointerId);
      start = point;
      preview = point;
      render();
    });
    stage.addEventListener("pointermove", function (event) {
      if (event.pointerId !== pointerId || !start) return;
      preview = photoPoint(event) || preview;
      render();
    });
    function finish(event) {
      if (event.pointerId !== pointerId || !start) return;
      var end = photoPoint(event) || preview;
      var first = start;
      start = null;
      preview = null;
      pointerId = null;
      add(first, end);
      render();
    }
    stage.addEventListener("pointerup", finish);
    stage.addEventListener("pointercancel", function () {
      start = null;
      preview = null;
      pointerId = null;
      render();
    });

    // Keyboard: a cross moved with the arrow keys, Enter at each point.

    var MOVES = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    stage.addEventListener("keydown", function (event) {
      var move = MOVES[event.key];
      if (move) {
        event.preventDefault();
        var step = Math.max(width, height) / (event.shiftKey ? 10 : 100);
        cursor = cursor || [width / 2, height / 2];
        cursor = [
          Math.min(width, Math.max(0, cursor[0] + move[0] * step)),
          Math.min(height, Math.max(0, cursor[1] + move[1] * step)),
        ];
        if (start) preview = cursor;
        render();
      } else if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        cursor = cursor || [width / 2, height / 2];
        if (tool === "text") {
          add(cursor, cursor);
        } else if (!start) {
          start = cursor;
          preview = cursor;
          say(text("NextPoint"));
        } else {
          var first = start;
          start = null;
          preview = null;
          add(first, cursor);
        }
        render();
      } else if (event.key === "Escape" && start) {
        start = null;
        preview = null;
        say(text("FirstPoint"));
        render();
      } else if ((event.key === "z" || event.key === "Z") && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        undo();
      }
    });

    // The cross shows while the photo has the keyboard's focus, and stays where it was for the next time.
    stage.addEventListener("blur", render);
    stage.addEventListener("focus", render);
    toolButtons.forEach(function (button) {
      button.addEventListener("click", function () { choose(button.dataset.tool); });
    });
    form.querySelector("[data-annotate-undo]").addEventListener("click", undo);
    referenceInput.addEventListener("change", function () {
      var reference = shapes.find(function (shape) { return shape.kind === "reference"; });
      var length = Number(referenceInput.value);
      if (reference && length > 0) {
        remember();
        reference.length_mm = length;
        render();
      }
    });
    form.addEventListener("submit", function () { hidden.value = JSON.stringify(shapes); });

    var existing = shapes.find(function (shape) { return shape.kind === "reference"; });
    if (existing) referenceInput.value = existing.length_mm;
    form.classList.add("is-ready");
    render();
  }

  document.querySelectorAll("[data-annotate]").forEach(setUp);
})();
