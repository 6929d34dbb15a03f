"""Structural readings that let the check transfer to real messages (all texts written for these tests)."""

from __future__ import annotations

import pytest

from smishing.engine.active import (
    cluster_sizes,
    diverse_batch,
    margin_uncertainty,
    queue_order,
    queue_priority,
)
from smishing.engine.indicators import extract_indicators, lookalike_of
from smishing.engine.rules import analyse


def codes(text: str) -> set[str]:
    return {hit.code for hit in analyse(text).hits}


@pytest.mark.parametrize(
    "ending",
    [
        "무료수신거부 080-123-4567",
        "무료거부0801234567",
        "거부0801234567",
        "[무료수신거부] 080-123-4567",
        "수신거부 콜백번호 : 080-123-4567",
        "080-123-4567 차단무료",
        "문자수신을 원하지 않으시면 080-123-4567으로 수신거부 요청하여 주시기 바랍니다.",
    ],
)
def test_every_common_form_of_the_free_opt_out_makes_the_lawful_ad_form(ending: str) -> None:
    text = f"[Web발신](광고)봄빛마트 주말 특가 딸기 1+1 {ending}"
    assert "ad_compliant" in codes(text)
    assert "ad_no_optout" not in codes(text)


def test_transport_tags_before_the_marker_do_not_make_it_misplaced() -> None:
    found = codes("[MMS](광고)바른치과 스케일링 할인 무료거부 080-111-2222")
    assert "ad_compliant" in found and "ad_marker_not_at_start" not in found


def test_coupon_words_next_to_a_link_are_ad_content_in_the_lawful_form_but_a_lure_outside_it() -> None:
    assert "benefit_link" not in codes("(광고)하루마켓 쿠폰 도착! 최대 30% bit.ly/aB3dE 무료거부 0801231234")
    assert "benefit_link" in codes("[Web발신]고객님 소비쿠폰 지급 대상입니다 신청 bit.ly/aB3dE")
    # Strong link signals fire whatever the form.
    assert "url_lookalike" in codes("(광고)쿠폰 도착 https://kakaobank-event.top/a 무료거부 0801231234")


def test_symbols_glued_to_a_link_are_not_part_of_it() -> None:
    values = [
        i.value for i in extract_indicators("자세히 https://shop.example.com/a■ 문의 ※ www.hyundo.co.kr▶")
    ]
    assert values == ["https://shop.example.com/a", "www.hyundo.co.kr"]
    glued = [i.value for i in extract_indicators("택배 보관중입니다.bit.ly/ab12 확인:abc.xyz9.cash")]
    assert glued == ["bit.ly/ab12", "abc.xyz9.cash"]


def test_a_brands_own_name_on_another_suffix_is_not_a_look_alike_but_edits_of_it_are() -> None:
    assert lookalike_of("naver.me") is None
    assert lookalike_of("amazon.co.uk") is None
    assert lookalike_of("kakaobank-secure.com") == "kakaobank.com"
    assert lookalike_of("kakaobamk.com") == "kakaobank.com"
    assert lookalike_of("kakaobank.top") == "kakaobank.com"  # own name, but on a TLD scammers favour


def test_anti_fraud_warnings_do_not_fire_the_lures_they_describe() -> None:
    warning = (
        "[Web발신]최근 검찰·금감원을 사칭한 보이스피싱이 늘고 있습니다. 출처가 불분명한 앱 설치는 절대 금지, "
        "주의하시기 바랍니다. 문의 02-123-4567"
    )
    found = codes(warning)
    assert "scam_warning_notice" in found
    assert "prosecutor_callback" not in found
    assert "prosecutor_callback" in codes(
        "서울중앙지검 수사관입니다 귀하 명의 대포통장 사건 연루 02-123-4567 연락 바람"
    )


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("(광고)하늘마트 12월 7일(수)~9일(금) 특가 무료거부 0801234567", "loan_lure"),
        ("(광고)새솔 오피스텔 잔여세대 분양 무료거부 0801234567", "banned_adult"),
        ("(광고)한빛 지역주택조합 발기인 모집 설명회 무료거부 0801234567", "banned_pills"),
        ("[Web발신]한결같은 성원에 감사드립니다. 현대부동산", "loan_lure"),
        ("[바른의원] 우리 아이 발달 검사 예약 안내 1588-1234 문의", "prosecutor_callback"),
    ],
)
def test_ordinary_meanings_of_lexicon_words_fire_nothing(text: str, absent: str) -> None:
    assert absent not in codes(text)


def test_opt_out_number_and_own_domain_are_features() -> None:
    dense = analyse("(광고)[Lumi] 가을 신상 https://www.lumi.co.kr/event 무료거부 0801234567").dense
    assert dense["lawful_ad_form"] == 1.0
    assert dense["url_own_domain"] == 1.0 and dense["url_kr_registered"] == 1.0
    assert analyse("[Lumi] 가을 신상 https://dlx-sale.top/a").dense["url_own_domain"] == 0.0


