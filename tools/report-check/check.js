// Injected by check.sh into a copy of report.html (never into the report itself): on load,
// checks every svg.chart and writes a JSON verdict into a pre element, id "verdict".
(function () {
  var errors = [];
  window.addEventListener("error", function (event) {
    var target = event.target;
    if (target && target !== window && (target.src || target.href)) {
      errors.push("resource failed to load: " + (target.src || target.href));
    } else {
      errors.push("error: " + event.message);
    }
  }, true);
  var original = console.error;
  console.error = function () {
    errors.push("console.error: " + Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
  function outside(box, view) {
    var slack = 0.5;
    return box.x < view.x - slack || box.y < view.y - slack ||
      box.x + box.width > view.x + view.width + slack ||
      box.y + box.height > view.y + view.height + slack;
  }
  function check() {
    var problems = [];
    var charts = Array.prototype.slice.call(document.querySelectorAll("svg.chart"));
    charts.forEach(function (svg, index) {
      var name = svg.getAttribute("aria-label") || "chart " + (index + 1);
      var box = svg.getBBox();
      var shown = svg.getBoundingClientRect();
      if (!(box.width > 0 && box.height > 0 && shown.width > 0 && shown.height > 0)) {
        problems.push(name + ": nothing drawn (empty geometry)");
        return;
      }
      if (!svg.querySelector("title")) problems.push(name + ": no <title>");
      var x = svg.querySelector(".axis.x"), y = svg.querySelector(".axis.y");
      if (!x || !y) {
        problems.push(name + ": missing " + (!x ? "the x axis" : "the y axis"));
      } else {
        if (!x.querySelector(".axis-line") || !y.querySelector(".axis-line")) {
          problems.push(name + ": an axis has no line");
        }
        var ticks = y.querySelectorAll("text:not(.unit)").length;
        if (ticks < 3 || ticks > 5) problems.push(name + ": " + ticks + " y ticks, not 3 to 5");
        var unit = y.querySelector(".unit");
        if (!unit || !unit.textContent.trim()) problems.push(name + ": the y axis has no unit");
        if (x.querySelectorAll("text").length === 0) problems.push(name + ": no x labels");
        if (y.querySelectorAll(".grid").length === 0) problems.push(name + ": no gridlines");
      }
      var marks = svg.querySelectorAll(".series, .point");
      if (svg.getAttribute("data-empty") !== "true") {
        if (marks.length === 0) problems.push(name + ": no data marks");
        Array.prototype.forEach.call(marks, function (mark) {
          var b = mark.getBBox();
          if (!(b.width > 0 || b.height > 0)) problems.push(name + ": a data mark has no size");
        });
      }
      var view = svg.viewBox.baseVal;
      if (!view || view.width === 0) {
        problems.push(name + ": no viewBox");
        return;
      }
      Array.prototype.forEach.call(svg.querySelectorAll("text"), function (text) {
        var b = text.getBBox();
        if (b.width === 0) problems.push(name + ": text '" + text.textContent + "' not rendered");
        if (outside(b, view)) {
          problems.push(name + ": text '" + text.textContent + "' overflows the chart (" +
            [b.x, b.y, b.width, b.height].map(Math.round).join(",") + ")");
        }
      });
    });
    var pre = document.createElement("pre");
    pre.id = "verdict";
    pre.textContent = JSON.stringify({
      charts: charts.length, problems: problems, errors: errors,
      height: document.documentElement.scrollHeight,
    });
    document.body.appendChild(pre);
  }
  window.addEventListener("load", check);
})();
