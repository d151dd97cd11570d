// The live chat inbox: server-sent events keep the list and the open conversation current.
// Everything is rendered on the server; this only decides what to fetch and where to put it.
(function () {
  "use strict";

  var inbox = document.getElementById("inbox");
  if (!inbox) return;
  var base = inbox.dataset.baseUrl.replace(/\/$/, "");
  var listUrl = inbox.dataset.listUrl;
  var conversationId = inbox.dataset.conversationId;
  var subscriberId = inbox.dataset.subscriberId;
  var TYPING_EVERY_MS = 5000;
  var lastTyping = 0;
  var timers = {};
  var canned = null;

  function csrf() {
    return document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  }

  function later(key, delay, work) {
    clearTimeout(timers[key]);
    timers[key] = setTimeout(work, delay);
  }

  function fetchHtml(url) {
    return fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.text();
    });
  }

  function conversationUrl(path) {
    return base + "/c/" + conversationId + path;
  }

  function thread() {
    return document.getElementById("thread");
  }

  function nearBottom(element) {
    return element.scrollHeight - element.scrollTop - element.clientHeight < 80;
  }

  function scrollDown() {
    var element = thread();
    if (element) element.scrollTop = element.scrollHeight;
  }

  function placeItem(id, html) {
    var element = thread();
    if (!element) return;
    var stick = nearBottom(element);
    var existing = document.getElementById(id);
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var fresh = holder.firstElementChild;
    if (existing) existing.replaceWith(fresh);
    else element.appendChild(fresh);
    htmx.process(fresh);
    if (stick) scrollDown();
  }

  function refreshList() {
    later("list", 250, function () {
      htmx.ajax("GET", listUrl, { target: "#conversation-list", swap: "innerHTML" });
    });
  }

  function refreshPart(part, target, query) {
    if (!conversationId) return;
    var box = document.querySelector("#composer textarea");
    if (part === "composer" && box && (box.value || document.activeElement === box)) return;
    fetchHtml(conversationUrl("/part/" + part + (query || ""))).then(function (html) {
      var element = document.getElementById(target);
      if (!element) return;
      if (part === "thread") {
        var stick = nearBottom(element);
        element.innerHTML = html;
        htmx.process(element);
        if (stick) scrollDown();
      } else {
        element.outerHTML = html;
        htmx.process(document.getElementById(target));
      }
    });
  }

  var stream = new EventSource(inbox.dataset.streamUrl);
  stream.addEventListener("conversation", function (event) {
    var data = JSON.parse(event.data);
    refreshList();
    if (String(data.conversation_id) === conversationId) refreshPart("header", "conversation-header");
  });
  stream.addEventListener("message", function (event) {
    var data = JSON.parse(event.data);
    refreshList();
    if (String(data.subscriber_id) !== subscriberId) return;
    fetchHtml(conversationUrl("/messages/" + data.message_id)).then(function (html) {
      placeItem("message-" + data.message_id, html);
    });
    if (data.direction === "in") {
      later("seen", 500, function () { refreshPart("thread", "thread", "?seen=1"); });
      refreshPart("composer", "composer");
      refreshPart("header", "conversation-header");
    }
  });
  stream.addEventListener("subscriber", function (event) {
    var data = JSON.parse(event.data);
    refreshList();
    if (String(data.subscriber_id) === subscriberId) refreshPart("header", "conversation-header");
  });
  stream.addEventListener("watermark", function (event) {
    var data = JSON.parse(event.data);
    if (String(data.subscriber_id) === subscriberId) {
      later("ticks", 300, function () { refreshPart("thread", "thread"); });
    }
  });
  stream.addEventListener("note", function (event) {
    var data = JSON.parse(event.data);
    if (String(data.conversation_id) !== conversationId) return;
    fetchHtml(conversationUrl("/notes/" + data.note_id)).then(function (html) {
      placeItem("note-" + data.note_id, html);
    });
  });

  // Reply box: Enter sends, typing shows "typing…" to the person, "/" opens canned responses.
  document.addEventListener("keydown", function (event) {
    var box = event.target.closest(".herald-reply-form textarea");
    if (!box) return;
    var menu = box.form.querySelector("[data-canned-menu]");
    if (event.key === "Enter" && !event.shiftKey) {
      var first = menu && !menu.classList.contains("d-none") && menu.querySelector("button");
      event.preventDefault();
      if (first) first.click();
      else if (box.value.trim()) htmx.trigger(box.form, "submit");
    }
  });

  document.addEventListener("input", function (event) {
    var box = event.target.closest(".herald-reply-form textarea");
    if (!box) return;
    var now = Date.now();
    if (now - lastTyping > TYPING_EVERY_MS) {
      lastTyping = now;
      fetch(box.form.dataset.typingUrl, { method: "POST", headers: { "X-CSRFToken": csrf() }, credentials: "same-origin" });
    }
    showCanned(box);
  });

  function showCanned(box) {
    var menu = box.form.querySelector("[data-canned-menu]");
    var match = /(^|\s)\/([\w-]*)$/.exec(box.value);
    if (!match) { menu.classList.add("d-none"); return; }
    var load = canned ? Promise.resolve(canned) : fetch(inbox.dataset.cannedUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); }).then(function (rows) { canned = rows; return rows; });
    load.then(function (rows) {
      var found = rows.filter(function (row) { return row.shortcut.indexOf(match[2].toLowerCase()) === 0; });
      menu.innerHTML = "";
      found.slice(0, 8).forEach(function (row) {
        var item = document.createElement("button");
        item.type = "button";
        item.className = "list-group-item list-group-item-action small text-start";
        item.textContent = "/" + row.shortcut + " — " + row.text;
        item.addEventListener("click", function () {
          box.value = box.value.slice(0, box.value.length - match[2].length - 1) + row.text;
          menu.classList.add("d-none");
          box.focus();
        });
        menu.appendChild(item);
      });
      menu.classList.toggle("d-none", found.length === 0);
    });
  }

  document.body.addEventListener("htmx:responseError", function (event) {
    var form = event.detail.elt.closest("form");
    var slot = form && form.querySelector("[data-error]");
    if (slot) {
      slot.textContent = event.detail.xhr.responseText;
      slot.classList.remove("d-none");
    }
  });

  document.body.addEventListener("htmx:afterSwap", function () { scrollDown(); });

  // Countdowns of the messaging window in the reply box.
  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (element) {
      var left = Math.max(0, new Date(element.dataset.countdown) - Date.now()) / 1000;
      var hours = Math.floor(left / 3600);
      var minutes = Math.floor((left % 3600) / 60);
      var days = Math.floor(hours / 24);
      element.textContent = days >= 1 ? days + " d " + (hours % 24) + " h" : hours + " h " + minutes + " min";
    });
  }
  setInterval(tick, 1000);
  tick();
  scrollDown();
})();
