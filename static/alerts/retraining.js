// Follows a retraining run: polls its status until it finishes, then offers to show the comparison.
(function () {
  "use strict";
  const box = document.getElementById("retraining-live");
  if (!box || box.dataset.finished === "1") return;
  const set = (id, text) => { const el = document.querySelector(`[data-testid="${id}"]`); if (el) el.textContent = text; };
  const poll = () => {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((s) => {
        set("retraining-percent", s.percent);
        set("retraining-message", s.message);
        set("retraining-status", s.status_label);
        const bar = document.querySelector('[data-testid="retraining-bar"]');
        if (bar) bar.style.width = `${s.percent}%`;
        if (s.error) { const e = document.querySelector('[data-testid="retraining-error"]'); e.textContent = s.error; e.hidden = false; }
        if (s.status === "succeeded" || s.status === "failed") {
          document.getElementById("retraining-reload").hidden = false;
        } else {
          setTimeout(poll, 1000);
        }
      })
      .catch(() => setTimeout(poll, 3000));
  };
  poll();
})();
