// Keeps a report build's page current: asks for the build's state every two seconds, moves
// the progress bar and the stage, and reloads the page once the build is done or failed (the
// page then shows the link, or the error). The page is complete without this script: a
// refresh shows the same.
(function () {
  var box = document.getElementById("report-build");
  if (!box || !window.fetch) { return; }
  var state = box.getAttribute("data-state");
  if (state === "done" || state === "failed") { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("build-progress");
  var percent = document.getElementById("build-percent");
  var stage = document.getElementById("build-stage");

  function show(build) {
    bar.value = build.progress;
    bar.textContent = build.progress + "%";
    percent.textContent = build.progress + "%";
    stage.textContent = build.stage_text +
      (build.rows_total ? " · " + build.rows_done + " / " + build.rows_total : "");
  }

  function poll() {
    fetch(url, {credentials: "same-origin", cache: "no-store",
                headers: {"Accept": "application/json", "X-Requested-With": "fetch"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (build) {
        show(build);
        if (build.state === "done" || build.state === "failed") {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }

  window.setTimeout(poll, 1000);
})();
