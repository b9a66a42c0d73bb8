// Refresh the dashboard's figures every minute without reloading the page. The page is
// complete without this script; it only keeps the figures current.
(function () {
  var box = document.getElementById("dashboard");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-fragment-url");
  var seconds = parseInt(box.getAttribute("data-refresh"), 10) || 60;
  var stamp = document.getElementById("dashboard-updated");
  var busy = false;

  function refresh() {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch(url, {credentials: "same-origin", headers: {"X-Requested-With": "fetch"}, cache: "no-store"})
      .then(function (response) {
        if (response.status === 401) { window.location.reload(); return null; }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        box.innerHTML = html;
        box.classList.remove("stale");
        var body = box.querySelector(".dashboard-body");
        if (stamp && body) { stamp.textContent = body.getAttribute("data-updated"); }
      })
      .catch(function () { box.classList.add("stale"); })
      .then(function () { busy = false; });
  }

  window.setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { refresh(); } });
  window.trackerDashboardRefresh = refresh;  // lets a test trigger a refresh at once
})();
