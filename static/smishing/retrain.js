// Retraining job page: a live progress bar; the page reloads once to show the evaluation report.
(function () {
  "use strict";
  var box = document.getElementById("retrain-live");
  if (!box || !box.dataset.ws || !window.smishingSocket) { return; }
  var startedFinal = box.dataset.status === "succeeded" || box.dataset.status === "failed";
  var bar = box.querySelector('[data-testid="retrain-bar"]');
  var percent = box.querySelector('[data-testid="retrain-percent"]');
  var message = box.querySelector('[data-testid="retrain-message"]');
  var status = box.querySelector('[data-testid="retrain-status"]');
  window.smishingSocket(box.dataset.ws, function (data) {
    if (data.type !== "retrain.state") { return; }
    var p = Math.round(Number(data.progress) * 100);
    bar.style.width = p + "%";
    bar.parentElement.setAttribute("aria-valuenow", String(p));
    percent.textContent = String(p);
    message.textContent = data.message;
    status.textContent = data.status;
    if (!startedFinal && (data.status === "succeeded" || data.status === "failed")) {
      window.location.reload();
    }
  }, function (data) { return data.status === "succeeded" || data.status === "failed"; });
})();
