// Broadcasts: the composer's rows and switches, the live progress of a broadcast, its chart.
// The server renders everything (preview, counts, progress); this only wires the page up.
(function () {
  "use strict";

  function csrf() {
    return document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  }

  function changed(form) {
    form.dispatchEvent(new Event("input", { bubbles: true }));
    form.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // --- Composer -------------------------------------------------------------------------------
  var form = document.getElementById("composer");

  function showWhere(attribute, value) {
    form.querySelectorAll("[" + attribute + "]").forEach(function (section) {
      var on = section.getAttribute(attribute).split(" ").indexOf(value) !== -1;
      section.hidden = !on;
      section.classList.toggle("d-none", !on);
    });
  }

  function checked(name) {
    var input = form.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : "";
  }

  function syncSwitches() {
    showWhere("data-kind", checked("kind"));
    showWhere("data-audience", checked("audience_mode"));
    showWhere("data-intent", checked("intent"));
    showWhere("data-delivery", checked("delivery"));
    showWhere("data-source", checked("media_source"));
    var later = checked("delivery") === "later";
    var send = form.querySelector('[data-testid="send"]');
    send.querySelector("[data-send-label]").textContent = later ? send.dataset.labelLater : send.dataset.labelNow;
    form.querySelectorAll("[data-row]").forEach(syncButtonRow);
    syncCounters();
  }

  function syncButtonRow(row) {
    var type = row.querySelector("[data-button-type]");
    if (!type) return;
    row.querySelectorAll("[data-when-type]").forEach(function (part) {
      part.classList.toggle("d-none", part.getAttribute("data-when-type") !== type.value);
    });
  }

  function syncCounters() {
    var hasButtons = form.querySelectorAll('[data-rows="buttons"] [data-row]').length > 0;
    form.querySelectorAll("[data-count]").forEach(function (input) {
      var limit = Number(hasButtons && input.dataset.countWithButtons ? input.dataset.countWithButtons : input.dataset.count);
      var counter = input.nextElementSibling && input.nextElementSibling.classList.contains("bc-counter")
        ? input.nextElementSibling : null;
      if (!counter) {
        counter = document.createElement("div");
        counter.className = "bc-counter";
        counter.setAttribute("aria-live", "polite");
        input.insertAdjacentElement("afterend", counter);
      }
      counter.textContent = input.value.length + " / " + limit;
      counter.classList.toggle("over", input.value.length > limit);
    });
  }

  function nextIndex(container) {
    var highest = -1;
    container.querySelectorAll(":scope > [data-row]").forEach(function (row) {
      var named = row.querySelector("[name]");
      var match = named && named.name.match(/-(\d+)-[a-z_]+$/);
      if (row.dataset.card !== undefined) match = [null, row.dataset.card];
      if (match) highest = Math.max(highest, Number(match[1]));
    });
    return highest + 1;
  }

  function addRow(button) {
    var container = form.querySelector('[data-rows="' + button.dataset.target + '"]');
    var max = Number(container.dataset.max || 99);
    if (container.querySelectorAll(":scope > [data-row]").length >= max) return;
    var kind = button.dataset.add;
    var template = document.getElementById("tpl-" + kind);
    var html = template.innerHTML.replace(/__i__/g, String(nextIndex(container)));
    if (kind === "card") html = html.replace(/__c__/g, String(nextIndex(container)));
    if (kind === "card-button") html = html.replace(/__c__/g, button.closest("[data-card]").dataset.card);
    container.insertAdjacentHTML("beforeend", html);
    var added = container.lastElementChild;
    var first = added.querySelector("input:not([type=hidden])");
    if (first) first.focus();
    syncLimits();
    syncSwitches();
    changed(form);
  }

  function syncLimits() {
    form.querySelectorAll("[data-add]").forEach(function (button) {
      var container = form.querySelector('[data-rows="' + button.dataset.target + '"]');
      if (!container) return;
      var full = container.querySelectorAll(":scope > [data-row]").length >= Number(container.dataset.max || 99);
      button.disabled = full;
    });
  }

  function insertAtCursor(text) {
    var box = form.querySelector("#text");
    var start = box.selectionStart || box.value.length;
    var end = box.selectionEnd || start;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.focus();
    box.setSelectionRange(start + text.length, start + text.length);
    changed(form);
  }

  function upload(input) {
    var file = input.files[0];
    if (!file) return;
    var note = form.querySelector("[data-file-name]");
    note.textContent = "Uploading " + file.name + "…";
    var body = new FormData();
    body.append("file", file);
    fetch(form.dataset.uploadUrl, {
      method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrf() },
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) {
        note.textContent = result.data.error || "The upload failed.";
        return;
      }
      form.querySelector("[data-file-id]").value = result.data.id;
      form.querySelector('[name="media_type"]').value = result.data.media_type;
      note.textContent = "Uploaded: " + result.data.name;
      changed(form);
    }).catch(function () { note.textContent = "The upload failed; try again."; });
  }

  function refreshCandidates() {
    var page = form.querySelector('[name="page_id"]').value;
    htmx.ajax("GET", form.dataset.candidatesUrl + "?page_id=" + encodeURIComponent(page),
      { target: "#test-panel", swap: "outerHTML" });
  }

  if (form) {
    form.addEventListener("click", function (event) {
      var add = event.target.closest("[data-add]");
      if (add) { event.preventDefault(); addRow(add); return; }
      var remove = event.target.closest("[data-remove]");
      if (remove) {
        event.preventDefault();
        remove.closest("[data-row]").remove();
        syncLimits();
        syncSwitches();
        changed(form);
        return;
      }
      var insert = event.target.closest("[data-insert]");
      if (insert) { event.preventDefault(); insertAtCursor(insert.dataset.insert); return; }
      var send = event.target.closest('[data-testid="send"]');
      if (send && checked("delivery") !== "later" && !window.confirm(send.dataset.confirmNow)) {
        event.preventDefault();
      }
    });
    form.addEventListener("change", function (event) {
      if (event.target.matches("[data-upload]")) upload(event.target);
      if (event.target.matches('[name="page_id"]')) refreshCandidates();
      syncSwitches();
    });
    form.addEventListener("input", syncCounters);
    syncLimits();
    syncSwitches();
  }

  // --- Live progress (list and results pages) -------------------------------------------------
  var live = document.querySelector("[data-broadcast-stream]");
  var timers = {};

  function later(key, delay, work) {
    clearTimeout(timers[key]);
    timers[key] = setTimeout(work, delay);
  }

  function drawChart() {
    var canvas = document.getElementById("timeline-chart");
    if (!canvas || typeof Chart === "undefined") return;
    var data = JSON.parse(canvas.dataset.timeline);
    var colors = { Sent: "#066fd1", Delivered: "#2fb344", Read: "#ae3ec9", Clicked: "#f76707" };
    var labels = data.labels.map(function (iso) {
      return new Date(iso).toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
    });
    var datasets = Object.keys(data.series || {}).map(function (name) {
      return { label: name, data: data.series[name], borderColor: colors[name], backgroundColor: colors[name],
               tension: 0.25, pointRadius: 0, borderWidth: 2 };
    });
    if (canvas.chart) {
      canvas.chart.data.labels = labels;
      canvas.chart.data.datasets = datasets;
      canvas.chart.update("none");
      return;
    }
    canvas.chart = new Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: datasets },
      options: { responsive: true, maintainAspectRatio: false, animation: false,
                 interaction: { mode: "index", intersect: false },
                 scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
                 plugins: { legend: { position: "bottom" } } },
    });
  }

  // The recipients list keeps its filter when it refreshes live.
  document.addEventListener("click", function (event) {
    var filter = event.target.closest("[data-recipients-filter]");
    var list = document.getElementById("recipients");
    if (!filter || !list) return;
    list.setAttribute("hx-get", filter.getAttribute("hx-get"));
    htmx.process(list);
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "progress") {
      htmx.trigger(document.body, "recipients-refresh");
      var fresh = document.getElementById("timeline-data");
      var canvas = document.getElementById("timeline-chart");
      if (fresh && canvas) canvas.dataset.timeline = fresh.dataset.timeline;
      drawChart();
    }
  });

  var REFRESH_EVERY_MS = 10000;

  function refresh() {
    htmx.ajax("GET", live.dataset.refreshUrl, { target: live.dataset.refreshTarget, swap: "innerHTML" });
  }

  if (live) {
    drawChart();
    var wanted = live.dataset.broadcastId;
    var stream = new EventSource(live.dataset.broadcastStream);
    stream.addEventListener("broadcast", function (event) {
      var data = JSON.parse(event.data);
      if (wanted && String(data.broadcast_id) !== wanted) return;
      if (wanted && data.status !== live.dataset.status) {
        // A new state (started, paused, finished) changes the whole page: its actions too.
        later("reload", 300, function () { window.location.reload(); });
        return;
      }
      later("refresh", 300, refresh);
    });
    window.addEventListener("beforeunload", function () { stream.close(); });
    // Updates are sent at most once a second, so the last of a burst (a tap, a receipt) can be
    // dropped, and a stream can miss events while it reconnects: look again now and then.
    setInterval(function () { if (!document.hidden) refresh(); }, REFRESH_EVERY_MS);
  }
})();
