// Follows a retraining run. The worker pushes each step over a websocket; while the socket is down
// (Redis gone, a proxy dropping it) the page polls the status URL instead and keeps trying the socket,
// which sends the stored state as soon as it is back. When the run finishes the page offers the
// comparison. `data-transport` on the box says which path the last update came by.
(function () {
  "use strict";
  const box = document.getElementById("retraining-live");
  if (!box || box.dataset.finished === "1") return;
  const set = (id, text) => { const el = document.querySelector(`[data-testid="${id}"]`); if (el) el.textContent = text; };
  let done = false;
  let pollTimer = null;
  let socket = null;
  let retry = 0;

  const apply = (s, transport) => {
    if (done) return;
    box.dataset.transport = transport;
    box.dataset.updates = String(Number(box.dataset.updates || "0") + 1);
    set("retraining-percent", s.percent);
    set("retraining-message", s.message);
    set("retraining-status", s.status_label);
    const bar = document.querySelector('[data-testid="retraining-bar"]');
    if (bar) bar.style.width = `${s.percent}%`;
    if (s.error) { const e = document.querySelector('[data-testid="retraining-error"]'); e.textContent = s.error; e.hidden = false; }
    if (s.status === "succeeded" || s.status === "failed") {
      done = true;
      document.getElementById("retraining-reload").hidden = false;
      if (pollTimer) clearTimeout(pollTimer);
      if (socket) socket.close();
    }
  };

  const poll = () => {
    pollTimer = null;
    if (done) return;
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((s) => apply(s, "polling"))
      .catch(() => {})
      .finally(() => {
        // Only while the socket is down: an open socket brings every change itself.
        if (!done && !pollTimer && (!socket || socket.readyState !== WebSocket.OPEN)) pollTimer = setTimeout(poll, 2000);
      });
  };

  const connect = () => {
    if (done) return;
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(scheme + window.location.host + box.dataset.wsPath);
    } catch (e) {
      socket = null;
      if (!pollTimer) poll();
      setTimeout(connect, 5000);
      return;
    }
    socket.addEventListener("open", () => {
      retry = 0;
      if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; }
    });
    socket.addEventListener("message", (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (message.type === "retraining.state") apply(message, "socket");
    });
    socket.addEventListener("close", (event) => {
      if (done || event.code === 4403) { if (!done && !pollTimer) poll(); return; }
      if (!pollTimer) poll();
      retry += 1;
      setTimeout(connect, Math.min(10000, 500 * 2 ** retry));
    });
  };
  connect();
})();
