from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from smishing.models import Submission
from tests.smishing.conftest import NORMAL_TEXT, SMISHING_TEXT

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)> 택배 반송 http://evil.example/<b>x</b>'


def _assert_inert(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>x</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_verdict_page_highlights_the_evidence_spans(employee, fake_model, submit, client_for):
    submission = submit(employee, SMISHING_TEXT)
    html = client_for(employee).get(reverse("smishing:detail", args=[submission.pk])).content.decode()
    assert submission.label == "smishing"
    assert '<mark class="evidence" data-reasons="url_unknown_origin">http://nhis-kr.xyz/check</mark>' in html
    assert "출처를 알 수 없는 링크가 있습니다." in html


def test_script_in_a_message_renders_inert_for_submitter_analyst_and_campaign_pages(
    employee, analyst, compliance, fake_model, submit, client_for
):
    first = submit(employee, XSS)
    second = submit(employee, XSS.replace("반송", "반송 예정"))
    first.refresh_from_db()
    assert (
        first.campaign_id is not None
        and first.campaign_id == Submission.objects.get(pk=second.pk).campaign_id
    )
    pages = [
        (employee, reverse("smishing:detail", args=[first.pk])),
        (employee, reverse("smishing:mine")),
        (employee, reverse("smishing:submit")),
        (analyst, reverse("smishing:detail", args=[first.pk])),
        (analyst, reverse("smishing:review")),
        (analyst, reverse("smishing:queue")),
        (analyst, reverse("smishing:campaigns")),
        (analyst, reverse("smishing:campaign_detail", args=[first.campaign_id])),
        (compliance, reverse("smishing:campaign_detail", args=[first.campaign_id])),
    ]
    for user, url in pages:
        response = client_for(user).get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>x</b>" not in html, url
    _assert_inert(client_for(employee).get(reverse("smishing:detail", args=[first.pk])).content.decode())


def test_employee_sees_only_their_own_submissions(make_user, employee, fake_model, submit, client_for):
    other = make_user("employee")
    mine = submit(employee, NORMAL_TEXT)
    theirs = submit(other, "다른 사람의 문자입니다 http://x.example/secret")
    client = client_for(employee)
    assert client.get(reverse("smishing:detail", args=[theirs.pk])).status_code == 404
    listing = client.get(reverse("smishing:mine")).content.decode()
    assert f"#{mine.pk}" in listing and "x.example/secret" not in listing
    assert client.get(reverse("smishing:review")).status_code == 403
    assert client.get(reverse("smishing:campaigns")).status_code == 403


def test_analyst_can_label_and_correct_a_reason(analyst, employee, fake_model, submit, client_for):
    submission = submit(employee, SMISHING_TEXT)
    client = client_for(analyst)
    assert client.get(reverse("smishing:queue")).status_code == 200
    response = client.post(reverse("smishing:label", args=[submission.pk]), {"label": "spam"})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert (submission.analyst_label, submission.label, submission.labelled_by) == ("spam", "spam", analyst)
    client.post(
        reverse("smishing:reason_feedback", args=[submission.pk]),
        {"code": "url_unknown_origin", "is_wrong": "on", "note": "official domain"},
    )
    assert submission.reason_feedback.get().is_wrong
    actions = list(AuditEvent.objects.filter(target_id=str(submission.pk)).values_list("action", flat=True))
    assert "smishing.submission.labelled" in actions and "smishing.reason.corrected" in actions
    # Bad label: clear error, nothing changed.
    client.post(reverse("smishing:label", args=[submission.pk]), {"label": "evil"})
    submission.refresh_from_db()
    assert submission.analyst_label == "spam"
    assert client.get(reverse("smishing:label", args=[submission.pk])).status_code == 405


def test_compliance_reviewer_can_read_but_not_label(compliance, employee, fake_model, submit, client_for):
    submission = submit(employee, SMISHING_TEXT)
    client = client_for(compliance)
    assert client.get(reverse("smishing:review")).status_code == 200
    detail = client.get(reverse("smishing:detail", args=[submission.pk]))
    assert detail.status_code == 200 and 'data-testid="label-form"' not in detail.content.decode()
    assert (
        client.post(reverse("smishing:label", args=[submission.pk]), {"label": "normal"}).status_code == 403
    )
    assert client.get(reverse("smishing:queue")).status_code == 403
    submission.refresh_from_db()
    assert submission.analyst_label == ""


def test_labelling_queue_puts_the_closest_calls_first(analyst, employee, fake_model, submit, client_for):
    sure = submit(employee, NORMAL_TEXT)
    close = submit(employee, "애매한 문자 입니다 연락 주세요")
    html = client_for(analyst).get(reverse("smishing:queue")).content.decode()
    assert html.index(f"#{close.pk}<") < html.index(f"#{sure.pk}<")


@pytest.mark.parametrize("learnt", [False, True], ids=["cold-start", "learnt-from-labels"])
def test_labelling_queue_lists_reports_in_the_order_active_learning_picks_them(
    analyst, employee, fake_model, submit, client_for, learnt
):
    """The page's first rows are the batch `engine.active.queue_order` (the replay's ordering) picks:
    one per campaign and a share of each predicted class, not the ten closest calls of one wave. While
    the active model has learnt from no labelled report, the first batch is the largest campaigns (a
    sure three-report wave comes second); once it has, a close call counts as many times as its
    campaign has queued reports, and that sure wave waits behind the closer lone calls."""
    import re

    from smishing import selectors
    from smishing.engine.active import QUEUE_BATCH, queue_order
    from smishing.models import Campaign, SmishingModelVersion

    SmishingModelVersion.objects.filter(is_active=True).update(
        metrics={"training": {"real_rows": 40}} if learnt else {"training": {}}
    )
    assert selectors.active_model_learnt_from_labels() is learnt
    kinds = ["smishing", "spam", "ad", "normal"]
    rows = [submit(employee, f"대기 중인 문자 {i}번 확인 부탁") for i in range(37)]
    wave = Campaign.objects.create(size=10, label="smishing")
    sure_wave = Campaign.objects.create(size=3, label="ad")
    made = []
    for i, row in enumerate(rows):
        campaign = wave if i < 10 else sure_wave if i >= 34 else None
        predicted = "smishing" if campaign == wave else "ad" if campaign == sure_wave else kinds[i % 4]
        uncertainty = 0.99 - 0.001 * i if campaign == wave else 0.2 if campaign else 0.9 - 0.01 * i
        probabilities = {k: (0.5 if k == predicted else 0.5 / 4) for k in [*kinds, "unknown"]}
        Submission.objects.filter(pk=row.pk).update(
            uncertainty=uncertainty, campaign=campaign, probabilities=probabilities, model_label=predicted
        )
        made.append((row.pk, uncertainty, campaign.pk if campaign else f"submission-{row.pk}", predicted))

    html = client_for(analyst).get(reverse("smishing:queue")).content.decode()
    shown = [int(pk) for pk in re.findall(r">#(\d+)<", html)]
    columns = zip(*[m[1:] for m in made], strict=True)
    expected = [made[i][0] for i in queue_order(*columns, limit=QUEUE_BATCH, cold_start=not learnt)]
    assert shown == expected
    wave_rows = {pk for pk, _, cluster, _ in made if cluster == wave.pk}
    assert len(wave_rows & set(shown)) == 1, "one report of the wave, not ten near-copies"
    assert shown[0] in wave_rows
    sure_rows = {pk for pk, _, cluster, _ in made if cluster == sure_wave.pk}
    sure_at = [i for i, pk in enumerate(shown) if pk in sure_rows]
    if learnt:
        assert sure_at == [] or sure_at[0] > QUEUE_BATCH // 2, "0.2 × 3 waits behind lone calls above 0.6"
    else:
        assert sure_at == [1], "the second-largest campaign comes second"
    by_uncertainty = [m[0] for m in sorted(made, key=lambda m: -m[1])][:QUEUE_BATCH]
    assert shown != by_uncertainty


def test_review_search_finds_by_indicator_and_filters(analyst, employee, fake_model, submit, client_for):
    hit = submit(employee, SMISHING_TEXT)
    miss = submit(employee, NORMAL_TEXT)
    client = client_for(analyst)
    html = client.get(reverse("smishing:review"), {"q": "nhis-kr.xyz"}).content.decode()
    assert f"#{hit.pk}<" in html and f"#{miss.pk}<" not in html
    html = client.get(reverse("smishing:review"), {"label": "normal"}).content.decode()
    assert f"#{miss.pk}<" in html and f"#{hit.pk}<" not in html


@pytest.mark.parametrize("name", ["review", "queue", "campaigns", "models"])
def test_analyst_pages_refuse_anonymous_users(client, name):
    response = client.get(reverse(f"smishing:{name}"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_reason_statistics_show_which_reasons_fire_on_confirmed_normal_messages(
    analyst, employee, fake_model, submit, client_for
):
    from smishing import labelling, selectors

    true_hit = submit(employee, SMISHING_TEXT)
    false_alarm = submit(employee, "회사 공지 http://intranet.example/notice 확인 바랍니다")
    labelling.submission_label(submission_id=true_hit.pk, label="smishing", actor=analyst)
    labelling.submission_label(submission_id=false_alarm.pk, label="normal", actor=analyst)
    stats = {row["code"]: row for row in selectors.reason_hit_stats()}
    assert (stats["url_unknown_origin"]["scam"], stats["url_unknown_origin"]["benign"]) == (1, 1)
    assert stats["url_unknown_origin"]["precision"] == 0.5
    html = client_for(analyst).get(reverse("smishing:models")).content.decode()
    assert 'data-testid="reason-stats"' in html and "url_unknown_origin" in html
