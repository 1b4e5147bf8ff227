/* Automatic logoff: count down the idle time, warn near the end, then go to the login page.
 * The server is the authority (IdleLogoutMiddleware); before leaving, the page asks it how
 * long is left, because activity in another tab keeps the session alive. */
(function () {
  "use strict";
  var body = document.body;
  var timeout = parseInt(body.dataset.idleTimeout || "0", 10);
  if (!timeout) { return; }
  var warnBefore = Math.min(120, Math.floor(timeout / 2));
  var banner = document.getElementById("idle-warning");
  var countdown = document.getElementById("idle-countdown");
  var stay = document.getElementById("idle-stay");
  var deadline = Date.now() + timeout * 1000;
  var checking = false;

  function format(seconds) {
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function restart(remaining) {
    deadline = Date.now() + remaining * 1000;
    banner.hidden = true;
  }

  function leave() {
    var next = window.location.pathname;
    window.location.assign(body.dataset.loginUrl + "?next=" + encodeURIComponent(next));
  }

  function askServer() {
    if (checking) { return; }
    checking = true;
    fetch(body.dataset.sessionUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { authenticated: false, remaining: 0 }; })
      .then(function (data) {
        // Only the server ends the session: leave once it says it has.
        if (!data.authenticated) { leave(); }
        else if (data.remaining > warnBefore) { restart(data.remaining); }
        else { deadline = Date.now() + Math.max(1, data.remaining) * 1000; }
      })
      .catch(leave)
      .finally(function () { checking = false; });
  }

  function tick() {
    var remaining = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    if (remaining <= 0) { askServer(); return; }
    if (remaining <= warnBefore) {
      if (banner.hidden) { askServer(); }
      countdown.textContent = format(remaining);
      banner.hidden = false;
    }
  }

  stay.addEventListener("click", function () {
    var token = (JSON.parse(body.getAttribute("hx-headers") || "{}"))["X-CSRFToken"];
    fetch(body.dataset.keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json" }
    })
      .then(function (r) { return r.ok ? r.json() : { authenticated: false }; })
      .then(function (data) { if (data.authenticated) { restart(data.remaining); } else { leave(); } })
      .catch(leave);
  });

  document.body.addEventListener("htmx:afterRequest", function () { restart(timeout); });
  setInterval(tick, 1000);
})();
