// Follows a running backtest: polls its status and reloads the page once it has finished.
(function () {
  "use strict";
  const box = document.getElementById("backtest-live");
  if (!box || box.dataset.status === "done" || box.dataset.status === "failed") return;
  const bar = box.querySelector("[data-testid=backtest-bar]");
  const percent = box.querySelector("[data-testid=backtest-percent]");
  async function poll() {
    try {
      const response = await fetch(box.dataset.statusUrl, { credentials: "same-origin" });
      if (response.ok) {
        const data = await response.json();
        const value = Math.round(data.progress * 100);
        bar.style.width = value + "%";
        percent.textContent = value;
        if (data.status === "done" || data.status === "failed") {
          window.location.reload();
          return;
        }
      }
    } catch (e) {
      // A dropped request: the next poll tries again.
    }
    window.setTimeout(poll, 700);
  }
  poll();
})();
