// zhengji web: charts from the JSON each page embeds (<script type="application/json">).
// No inline scripts (the Content-Security-Policy forbids them); everything is served locally.
(function () {
  "use strict";
  if (window.htmx) {
    // Validation errors (4xx) carry a readable page: show them in place instead of ignoring them.
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "4..", swap: true, error: false },
      { code: "...", swap: false, error: true },
    ];
  }
  var zh = document.documentElement.lang !== "en";
  function read(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  function fmt(v) { return v === null || v === undefined ? "—" : Number(v).toFixed(1); }
  var builders = {
    trend: function (d) {
      return {
        tooltip: { trigger: "axis" }, legend: { type: "scroll", bottom: 0 },
        grid: { left: 40, right: 16, top: 16, bottom: 48 },
        xAxis: { type: "category", data: d.periods }, yAxis: { type: "value", scale: true },
        series: d.series.map(function (s) { return { name: s.name, type: "line", data: s.scores, connectNulls: false }; }),
      };
    },
    unittrend: function (d) {
      return {
        tooltip: { trigger: "axis" }, grid: { left: 40, right: 16, top: 16, bottom: 24 },
        xAxis: { type: "category", data: d.map(function (p) { return p.period; }) },
        yAxis: { type: "value", scale: true },
        series: [{ type: "line", data: d.map(function (p) { return p.score; }) }],
      };
    },
    scatter: function (cats) {
      return {
        tooltip: { formatter: function (p) { return p.data[2] + "<br>" + (zh ? "显绩 " : "visible ") + fmt(p.data[0]) + " · " + (zh ? "潜绩 " : "latent ") + fmt(p.data[1]); } },
        legend: { bottom: 0 }, grid: { left: 40, right: 16, top: 16, bottom: 48 },
        xAxis: { type: "value", name: zh ? "显绩" : "visible", scale: true },
        yAxis: { type: "value", name: zh ? "潜绩" : "latent", scale: true },
        series: cats.map(function (c) {
          return { name: c.name, type: "scatter", symbolSize: 12,
            data: c.rows.map(function (r) { return [r.visible, r.latent, r.name]; }) };
        }),
      };
    },
    waterfall: function (rows) {
      var base = [], vals = [], names = [], acc = 0;
      rows.forEach(function (r) { names.push(r.name); base.push(acc); vals.push(r.contribution); acc += r.contribution; });
      names.push(zh ? "综合得分" : "score"); base.push(0); vals.push(acc);
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: function (p) { var s = p[p.length - 1]; return s.name + ": " + Number(s.value).toFixed(2); } },
        grid: { left: 150, right: 24, top: 8, bottom: 24 },
        yAxis: { type: "category", data: names, inverse: true, axisLabel: { width: 140, overflow: "truncate" } },
        xAxis: { type: "value" },
        series: [
          { type: "bar", stack: "w", itemStyle: { color: "transparent" }, data: base, silent: true },
          { type: "bar", stack: "w", data: vals, itemStyle: { color: "#0b4f8a" } },
        ],
      };
    },
    radar: function (rows) {
      return {
        tooltip: {},
        radar: { indicator: rows.map(function (r) { return { name: r.name, max: 100 }; }) },
        series: [{ type: "radar", data: [{ value: rows.map(function (r) { return r.score; }), areaStyle: { opacity: 0.2 } }] }],
      };
    },
  };
  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var data = read(el.getAttribute("data-source"));
      var build = builders[el.getAttribute("data-chart")];
      if (!data || !build) { return; }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(build(data));
      el.setAttribute("data-drawn", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
