// Draws the charts declared with data-chart; each has its data in a JSON script beside it.
(function () {
  function draw(el) {
    if (!window.echarts) return;
    var src = document.getElementById(el.dataset.chart + "-data");
    if (!src) return;
    var d = JSON.parse(src.textContent);
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    var rtl = d.dir === "rtl";
    if (d.lines) { chart.setOption(banded(d, rtl)); window.addEventListener("resize", function () { chart.resize(); }); return; }
    chart.setOption({
      textStyle: { fontFamily: "Vazirmatn, sans-serif" },
      tooltip: { trigger: "axis" },
      grid: { left: 16, right: 16, top: 24, bottom: d.series ? 40 : 12, containLabel: true },
      xAxis: { type: "category", data: d.labels, inverse: rtl, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", position: rtl ? "right" : "left" },
      legend: d.series ? { bottom: 0, type: "scroll" } : undefined,
      series: d.series
        ? d.series.map(function (s) { return { name: s.name, type: "line", data: s.values, showSymbol: false }; })
        : [d.type === "bar"
          ? { name: d.name, type: "bar", data: d.values }
          : { name: d.name, type: "line", data: d.values, smooth: true, areaStyle: { opacity: 0.15 }, showSymbol: false }],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  // Lines with confidence bands (a band is drawn as the low edge plus a filled high - low on top of it)
  // and an optional target line: {labels, lines: [{name, values, dashed}], bands: [{name, low, high}], target}.
  function banded(d, rtl) {
    var series = [];
    (d.bands || []).forEach(function (b, i) {
      var gap = b.high.map(function (h, j) { return h == null || b.low[j] == null ? null : h - b.low[j]; });
      series.push({ name: b.name, type: "line", data: b.low, stack: "band" + i, symbol: "none",
        lineStyle: { opacity: 0 }, tooltip: { show: false } });
      series.push({ name: b.name, type: "line", data: gap, stack: "band" + i, symbol: "none",
        lineStyle: { opacity: 0 }, areaStyle: { opacity: 0.2 }, tooltip: { show: false } });
    });
    d.lines.forEach(function (l) {
      series.push({ name: l.name, type: "line", data: l.values, connectNulls: false,
        lineStyle: l.dashed ? { type: "dashed" } : undefined });
    });
    if (d.target != null && series.length) {
      series[series.length - 1].markLine = { symbol: "none", data: [{ yAxis: d.target }],
        label: { formatter: d.targetName || "" }, lineStyle: { type: "dotted" } };
    }
    return {
      textStyle: { fontFamily: "Vazirmatn, sans-serif" },
      tooltip: { trigger: "axis" },
      grid: { left: 16, right: 16, top: 24, bottom: 40, containLabel: true },
      xAxis: { type: "category", data: d.labels, inverse: rtl, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", position: rtl ? "right" : "left", scale: true },
      legend: { bottom: 0, type: "scroll", data: d.lines.map(function (l) { return l.name; }) },
      series: series,
    };
  }
  // A Sankey (flow between touchpoints); nodes carry their display name in `name`.
  function sankey(el) {
    var d = JSON.parse(document.getElementById(el.dataset.sankey + "-data").textContent);
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      textStyle: { fontFamily: "Vazirmatn, sans-serif" },
      tooltip: { trigger: "item" },
      series: [{
        type: "sankey", orient: "horizontal", layoutIterations: 0, left: "2%", right: "20%",
        data: d.nodes.map(function (n) { return { name: n.id, label: { formatter: n.label } }; }),
        links: d.links.map(function (l) { return { source: l.source, target: l.target, value: l.count }; }),
        label: { position: "right" },
      }],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function init() {
    var els = document.querySelectorAll("[data-chart]");
    var flows = document.querySelectorAll("[data-sankey]");
    if (!els.length && !flows.length) return;
    function all() { els.forEach(draw); flows.forEach(sankey); }
    if (window.echarts) { all(); return; }
    var s = document.createElement("script");
    s.src = "/static/vendor/echarts.min.js";
    s.onload = all;
    document.head.appendChild(s);
  }
  document.addEventListener("DOMContentLoaded", init);
})();
// Behaviour declared in markup, so that pages need no inline script (the Content-Security-Policy forbids it):
// <select data-autosubmit> sends its form on change; <form data-confirm="question?"> asks before sending.
(function () {
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.requestSubmit();
  });
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form && form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) e.preventDefault();
  }, true);
})();
// Reorder rows by dragging (tbody[data-reorder] names the form that saves the order); the arrow buttons
// beside each row do the same from the keyboard.
(function () {
  document.querySelectorAll("tbody[data-reorder]").forEach(function (body) {
    var form = document.getElementById(body.dataset.reorder);
    var dragged = null;
    body.addEventListener("dragstart", function (e) {
      dragged = e.target.closest("tr[data-key]");
      if (dragged && e.dataTransfer) { e.dataTransfer.effectAllowed = "move"; e.dataTransfer.setData("text/plain", dragged.dataset.key); }
    });
    body.addEventListener("dragover", function (e) { if (dragged) e.preventDefault(); });
    body.addEventListener("drop", function (e) {
      var target = e.target.closest("tr[data-key]");
      if (!dragged || !target || target === dragged || !form) return;
      e.preventDefault();
      var rect = target.getBoundingClientRect();
      body.insertBefore(dragged, e.clientY > rect.top + rect.height / 2 ? target.nextSibling : target);
      body.querySelectorAll("tr[data-key]").forEach(function (row) {
        var input = document.createElement("input");
        input.type = "hidden"; input.name = "keys"; input.value = row.dataset.key;
        form.appendChild(input);
      });
      form.submit();
    });
  });
})();
