// "My submissions": rows update live as the worker moves each check along.
(function () {
  "use strict";
  var table = document.getElementById("my-submissions");
  if (!table || !table.dataset.ws || !window.smishingSocket) { return; }
  // `since`: the page's render time, so a reconnect also brings changes older than the catch-up window.
  var path = table.dataset.ws + (table.dataset.since ? "?since=" + encodeURIComponent(table.dataset.since) : "");
  window.smishingSocket(path, function (data) {
    if (data.type !== "submission.state") { return; }
    var row = table.querySelector('tr[data-submission="' + String(Number(data.id)) + '"]');
    if (!row) { return; }
    var holder = document.createElement("tbody");
    holder.innerHTML = data.row_html;  // server-rendered, escaped
    if (holder.firstElementChild) { row.replaceWith(holder.firstElementChild); }
  });
})();