def test_a_labelling_batch_takes_the_closest_calls_but_one_per_cluster_and_spread_over_classes() -> None:
    uncertainty = margin_uncertainty(
        [[0.5, 0.5], [0.49, 0.51], [0.48, 0.52], [0.9, 0.1], [0.3, 0.7], [0.99, 0.01]]
    )
    clusters = [7, 7, 7, 1, 2, 3]
    predicted = [0, 1, 1, 0, 1, 0]
    batch = diverse_batch(uncertainty, clusters, predicted, 3)
    assert len(batch) == 3 and len(set(batch)) == 3
    assert len({clusters[i] for i in batch}) == 3, "one per near-duplicate cluster"
    assert batch[0] == 0, "the closest call comes first"
    assert {predicted[i] for i in batch} == {0, 1}
    # With fewer clusters than the batch size, the rest still gets filled.
    assert sorted(diverse_batch([0.9, 0.8, 0.7], [1, 1, 1], [0, 0, 0], 3)) == [0, 1, 2]
    with pytest.raises(ValueError):
        diverse_batch([0.5], [1, 2], [0], 1)


def test_an_encoded_blob_is_not_language_to_judge_but_a_code_or_link_still_is() -> None:
    from smishing.engine.model import _Prepared

    def blob(text: str) -> bool:
        return _Prepared(text, use_kiwi=False, ngram_range=(2, 4)).too_short

    assert blob("QmFzZTY0IGVuY29kZWQgdGV4dCB3aXRoIG5vIG1lYW5pbmcgYXQgYWxs")
    assert not blob("Your Google verification code is 583920")
    assert not blob("https://kakaobank-secure-login-verify.top/a")


def test_the_queue_order_is_the_next_batch_then_the_batch_after_it():
    uncertainty = [0.9, 0.89, 0.88, 0.87, 0.5, 0.4, 0.3, 0.2, 0.1]
    clusters = [1, 1, 1, 2, 3, 4, 5, 6, 7]
    predicted = [0, 0, 0, 1, 0, 1, 2, 2, 3]
    order = queue_order(uncertainty, clusters, predicted, batch=3)
    assert sorted(order) == list(range(9))
    first = diverse_batch(queue_priority(uncertainty, clusters), clusters, predicted, 3)
    assert order[:3] == first
    left = [i for i in range(9) if i not in first]
    left_clusters = [clusters[i] for i in left]
    second = diverse_batch(
        queue_priority([uncertainty[i] for i in left], left_clusters),
        left_clusters,
        [predicted[i] for i in left],
        3,
    )
    assert order[3:6] == [left[i] for i in second]
    assert queue_order(uncertainty, clusters, predicted, batch=3, limit=4) == order[:4]
    # What is left is ordered as the queue of what is left: cluster sizes are counted among it.
    rest = [i for i in range(9) if i not in order[:3]]
    again = queue_order(
        [uncertainty[i] for i in rest], [clusters[i] for i in rest], [predicted[i] for i in rest], batch=3
    )
    assert [rest[i] for i in again] == order[3:]


def test_a_close_call_of_a_wave_comes_before_a_closer_call_nobody_else_sent():
    """One label of a wave teaches about every queued copy of it: priority is uncertainty × the
    cluster's size among the candidates, so a 0.5 of a three-report wave (1.5) outranks a lone 0.9.
    Ranked by uncertainty alone, the lone report came first."""
    uncertainty = [0.9, 0.5, 0.45, 0.4, 0.8]
    clusters = ["lone", "wave", "wave", "wave", "other"]
    predicted = [0, 0, 0, 0, 0]
    assert cluster_sizes(clusters) == [1, 3, 3, 3, 1]
    assert queue_priority(uncertainty, clusters) == pytest.approx([0.9, 1.5, 1.35, 1.2, 0.8])
    order = queue_order(uncertainty, clusters, predicted, batch=2)
    assert order[:2] == [1, 0], "the wave's closest call, then the lone coin toss"
    # Its second copy is now in a cluster of two: 0.45 × 2 = 0.9 ties the lone 0.9 (earlier input wins).
    assert order == [1, 0, 2, 4, 3]


def test_before_any_label_the_first_batch_is_the_largest_waves_then_the_closest_calls():
    """Cold start: the shipped model's closest calls are odd cases; a model fitted on a first batch of
    them learns less than one fitted on the biggest waves. Cluster size comes first, uncertainty only
    between clusters of one size; the batches after the first are ordered as without a cold start."""
    uncertainty = [0.99, 0.98, 0.1, 0.1, 0.1, 0.15, 0.15, 0.3, 0.4]
    clusters = ["a", "b", "w5", "w5", "w5", "w5", "w5", "w2", "w2"]
    predicted = [0, 0, 0, 0, 0, 0, 0, 0, 0]
    cold = queue_order(uncertainty, clusters, predicted, batch=2, cold_start=True)
    warm = queue_order(uncertainty, clusters, predicted, batch=2)
    assert cold[:2] == [5, 8], "the five-report wave's closest call, then the two-report wave's"
    assert warm[:2] == [0, 1], "with a fitted model, the coin tosses (0.99 × 1 beats 0.15 × 5)"
    rest = [i for i in range(9) if i not in cold[:2]]
    after = queue_order(
        [uncertainty[i] for i in rest], [clusters[i] for i in rest], [predicted[i] for i in rest], batch=2
    )
    assert cold[2:] == [rest[i] for i in after]
    assert queue_priority([1.0, 0.0], ["x", "y"], cold_start=True) == [1.5, 1.0]
    with pytest.raises(ValueError):
        queue_priority([0.5], ["x", "y"])
