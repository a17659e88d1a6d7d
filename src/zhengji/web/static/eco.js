// zhengji web, eco pages (issues 5 and 8): bar charts from the JSON each page embeds.
// {categories, axis, stack, series: [{name, data}]} -> one (stacked) bar per category.
// Loaded by the eco_*.html templates after ECharts; no inline script (CSP).
(function () {
  "use strict";
  function option(d) {
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
        valueFormatter: function (v) { return v === null || v === undefined ? "—" : Number(v).toFixed(2); } },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 56, right: 16, top: 28, bottom: 64 },
      xAxis: { type: "category", data: d.categories, axisLabel: { interval: 0, rotate: d.categories.length > 8 ? 30 : 0 } },
      yAxis: { type: "value", name: d.axis, min: 0 },
      series: d.series.map(function (s) {
        return { name: s.name, type: "bar", stack: d.stack ? "total" : undefined, data: s.data };
      }),
    };
  }
  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-eco-chart]").forEach(function (el) {
      var src = document.getElementById(el.getAttribute("data-source"));
      if (!src) { return; }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option(JSON.parse(src.textContent)));
      el.setAttribute("data-drawn", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
