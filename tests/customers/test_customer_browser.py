"""In a real Chromium at 1,280 px: an analyst goes from an alert to the customer page, reads the
charts, filters the transactions with the keyboard alone, and meets a clear message for bad input."""

from __future__ import annotations

import pytest

from smishing.models import Indicator, Submission
from tests.customers.builders import case_with_refund_make, history_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# WCAG 2.1 AA: 4.5:1 for body text. Runs in the page: every visible element with its own text in
# <main> (the Plotly SVG aside), its colour against the first opaque background behind it.
CONTRAST_FAILURES = """() => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = ({r, g, b}) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => { for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a === 1) return c; }
    return {r: 255, g: 255, b: 255, a: 1}; };
  const failures = [];
  for (const el of document.querySelectorAll('main *')) {
    if (el.closest('svg') || el.closest('.visually-hidden')) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const box = el.getBoundingClientRect();
    if (!own || box.width === 0 || box.height === 0) continue;
    const fg = parse(getComputedStyle(el).color), bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 4.5) failures.push(`${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return failures;
}"""

UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('main input, main select, main textarea, main button')]
  .filter((el) => el.type !== 'hidden')
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
  .map((el) => el.outerHTML.slice(0, 80))"""


def _tab_to(page, element_id: str, limit: int = 60) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} cannot be reached with the Tab key")


def test_customer_page_from_an_alert_charts_keyboard_filters_and_bad_input(
    page, live_server_url, login, analyst, employee
) -> None:
    history = history_make(days=40)
    case_with_refund_make(history, owner=analyst)
    report = Submission.objects.create(
        submitted_by=employee, text="국민은행 110-234-567890 입금", status="done", label="smishing"
    )
    Indicator.objects.create(
        submission=report, kind="account", value="110-234-567890", normalized="110234567890", start=5, end=19
    )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Script errors and failed assets count; the favicon and the deliberate 400 of a bad filter not.
    page.on(
        "console",
        lambda m: (
            errors.append(f"{m.text} {m.location.get('url')}")
            if m.type == "error"
            and not str(m.location.get("url", "")).endswith("favicon.ico")
            and "/customers/" not in str(m.location.get("url", ""))
            else None
        ),
    )
    page.set_viewport_size({"width": 1280, "height": 900})

    login(page, "analyst")
    page.goto(f"{live_server_url}/alerts/{history.alerts[0].pk}/")
    page.click("[data-testid=customer-page-link]")
    page.wait_for_selector("[data-testid=customer-name]")
    assert "김*수" in page.inner_text("[data-testid=customer-name]")

    # The three charts draw their data: daily bars, the alerted transaction's marker, hours, categories.
    page.wait_for_selector("[data-figure=time-figure] .barlayer .point", state="attached", timeout=10_000)
    assert page.locator("[data-figure=time-figure] .scatterlayer .point").count() == 1
    assert page.locator("[data-figure=category-figure] .barlayer .point").count() == 3
    assert page.locator("[data-figure=hour-figure] .barlayer .point").count() == 24
    assert page.locator("[data-testid=customer-smishing] tbody tr").count() == 1
    assert page.locator("[data-testid=customer-refunds] tbody tr").count() == 1

    # Works at 1,280 px: nothing wider than the window; every control is labelled; text has contrast.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(CONTRAST_FAILURES) == []

    # Keyboard only: Tab to the amount filter, type, press Enter.
    page.evaluate("window.scrollTo(0, 0); document.activeElement && document.activeElement.blur()")
    _tab_to(page, "id_min_amount")
    page.keyboard.type("100,000")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid=filtered-totals]")
    rows = page.locator("[data-testid=transactions] tbody tr")
    assert rows.count() == 1 and "900,000원" in rows.first.inner_text()

    # A bad filter: a message naming the field, linked to it, and the field marked.
    page.fill("#id_since", "")
    page.fill("#id_min_amount", "a lot")
    page.keyboard.press("Enter")
    summary = page.locator("[data-testid=form-errors]")
    summary.wait_for()
    assert summary.get_attribute("role") == "alert"
    assert "Amount" in summary.inner_text() or "금액" in summary.inner_text()
    summary.locator("a").first.click()
    assert page.evaluate("document.activeElement.id") == "id_min_amount"
    assert page.locator("[data-testid=transactions]").count() == 0
    assert errors == []


def test_transaction_search_leads_to_the_customer_page(page, live_server_url, login, compliance) -> None:
    history = history_make(days=5)
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "compliance")
    page.goto(live_server_url + "/")
    page.get_by_role("navigation", name="Main menu").locator(
        "a[href='/alerts/transactions/']"
    ).click()  # labelled in the reader's language
    page.fill("#id_customer", "C-HIST")
    page.fill("#id_min_amount", "500000")
    page.keyboard.press("Enter")
    rows = page.locator("[data-testid=transactions] tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1 and "C-HIST-NIGHT" in rows.first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate(CONTRAST_FAILURES) == []
    rows.first.locator(f"a[href='/customers/{history.customer.pk}/']").click()
    page.wait_for_selector("[data-testid=customer-name]")
    assert page.locator("[data-testid=transactions] tbody tr").count() == len(history.transactions)
