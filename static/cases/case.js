// The SLA countdown on the case page: time left until the refund decision is due.
(function () {
  "use strict";
  const el = document.getElementById("sla-countdown");
  if (!el || !el.dataset.due) return;
  const due = new Date(el.dataset.due);
  const base = el.textContent.trim();
  const state = el.dataset.state;
  if (state === "met" || state === "met_late") return;

  function span(ms) {
    const minutes = Math.floor(Math.abs(ms) / 60000);
    const d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
    const unit = (name, fallback) => el.dataset["unit" + name] || fallback;  // translated on the page
    return (d ? d + unit("Day", "d") + " " : "") + h + unit("Hour", "h") + " " + m + unit("Minute", "m");
  }

  function tick() {
    const left = due.getTime() - Date.now();
    el.textContent = base + " · " + (left >= 0 ? span(left) + " " + el.dataset.labelLeft : el.dataset.labelOver + " " + span(left));
    el.classList.toggle("sla-breached", left < 0);
    el.classList.toggle("sla-warn", left >= 0 && left < 24 * 3600 * 1000);
  }
  tick();
  setInterval(tick, 30000);
})();
