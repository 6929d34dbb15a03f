from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from smishing import labelling, selectors
from smishing.models import Campaign, Indicator

ACCOUNT_TEXT = (
    "엄마 나 폰 액정 깨져서 급하게 돈이 필요해. 국민은행 123-456-789012 로 50만원만 보내줘 "
    "010-9876-5432 로 연락줘"
)


def test_indicator_report_counts_feeds_the_fds_in_one_query(make_user, employee, analyst, fake_model, submit):
    first = submit(employee, ACCOUNT_TEXT + " http://bit.ly/a")
    submit(make_user("employee"), ACCOUNT_TEXT + " http://bit.ly/b")
    stored = set(Indicator.objects.filter(submission=first).values_list("kind", "normalized"))
    assert ("account", "123456789012") in stored and ("phone", "01098765432") in stored

    with CaptureQueriesContext(connection) as queries:
        counts = selectors.indicator_report_counts(
            accounts=["123-456-789012", "999999999"], phones=["+82-10-9876-5432", "01000000000"]
        )
    assert len(queries) == 1
    assert counts == {"123456789012": 2, "999999999": 0, "821098765432": 2, "01000000000": 0}

    # A report an analyst calls normal is no evidence against its numbers.
    labelling.submission_label(submission_id=first.pk, label="normal", actor=analyst)
    assert selectors.indicator_report_counts(accounts=["123456789012"], phones=[]) == {"123456789012": 1}


def test_reports_labelled_normal_by_the_model_do_not_count(employee, fake_model, submit):
    submit(employee, "이번 달 회비는 국민은행 123-456-789012 로 보내주세요")  # the fake model calls it normal
    assert selectors.indicator_report_counts(accounts=["123456789012"], phones=[]) == {"123456789012": 0}


def test_indicator_lookup_uses_an_index():
    indexes = {tuple(index.fields) for index in Indicator._meta.indexes}
    assert ("kind", "normalized") in indexes


def test_near_duplicates_join_one_campaign_without_rescanning(employee, fake_model, submit):
    wave = [
        "[CJ대한통운] 고객님 택배가 주소불명으로 반송 예정입니다. 주소 수정 http://cj-post.xyz/a1",
        "[CJ대한통운] 고객님 택배가 주소불명으로 반송 예정입니다. 주소 수정 http://cj-post.top/b2",
        "[CJ대한통운] 고객님의 택배가 주소불명으로 반송 예정입니다. 주소 수정 http://cjpost.cc/c3",
    ]
    reports = [submit(employee, text) for text in wave]
    unrelated = submit(employee, "내일 오후 3시 치과 예약이 있습니다. 변경은 02-123-4567")
    campaign_ids = {type(r).objects.get(pk=r.pk).campaign_id for r in reports}
    assert len(campaign_ids) == 1 and None not in campaign_ids
    campaign = Campaign.objects.get()
    assert campaign.size == 3 and campaign.label == "smishing"
    unrelated.refresh_from_db()
    assert unrelated.campaign_id is None
    similar = selectors.submission_similar(submission=type(reports[0]).objects.get(pk=reports[0].pk))
    assert {other.pk for _score, other in similar} == {reports[1].pk, reports[2].pk}


def test_campaign_page_shows_counts_over_time_chart(analyst, employee, fake_model, submit, client_for):
    text = "[부고] 故 김영수님께서 별세하셨기에 부고를 알려드립니다. 장례식장 안내 http://bit.ly/bugo1"
    submit(employee, text)
    submit(employee, text.replace("bugo1", "bugo2"))
    html = client_for(analyst).get("/smishing/campaigns/").content.decode()
    assert 'id="campaign-figure"' in html and '"type":"bar"' in html.replace(" ", "")
    assert "plotly/plotly.min.js" in html
