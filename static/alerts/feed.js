// Live alert queue: rows rendered by the server arrive over a websocket and are placed in the table.
(function () {
  "use strict";
  const table = document.getElementById("alert-table");
  if (!table) return;
  const body = document.getElementById("alert-rows");
  const statusEl = document.getElementById("feed-status");
  const banner = document.getElementById("new-alerts-banner");
  const params = new URLSearchParams(window.location.search);
  const liveInsert = table.dataset.liveInsert === "1" && !params.get("q") && !params.get("until");
  const minScore = params.get("min_score") ? parseFloat(params.get("min_score")) : null;
  const maxScore = params.get("max_score") ? parseFloat(params.get("max_score")) : null;
  const statuses = params.getAll("status");
  const since = params.get("since") ? new Date(params.get("since")) : null;
  let newest = null;
  let retry = 0;

  // Rows rendered with the page carry local times (+09:00), pushed rows UTC: compare instants, never
  // the strings, or the newest alert (the reconnect's `since`) and the row order go wrong.
  const instant = (iso) => (iso ? Date.parse(iso) : 0);

  function trackNewest(created) {
    if (created && (!newest || instant(created) > instant(newest))) newest = created;
  }
  body.querySelectorAll("tr[data-created]").forEach((tr) => trackNewest(tr.dataset.created));

  function matches(row) {
    if (minScore !== null && row.score < minScore) return false;
    if (maxScore !== null && row.score > maxScore) return false;
    if (statuses.length && !statuses.includes(row.status)) return false;
    if (since && new Date(row.created) < since) return false;
    return true;
  }

  function place(row) {
    trackNewest(row.created);
    const existing = document.getElementById("alert-" + row.id);
    const holder = document.createElement("tbody");
    holder.innerHTML = row.html.trim(); // server-rendered, auto-escaped
    const tr = holder.firstElementChild;
    if (!tr) return;
    if (existing) {
      // Keep the analyst's selection when a row is re-rendered (someone claimed it, say).
      const box = existing.querySelector("input[type=checkbox]");
      const newBox = tr.querySelector("input[type=checkbox]");
      if (box && newBox) newBox.checked = box.checked;
      if (existing.classList.contains("selected")) tr.classList.add("selected");
      existing.replaceWith(tr);
      return;
    }
    if (!matches(row)) return;
    if (!liveInsert) {
      banner.hidden = false;
      return;
    }
    tr.classList.add("fresh");
    // Newest first: insert before the first row created earlier than this one.
    const rows = Array.from(body.children);
    const after = rows.find((r) => instant(r.dataset.created) < instant(row.created));
    body.insertBefore(tr, after || null);
    const empty = document.getElementById("alerts-empty");
    if (empty) empty.hidden = true;
    document.dispatchEvent(new CustomEvent("alerts:row-added", { detail: { id: row.id } }));
  }

  function setStatus(state, text) {
    statusEl.innerHTML = "";
    const dot = document.createElement("span");
    dot.className = "status-dot " + state;
    statusEl.appendChild(dot);
    statusEl.appendChild(document.createTextNode(text));
    statusEl.dataset.state = state;
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    let url = scheme + window.location.host + table.dataset.wsPath;
    if (newest) url += "?since=" + encodeURIComponent(newest);
    const socket = new WebSocket(url);
    socket.addEventListener("open", () => {
      retry = 0;
      setStatus("live", statusEl.dataset.labelLive || "live");
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (message.type === "snapshot" || message.type === "rows") message.rows.forEach(place);
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4403) {
        setStatus("down", statusEl.dataset.labelRefused || "not allowed");
        return;
      }
      setStatus("down", statusEl.dataset.labelReconnecting || "reconnecting…");
      // Back off, but never beyond 5 s: after a server or Redis restart the queue must be live again
      // within seconds, and `since` brings whatever was created meanwhile. Jitter keeps a floor of
      // analysts from reconnecting in lockstep.
      retry = Math.min(retry + 1, 4);
      window.setTimeout(connect, Math.min(5000, 300 * 2 ** retry) * (0.75 + Math.random() / 2));
    });
  }
  connect();
})();
