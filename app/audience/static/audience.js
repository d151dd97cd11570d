// The audience pages' glue: multi-choice pickers, field-condition rows, row selection, avatars.
(function () {
  "use strict";

  // A picker's button shows what is ticked inside it.
  function refreshPick(pick) {
    var summary = pick.querySelector("[data-pick-summary]");
    var labels = Array.prototype.map.call(
      pick.querySelectorAll("input[type=checkbox]:checked"),
      function (box) { return box.getAttribute("data-pick-label"); }
    );
    summary.textContent = labels.length ? labels.join(", ") : summary.getAttribute("data-placeholder");
    summary.classList.toggle("text-secondary", labels.length === 0);
  }

  document.addEventListener("change", function (event) {
    var pick = event.target.closest("[data-pick]");
    if (pick) refreshPick(pick);
    if (event.target.matches("[data-condition-op]")) toggleValue(event.target);
    if (event.target.matches("[data-row-check], [data-select-all]")) refreshSelection(event.target);
  });

  // "is set" / "is not set" need no value.
  function toggleValue(select) {
    var row = select.closest("[data-condition]");
    var value = row.querySelector("input[name=field_value]");
    var needless = select.value === "is_set" || select.value === "is_not_set";
    value.readOnly = needless;
    if (needless) value.value = "";
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-condition]");
    if (add) {
      var list = add.parentElement.querySelector("[data-conditions]");
      var rows = list.querySelectorAll("[data-condition]");
      var copy = rows[rows.length - 1].cloneNode(true);
      copy.querySelectorAll("input").forEach(function (input) { input.value = ""; input.readOnly = false; });
      copy.querySelector("select").selectedIndex = 0;
      list.appendChild(copy);
      copy.querySelector("input").focus();
      return;
    }
    var remove = event.target.closest("[data-remove-condition]");
    if (remove) {
      var row = remove.closest("[data-condition]");
      if (row.parentElement.querySelectorAll("[data-condition]").length > 1) {
        row.remove();
      } else {
        row.querySelectorAll("input").forEach(function (input) { input.value = ""; input.readOnly = false; });
        row.querySelector("select").selectedIndex = 0;
      }
    }
  });

  // Ticking rows (or the whole page) for bulk tagging; the scope menu shows how many.
  function refreshSelection(source) {
    var form = source.closest("[data-bulk]");
    if (!form) return;
    var boxes = form.querySelectorAll("[data-row-check]");
    if (source.matches("[data-select-all]")) {
      boxes.forEach(function (box) { box.checked = source.checked; });
    }
    var ticked = form.querySelectorAll("[data-row-check]:checked").length;
    var all = form.querySelector("[data-select-all]");
    if (all) {
      all.checked = ticked > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    var option = form.querySelector("[data-selected-option]");
    if (option) option.textContent = "Ticked rows (" + ticked + ")";
    boxes.forEach(function (box) { box.closest("tr").classList.toggle("table-active", box.checked); });
  }

  // Facebook's profile pictures expire: a broken one gives way to the initial beneath it.
  document.addEventListener("error", function (event) {
    if (event.target.matches && event.target.matches("[data-avatar-img]")) event.target.remove();
  }, true);

  // The conversation opens at its newest message.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-scroll-end]").forEach(function (box) { box.scrollTop = box.scrollHeight; });
    document.querySelectorAll("[data-pick]").forEach(refreshPick);
  });
})();
