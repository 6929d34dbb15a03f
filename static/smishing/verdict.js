// The submitter's verdict page: the server pushes the rendered (auto-escaped) verdict partial.
// The socket stays open after "done": an optional explanation paragraph may follow.
(function () {
  "use strict";
  var box = document.getElementById("verdict-live");
  if (!box || !box.dataset.ws || !window.smishingSocket) { return; }
  window.smishingSocket(box.dataset.ws, function (data) {
    if (data.type !== "submission.state") { return; }
    // Every piece of the message in this HTML was escaped by the server's template engine.
    box.innerHTML = data.html;
  }, function (data) {
    return data.status === "failed" || data.status === "refused";
  });
})();
