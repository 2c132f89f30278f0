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
        type: "sankey", orient: "horizontal", layoutIterations: 0, left: "2%", right: "14%", nodeGap: 14,
        emphasis: { focus: "adjacency" },
        data: d.nodes.map(function (n) { return { name: n.id, label: { formatter: n.label }, tooltip: { formatter: n.label } }; }),
        links: d.links.map(function (l) { return { source: l.source, target: l.target, value: l.count }; }),
        // readable labels: on a light backing over the flows, cut short with the full name in the tooltip
        label: { position: "right", fontSize: 11, width: 120, overflow: "truncate", backgroundColor: "rgba(255,255,255,.85)", padding: [1, 3], borderRadius: 3 },
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
// Date fields in the reader's calendar: for Hijri (Umm al-Qura) or Jalali readers, an <input type=date
// data-calendar=...> becomes a text field in that calendar with a month picker; the form still sends the
// Gregorian ISO date (the hidden original), so every page and the API read the same values. Conversions use
// the browser's own calendars (Intl), checked day by day, no tables shipped.
(function () {
  var CAL = { hijri: "islamic-umalqura", jalali: "persian" };
  function fmt(cal, lang) {
    return new Intl.DateTimeFormat((lang || "ar") + "-u-ca-" + cal + "-nu-latn",
      { year: "numeric", month: "numeric", day: "numeric", timeZone: "UTC" });
  }
  function parts(f, d) {
    var out = {};
    f.formatToParts(d).forEach(function (p) { if (p.type === "year" || p.type === "month" || p.type === "day") out[p.type] = parseInt(p.value, 10); });
    return out;
  }
  function iso(d) { return d.toISOString().slice(0, 10); }
  function toGregorian(cal, f, y, m, day) {
    var approx = cal === CAL.hijri ? Date.UTC(622, 6, 16) + ((y - 1) * 354.367 + (m - 1) * 29.53 + day) * 864e5
      : Date.UTC(621, 2, 21) + ((y - 1) * 365.2422 + (m <= 7 ? (m - 1) * 31 : 186 + (m - 7) * 30) + day - 1) * 864e5;
    for (var k = -50; k <= 50; k++) {
      var d = new Date(approx + k * 864e5), p = parts(f, d);
      if (p.year === y && p.month === m && p.day === day) return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
    }
    return null;
  }
  function enhance(input) {
    var cal = CAL[input.dataset.calendar];
    if (!cal || !window.Intl) return;
    var lang = document.documentElement.lang, f = fmt(cal, "en"), names = new Intl.DateTimeFormat(lang + "-u-ca-" + cal, { month: "long", year: "numeric", timeZone: "UTC" });
    var text = document.createElement("input");
    text.type = "text"; text.inputMode = "numeric"; text.dir = "ltr"; text.placeholder = cal === CAL.hijri ? "1447-09-01" : "1404-12-01";
    text.setAttribute("aria-label", (input.closest("label") || {}).textContent || "");
    text.dataset.calendarText = input.dataset.calendar;
    function show() {
      if (!input.value) { text.value = ""; return; }
      var p = parts(f, new Date(input.value + "T00:00:00Z"));
      text.value = p.year + "-" + String(p.month).padStart(2, "0") + "-" + String(p.day).padStart(2, "0");
    }
    function read() {
      var m = /^(\d{4})[-\/.](\d{1,2})[-\/.](\d{1,2})$/.exec(text.value.trim().replace(/[٠-٩]/g, function (c) { return "٠١٢٣٤٥٦٧٨٩".indexOf(c); }).replace(/[۰-۹]/g, function (c) { return "۰۱۲۳۴۵۶۷۸۹".indexOf(c); }));
      if (!text.value.trim()) { input.value = ""; text.setCustomValidity(""); return; }
      var g = m ? toGregorian(cal, f, +m[1], +m[2], +m[3]) : null;
      text.setCustomValidity(g ? "" : text.placeholder);
      if (g) input.value = iso(g);
    }
    var pop = document.createElement("div");
    pop.className = "calendar-pop"; pop.hidden = true;
    function month(y, m) {
      var first = toGregorian(cal, f, y, m, 1);
      pop.innerHTML = "";
      var head = document.createElement("div"); head.className = "calendar-head";
      var prev = document.createElement("button"), next = document.createElement("button"), title = document.createElement("span");
      prev.type = next.type = "button"; prev.textContent = "‹"; next.textContent = "›";
      title.textContent = names.format(first);
      prev.onclick = function () { month(m === 1 ? y - 1 : y, m === 1 ? 12 : m - 1); };
      next.onclick = function () { month(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1); };
      head.append(prev, title, next); pop.appendChild(head);
      var grid = document.createElement("div"); grid.className = "calendar-grid";
      for (var d = new Date(first); parts(f, d).month === m; d = new Date(d.getTime() + 864e5)) {
        (function (day) {
          var b = document.createElement("button"); b.type = "button"; b.textContent = parts(f, day).day;
          b.dataset.iso = iso(day);
          if (iso(day) === input.value) b.setAttribute("aria-current", "date");
          b.onclick = function () { input.value = iso(day); show(); pop.hidden = true; text.focus(); };
          grid.appendChild(b);
        })(d);
      }
      pop.appendChild(grid);
    }
    text.addEventListener("focus", function () {
      var p = parts(f, input.value ? new Date(input.value + "T00:00:00Z") : new Date());
      month(p.year, p.month); pop.hidden = false;
      pop.style.top = (text.offsetTop + text.offsetHeight + 2) + "px";  // below the field, never over it
      pop.style.left = text.offsetLeft + "px";
    });
    text.addEventListener("change", read);
    text.addEventListener("keydown", function (e) { if (e.key === "Escape") pop.hidden = true; });
    // outside presses close it (on press, not click: the picker opening under the pointer must not count)
    document.addEventListener("pointerdown", function (e) { if (e.target !== text && !pop.contains(e.target)) pop.hidden = true; });
    input.type = "hidden";
    input.after(text, pop);
    show();
  }
  document.querySelectorAll("input[data-calendar]").forEach(enhance);
})();
// The journey map: fit to the width of the screen (the default), zoom in and out, and keep the lane titles in
// view while a zoomed map scrolls sideways (an overlay of the titles, sticky at the reading side).
(function () {
  var box = document.getElementById("journey-map");
  if (!box) return;
  var svg = box.querySelector("svg"), inner = box.querySelector(".map-inner"), tools = document.querySelector(".map-tools");
  if (!svg || !inner || !tools) return;
  var natural = parseFloat(svg.getAttribute("width")) || svg.viewBox.baseVal.width;
  var naturalH = parseFloat(svg.getAttribute("height")) || svg.viewBox.baseVal.height;
  if (!svg.getAttribute("viewBox")) svg.setAttribute("viewBox", "0 0 " + natural + " " + naturalH);
  var lanes = JSON.parse(box.dataset.lanes || "[]"), labelW = parseFloat(box.dataset.labelWidth || "160");
  var overlay = document.createElement("div");
  overlay.className = "lane-titles"; overlay.setAttribute("aria-hidden", "true");
  lanes.forEach(function (l) { var d = document.createElement("div"); d.textContent = l.label; d.dataset.top = l.top; d.dataset.height = l.height; overlay.appendChild(d); });
  inner.insertBefore(overlay, svg);
  var zoom = null;  // null: fit to width
  function apply() {
    var width = zoom === null ? box.clientWidth : natural * zoom;
    var scale = width / natural;
    svg.style.width = width + "px"; svg.style.height = (naturalH * scale) + "px";
    overlay.style.width = (labelW * scale) + "px"; overlay.style.height = (naturalH * scale) + "px";
    overlay.style.marginInlineEnd = (-labelW * scale) + "px";
    overlay.hidden = zoom === null || width <= box.clientWidth;  // only needed when the map scrolls
    overlay.querySelectorAll("div").forEach(function (d) {
      d.style.top = (d.dataset.top * scale) + "px"; d.style.height = (d.dataset.height * scale) + "px";
      d.style.fontSize = Math.max(10, 10 * scale) + "px";
    });
    tools.querySelector("[data-zoom=fit]").setAttribute("aria-pressed", zoom === null ? "true" : "false");
  }
  tools.hidden = false;
  tools.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-zoom]");
    if (!b) return;
    var current = zoom === null ? box.clientWidth / natural : zoom;
    var z = b.dataset.zoom;
    zoom = z === "fit" ? null : z === "in" ? Math.min(current * 1.25, 3) : z === "out" ? Math.max(current / 1.25, 0.25) : 1;
    apply();
  });
  window.addEventListener("resize", apply);
  apply();
})();
