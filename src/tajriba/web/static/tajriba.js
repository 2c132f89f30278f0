// Draws the charts declared with data-chart; each has its data in a JSON script beside it.
(function () {
  function draw(el) {
    if (!window.echarts) return;
    var src = document.getElementById(el.dataset.chart + "-data");
    if (!src) return;
    var d = JSON.parse(src.textContent);
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    var rtl = d.dir === "rtl";
    chart.setOption({
      textStyle: { fontFamily: "Vazirmatn, sans-serif" },
      tooltip: { trigger: "axis" },
      grid: { left: 56, right: 56, top: 16, bottom: d.series ? 56 : 32 },
      xAxis: { type: "category", data: d.labels, inverse: rtl },
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
