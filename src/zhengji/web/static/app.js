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
  // Rank uncertainty (issue 6): nominal rank, median and 5–95 % interval per unit.
  builders.rankint = function (rows) {
    var names = rows.map(function (r) { return r.name; });
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: function (p) {
        var r = rows[p[0].dataIndex];
        return r.name + "<br>" + (zh ? "名义 " : "nominal ") + (r.nominal_rank || "—") + " · " + (zh ? "中位 " : "median ") + fmt(r.median_rank) + " · 5–95 % " + r.rank_low + "–" + r.rank_high;
      } },
      legend: { bottom: 0 }, grid: { left: 150, right: 24, top: 8, bottom: 40 },
      yAxis: { type: "category", data: names, inverse: true, axisLabel: { width: 140, overflow: "truncate" } },
      xAxis: { type: "value", name: zh ? "排名" : "rank", min: 1, minInterval: 1 },
      series: [
        { type: "bar", stack: "iv", silent: true, itemStyle: { color: "transparent" }, data: rows.map(function (r) { return r.rank_low; }) },
        { name: zh ? "5–95 % 排名区间" : "5–95 % rank interval", type: "bar", stack: "iv", itemStyle: { color: "#9cc3e6" },
          data: rows.map(function (r) { return r.rank_high === null || r.rank_low === null ? null : Math.max(r.rank_high - r.rank_low, 0.2); }) },
        { name: zh ? "中位排名" : "median rank", type: "scatter", symbol: "diamond", symbolSize: 12, itemStyle: { color: "#0b4f8a" }, data: rows.map(function (r) { return r.median_rank; }) },
        { name: zh ? "名义排名" : "nominal rank", type: "scatter", symbol: "circle", symbolSize: 8, itemStyle: { color: "#c0392b" }, data: rows.map(function (r) { return r.nominal_rank; }) },
      ],
    };
  };
  builders.gradeprob = function (rows) {
    return {
      tooltip: { formatter: function (p) { return p.name + ": " + (100 * p.value).toFixed(1) + "%"; } },
      grid: { left: 40, right: 16, top: 16, bottom: 24 },
      xAxis: { type: "category", data: rows.map(function (r) { return r.grade; }) },
      yAxis: { type: "value", min: 0, max: 1, axisLabel: { formatter: function (v) { return Math.round(100 * v) + "%"; } } },
      series: [{ type: "bar", data: rows.map(function (r) { return r.p; }), itemStyle: { color: "#0b4f8a" } }],
    };
  };
  // Integrity finding evidence: observed/reported bars against expected/predicted lines.
  builders.evidence = function (d) {
    var share = d.unit === "share";
    return {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : share ? (100 * v).toFixed(1) + "%" : Number(v).toFixed(2); } },
      legend: { bottom: 0 }, grid: { left: 56, right: 16, top: 16, bottom: 48 },
      xAxis: { type: "category", data: d.categories },
      yAxis: { type: "value", scale: !share, axisLabel: share ? { formatter: function (v) { return Math.round(100 * v) + "%"; } } : {} },
      series: d.series.map(function (s, i) {
        return { name: zh ? s.name_zh : s.name_en, type: s.type, data: s.data,
          itemStyle: { color: i === 0 ? "#0b4f8a" : "#c0392b" }, symbolSize: 6 };
      }),
    };
  };
  // People's voice (issue 4): the monthly 接诉即办 ranking, composite with its three rates.
  builders.voicerank = function (rows) {
    var names = rows.map(function (r) { return r.name; });
    function bar(key, zhName, enName) {
      return { name: zh ? zhName : enName, type: "bar", data: rows.map(function (r) { return r[key]; }) };
    }
    return {
      tooltip: { trigger: "axis" }, legend: { bottom: 0 },
      xAxis: { type: "category", data: names, axisLabel: { rotate: 30 } },
      yAxis: { type: "value", max: 100 },
      series: [
        bar("composite", "综合得分", "composite"), bar("response_rate", "响应率", "response"),
        bar("resolution_rate", "解决率", "resolution"), bar("satisfaction_rate", "满意率", "satisfaction"),
      ],
    };
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
