/* Keyboard shortcuts of the worklist and the workspace (listed in the "?" dialog).
 * Keys are ignored while typing in a field. On the worklist, j/k move a row focus and Enter
 * or o opens it; on the workspace, they follow the buttons marked with aria-keyshortcuts. */
(function () {
  "use strict";
  var dialog = document.getElementById("shortcuts");

  function typing(event) {
    var t = event.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr[data-row]")); }

  function current() {
    var list = rows();
    var at = list.indexOf(document.activeElement);
    if (at < 0) { at = list.findIndex(function (r) { return r.classList.contains("selected"); }); }
    return { list: list, at: at };
  }

  function focusRow(step) {
    var c = current();
    if (!c.list.length) { return false; }
    var next = c.at < 0 ? 0 : Math.min(c.list.length - 1, Math.max(0, c.at + step));
    c.list.forEach(function (r) { r.classList.remove("selected"); });
    c.list[next].classList.add("selected");
    c.list[next].focus();
    return true;
  }

  function clickShortcut(key) {
    var el = document.querySelector('[aria-keyshortcuts="' + key + '"]');
    if (el) { el.click(); return true; }
    return false;
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcuts-open]") && dialog) { dialog.showModal(); }
    var all = event.target.closest("[data-select-all]");
    if (all) {
      document.querySelectorAll('input[name="case"]').forEach(function (box) { box.checked = all.checked; });
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) { return; }
    if (dialog && dialog.open) { return; }
    var key = event.key;
    var handled = false;
    var onList = rows().length > 0;
    if (key === "?") { if (dialog) { dialog.showModal(); handled = true; } }
    else if (key === "/") {
      var first = document.querySelector("#wq-filters input, #wq-filters select");
      if (first) { first.focus(); handled = true; }
    }
    else if (onList && (key === "j" || key === "k")) { handled = focusRow(key === "j" ? 1 : -1); }
    else if (onList && (key === "Enter" || key === "o")) {
      var c = current();
      if (c.at >= 0) { window.location.assign(c.list[c.at].dataset.href); handled = true; }
    }
    else if (onList && (key === "x" || key === "c")) {
      var cur = current();
      if (cur.at >= 0) {
        var row = cur.list[cur.at];
        if (key === "x") { var box = row.querySelector('input[name="case"]'); box.checked = !box.checked; handled = true; }
        else { var claim = row.querySelector("[data-claim]"); if (claim) { claim.click(); handled = true; } }
      }
    }
    else if (key === "v") {
      var verify = document.querySelector("#eligibility form button[type=submit]");
      if (verify) { verify.click(); handled = true; }
    }
    else { handled = clickShortcut(key); }
    if (handled) { event.preventDefault(); }
  });

  // A refused claim (409: someone else was first) shows its message above the list.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (event.detail.xhr.status === 409 && target && target.id === "wq-alert") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // After an action in another panel (eligibility, authorization), refresh the status.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var status = document.getElementById("case-status");
    if (status && window.htmx && event.target.id !== "case-status") {
      window.htmx.trigger(status, "refresh");
    }
  });
})();
