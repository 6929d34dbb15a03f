// Keyboard-friendly triage on the alert queue. Rows carry <input name="alert_ids" form="bulk-form">;
// actions post to the per-alert triage endpoint and the queue row is refreshed by the live push.
(function () {
  "use strict";
  const form = document.getElementById("bulk-form");
  if (!form) return;
  const flash = document.getElementById("triage-flash");
  const counter = form.querySelector("[data-count]");
  const triageUrl = (id) => form.dataset.triageUrl.replace(/\/0\/$/, "/" + id + "/");
  const csrf = () => form.querySelector("input[name=csrfmiddlewaretoken]").value;
  let currentId = null;

  const boxes = () => Array.from(document.querySelectorAll('input[name="alert_ids"][form="bulk-form"]'));
  const rows = () => boxes().map((box) => box.closest("tr")).filter(Boolean);
  const rowId = (row) => row.querySelector('input[name="alert_ids"]').value;

  function updateCount() {
    if (counter) counter.textContent = String(boxes().filter((b) => b.checked).length);
  }

  function say(message, ok) {
    if (!flash) return;
    flash.textContent = message;
    flash.classList.toggle("error", !ok);
  }

  function highlight() {
    rows().forEach((row) => row.classList.toggle("kb-current", rowId(row) === currentId));
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    let index = all.findIndex((row) => rowId(row) === currentId);
    index = index < 0 ? 0 : Math.min(all.length - 1, Math.max(0, index + step));
    currentId = rowId(all[index]);
    highlight();
    all[index].scrollIntoView({ block: "nearest" });
  }

  function currentRow() {
    return rows().find((row) => rowId(row) === currentId) || null;
  }

  async function act(action, extra) {
    if (!currentId) { say(form.dataset.noSelection || "j/k: choose an alert first", false); return; }
    const body = new URLSearchParams({ action: action, ...(extra || {}) });
    let response;
    try {
      response = await fetch(triageUrl(currentId), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
        body: body,
      });
    } catch (err) {
      say(String(err), false);
      return;
    }
    const data = await response.json().catch(() => ({ ok: false, message: response.statusText }));
    say(data.message || "", Boolean(data.ok));
    if (data.ok && data.case_url) window.location.assign(data.case_url);
  }

  function dismissReason() {
    const select = document.getElementById("bulk-reason");
    if (select && select.value) return { code: select.value, text: document.getElementById("bulk-reason-text").value };
    const options = select ? Array.from(select.options).filter((o) => o.value) : [];
    const menu = options.map((o, i) => (i + 1) + ". " + o.textContent.trim()).join("\n");
    const answer = window.prompt(menu, "1");
    if (answer === null) return null;
    const chosen = options[parseInt(answer, 10) - 1];
    if (!chosen) return null;
    let text = "";
    if (chosen.value === "other") {
      text = window.prompt(chosen.textContent.trim(), "") || "";
      if (!text) return null;
    }
    return { code: chosen.value, text: text };
  }

  document.addEventListener("change", (event) => {
    if (event.target.matches && event.target.matches('input[name="alert_ids"]')) updateCount();
  });

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target && (target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA", "BUTTON"].includes(target.tagName))) return;
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "x": {
        const row = currentRow();
        if (row) {
          const box = row.querySelector('input[name="alert_ids"]');
          box.checked = !box.checked;
          updateCount();
        }
        break;
      }
      case "o":
      case "Enter": {
        const link = currentRow() && currentRow().querySelector("a[href]");
        if (link) window.location.assign(link.href);
        break;
      }
      case "c": act("claim"); break;
      case "s": act("snooze", { snooze_hours: "4" }); break;
      case "e": act("escalate"); break;
      case "d": {
        const reason = dismissReason();
        if (reason) act("dismiss", { reason_code: reason.code, reason_text: reason.text });
        break;
      }
      case "?": {
        const hint = form.querySelector(".kbd-hint");
        if (hint) hint.classList.toggle("kbd-hint-open");
        break;
      }
      default: return;
    }
    event.preventDefault();
  });

  // Live pushes replace rows; keep the cursor on the same alert.
  new MutationObserver(highlight).observe(document.body, { childList: true, subtree: true });
  updateCount();
})();
