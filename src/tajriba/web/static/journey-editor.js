// Journey editor: drag stages and touchpoints (or use the arrow buttons) and save the new order at once.
(function () {
  var root = document.getElementById("journey-editor");
  if (!root) return;
  var status = document.getElementById("order-status");
  var csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"];
  var dragged = null;

  function order() {
    var stages = [], touchpoints = {};
    root.querySelectorAll("section.stage").forEach(function (s) {
      stages.push(parseInt(s.dataset.stageId, 10));
      touchpoints[s.dataset.stageId] = Array.prototype.map.call(
        s.querySelectorAll("li.tp"), function (li) { return parseInt(li.dataset.touchpointId, 10); });
    });
    return { stages: stages, touchpoints: touchpoints };
  }
  function save() {
    status.textContent = "…";
    fetch(root.dataset.orderUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json" },
      body: JSON.stringify(order()),
    }).then(function (r) {
      return r.json().then(function (body) {
        status.textContent = r.ok ? "✓" : (body.error && body.error.message) || String(r.status);
        status.dataset.state = r.ok ? "saved" : "error";
      });
    }).catch(function (e) { status.textContent = String(e); status.dataset.state = "error"; });
  }
  root.addEventListener("dragstart", function (e) {
    dragged = e.target.closest("li.tp") || e.target.closest("section.stage");
    if (dragged) { dragged.classList.add("dragging"); e.dataTransfer.effectAllowed = "move"; e.dataTransfer.setData("text/plain", ""); }
  });
  root.addEventListener("dragend", function () { if (dragged) dragged.classList.remove("dragging"); dragged = null; });
  root.addEventListener("dragover", function (e) {
    if (!dragged) return;
    e.preventDefault();
    if (dragged.matches("li.tp")) {
      var list = e.target.closest("ol.tp-list") || (e.target.closest("section.stage") || {}).querySelector && e.target.closest("section.stage").querySelector("ol.tp-list");
      if (!list) return;
      var over = e.target.closest("li.tp");
      if (over && over !== dragged) {
        var box = over.getBoundingClientRect();
        list.insertBefore(dragged, e.clientY > box.top + box.height / 2 ? over.nextSibling : over);
      } else if (!over) { list.appendChild(dragged); }
    } else {
      var stage = e.target.closest("section.stage");
      if (stage && stage !== dragged) {
        var b = stage.getBoundingClientRect();
        var rtl = document.documentElement.dir === "rtl";
        var after = rtl ? e.clientX < b.left + b.width / 2 : e.clientX > b.left + b.width / 2;
        root.insertBefore(dragged, after ? stage.nextSibling : stage);
      }
    }
  });
  root.addEventListener("drop", function (e) { if (dragged) { e.preventDefault(); save(); } });
  root.addEventListener("click", function (e) {
    var btn = e.target.closest("button.move");
    if (!btn) return;
    var move = btn.dataset.move;
    if (move === "up" || move === "down") {
      var li = btn.closest("li.tp");
      var sib = move === "up" ? li.previousElementSibling : li.nextElementSibling;
      if (!sib) return;
      li.parentNode.insertBefore(li, move === "up" ? sib : sib.nextSibling);
    } else {
      var s = btn.closest("section.stage");
      var other = move === "stage-prev" ? s.previousElementSibling : s.nextElementSibling;
      if (!other) return;
      root.insertBefore(s, move === "stage-prev" ? other : other.nextSibling);
    }
    btn.focus();
    save();
  });
})();
