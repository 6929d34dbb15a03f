"""An employee pastes a smishing text and watches it go from queued to a verdict, live.

Needs the lead's `live_server_url` (ASGI server with websockets + a real Celery worker on the test
database) and `page` (Playwright on /usr/bin/chromium) fixtures.
"""

from __future__ import annotations

import pytest

from smishing.models import SmishingModelVersion

pytestmark = pytest.mark.browser

SMISHING = (
    "[국민건강보험] 건강검진 결과 통보서가 도착했습니다. 확인 http://nhis-kr.xyz/check "
    "<script>alert(1)</script>"
)

# Records every state the verdict box shows, from the first paint on; a reload would wipe it.
RECORDER = """
window.__verdictStates = [];
document.addEventListener("DOMContentLoaded", function () {
  function note() {
    var v = document.querySelector('[data-testid="verdict"]');
    if (!v) { return; }
    var s = v.getAttribute("data-status");
    if (window.__verdictStates[window.__verdictStates.length - 1] !== s) { window.__verdictStates.push(s); }
  }
  note();
  new MutationObserver(note).observe(document.body, { childList: true, subtree: true, attributes: true });
});
"""


def test_employee_sees_progress_then_the_highlighted_verdict_without_reloading(
    live_server_url, page, login, make_user, tiny_artifact
):
    SmishingModelVersion.objects.create(name="tiny-browser", artifact=tiny_artifact, is_active=True)
    make_user("employee", "browser-employee", password="correct-horse-battery")
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)

    login(page, "browser-employee")
    page.goto(f"{live_server_url}/smishing/")
    page.add_init_script(RECORDER)
    page.fill("[data-testid=text]", SMISHING)
    page.click("[data-testid=check]")
    page.wait_for_url("**/smishing/submissions/*/")
    page.evaluate("window.__sameDocument = true")

    page.wait_for_selector('[data-testid="verdict"][data-status="done"]', timeout=30_000)
    states = page.evaluate("window.__verdictStates")
    assert states[0] in ("queued", "analysing"), states
    assert states[-1] == "done"
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"

    marked = page.locator('[data-testid="message"] mark.evidence')
    assert marked.count() >= 1
    assert "nhis-kr.xyz" in " ".join(marked.all_inner_texts())
    assert page.locator('[data-testid="reasons"] li').count() >= 1
    # The <script> in the message is shown as text, never run.
    assert "<script>alert(1)</script>" in page.inner_text('[data-testid="message"]')
    assert dialogs == []
