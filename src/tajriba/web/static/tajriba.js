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
      grid: { left: 56, right: 56, top: 16, bottom: 32 },
      xAxis: { type: "category", data: d.labels, inverse: rtl },
      yAxis: { type: "value", position: rtl ? "right" : "left" },
      series: [{ name: d.name, type: "line", data: d.values, smooth: true, areaStyle: { opacity: 0.15 }, showSymbol: false }],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function init() {
    var els = document.querySelectorAll("[data-chart]");
    if (!els.length) return;
    if (window.echarts) { els.forEach(draw); return; }
    var s = document.createElement("script");
    s.src = "/static/vendor/echarts.min.js";
    s.onload = function () { els.forEach(draw); };
    document.head.appendChild(s);
  }
  document.addEventListener("DOMContentLoaded", init);
})();
