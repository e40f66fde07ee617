// dvh report page: draws the errors-per-column chart and filters the error table.
// Data comes from a JSON script element; every value is set with textContent (never HTML).
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function drawChart(box, columns) {
    if (!columns.length) {
      box.textContent = "No errors: nothing to chart.";
      return;
    }
    var rowH = 24, labelW = 200, numW = 70, width = 900;
    var max = Math.max.apply(null, columns.map(function (c) { return c.errors; }));
    var svg = el("svg", { viewBox: "0 0 " + width + " " + (columns.length * rowH + 8),
                          role: "img", "aria-label": "errors per column" });
    columns.forEach(function (c, i) {
      var y = 4 + i * rowH;
      var w = Math.max(2, Math.round((width - labelW - numW) * c.errors / max));
      var label = el("text", { x: labelW - 8, y: y + 16, "text-anchor": "end" },
                     c.name.length > 28 ? c.name.slice(0, 27) + "…" : c.name);
      var bar = el("rect", { "class": "bar", x: labelW, y: y + 3, width: w, height: rowH - 8,
                             "data-column": c.name });
      bar.appendChild(el("title", {}, c.name + ": " + c.errors + " errors"));
      var num = el("text", { x: labelW + w + 6, y: y + 16 }, c.errors.toLocaleString());
      svg.appendChild(label); svg.appendChild(bar); svg.appendChild(num);
    });
    box.appendChild(svg);
  }

  function wireFilters(table) {
    var text = document.getElementById("f-text");
    var column = document.getElementById("f-column");
    var kind = document.getElementById("f-type");
    var count = document.getElementById("f-count");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    function apply() {
      var q = text.value.toLowerCase(), c = column.value, t = kind.value, shown = 0;
      rows.forEach(function (r) {
        var ok = (!c || r.dataset.column === c) && (!t || r.dataset.type === t) &&
                 (!q || r.textContent.toLowerCase().indexOf(q) !== -1);
        r.hidden = !ok;
        if (ok) { shown += 1; }
      });
      count.textContent = shown + " of " + rows.length + " shown";
    }
    [text, column, kind].forEach(function (n) { n.addEventListener("input", apply); });
    apply();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var data = document.getElementById("report-data");
    var box = document.getElementById("chart");
    if (data && box) { drawChart(box, JSON.parse(data.textContent).columns); }
    var table = document.getElementById("errors");
    if (table) { wireFilters(table); }
  });
})();
