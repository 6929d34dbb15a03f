"""The default model on messages of the kinds real reports contain (all written for these tests).

The model is the one the product trains at set-up (generated corpus only), at a smaller corpus size
so the module trains once in reasonable time.
"""

from __future__ import annotations

import pytest

from smishing.engine.clusters import grouped_folds, near_duplicate_clusters
from smishing.engine.lures import fold
from smishing.engine.model import SmishingModel
from smishing.engine.rules import analyse

pytestmark = pytest.mark.slow


SMISHING_KINDS = {
    "family gift-card PIN, no link": "엄마 나 폰 액정이 나가서 친구 폰으로 문자해 급한데 문화상품권 5만원권 3장만 사서 핀번호 찍어 보내줘",
    "international card-issue call-back": "[국제발신] 고객님 명의로 삼성카드 발급이 신청되었습니다. 본인이 아니면 070-8812-4471 로 연락 바랍니다",
    "classmate's parent messenger ID": "안녕하세요 서준이 엄마예요 반 엄마들 단톡방 만들려고 하는데 카톡 아이디 sunny_mom77 추가 부탁드려요",
    "partner portal look-alike on a new TLD": "[쿠팡 파트너스] 판매자 계정 보안 점검으로 정산이 보류되었습니다. 재인증 https://coupang-seller.partners/login",
    "English bank call-back": "Chase Alert: a charge of $742.18 was made on your card. If this wasn't you, call +1 415-555-0199 immediately.",
    "English unpaid toll": "E-ZPass: you have an unpaid toll of $6.85. Pay now to avoid a late fee: https://ezpass-tolls.top/pay",
}


@pytest.mark.parametrize("kind", list(SMISHING_KINDS))
def test_lures_of_each_reported_kind_are_smishing(default_model: SmishingModel, kind: str) -> None:
    text = SMISHING_KINDS[kind]
    verdict = default_model.predict([text])[0]
    assert verdict.label == "smishing", (kind, verdict.label, verdict.probabilities)
    assert verdict.reasons, "a smishing verdict says why"
    for reason in verdict.reasons:
        assert all(text[s.start : s.end] == s.text for s in reason.evidence)


OBFUSCATED_SPAM = [
    "[국제발신]신규 3┼3 5┼4 10┼5 매충 10% 무제한 환.전 가입코드 KING ⓑⓔⓣ-⑦⑦.com",
    "(광고)카 지 노 첫충 20% 토_토 놀ㅇ1터 먹튀 없음 무료거부0801234567",
    "(광고)달밤 060-512-3344 외?로?운 오l빠 전화 줘~ 미시 대기중♡무료거부 0809876543",
    "[Web발신]강남 셔/츠/룸 초이스 가능 주대 할인 카톡ID night777",
]


@pytest.mark.parametrize("text", OBFUSCATED_SPAM)
def test_obfuscated_gambling_and_adult_spam_is_spam(default_model: SmishingModel, text: str) -> None:
    verdict = default_model.predict([text])[0]
    assert verdict.label == "spam", (verdict.label, verdict.probabilities)


LEGITIMATE = [
    "[Web발신]신한카드(1234)승인 김*수님 23,500원 일시불 12/03 12:41 스타벅스 누적 412,300원",
    "[Web발신]<농협> 301**1234 출금 45,000 잔액 1,203,400원 12/03 09:12",
    "[카카오뱅크] 인증번호 [493021]를 입력해 주세요. 타인에게 절대 알려주지 마세요.",
    "Your Google verification code is 583920",
]


@pytest.mark.parametrize("text", LEGITIMATE)
def test_card_approvals_balance_alerts_and_codes_are_normal(default_model: SmishingModel, text: str) -> None:
    verdict = default_model.predict([text])[0]
    assert verdict.label == "normal", (verdict.label, verdict.probabilities)


UNLIKE_ANYTHING = [
    "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt",
    "QmFzZTY0IGVuY29kZWQgdGV4dCB3aXRoIG5vIG1lYW5pbmcgYXQgYWxs",
]


@pytest.mark.parametrize("text", UNLIKE_ANYTHING)
def test_a_text_unlike_anything_in_training_is_not_judged_with_confidence(
    default_model: SmishingModel, text: str
) -> None:
    verdict = default_model.predict([text])[0]
    assert verdict.label == "unknown" or verdict.probability < 0.9, (verdict.label, verdict.probability)


def test_folding_undoes_evasions_and_evidence_is_the_hidden_slice() -> None:
    assert fold("카 지 노").text == "카지노"
    assert fold("토_토").text == "토토"
    assert fold("ㅋr톡 놀ㅇ1터").text == "카톡 놀이터"
    assert fold("ⓑⓒⓡ-００１.com").text == "bcr-001.com"
    # Ordinary compound separators and punctuation between whole words are not obfuscation.
    assert fold("생활안정·경제회복 감사합니다.오늘").inner_fillers == []
    text = "(광고)최고 카 지 노 첫충"
    hit = next(h for h in analyse(text).hits if h.code == "obfuscated_words")
    assert [text[s.start : s.end] for s in hit.evidence] == [s.text for s in hit.evidence]
    assert hit.evidence[0].text == "카 지 노"


def test_a_lawful_ad_with_opt_out_is_not_read_as_obfuscated() -> None:
    text = "(광고)행복마트 ♥주말 특가♥ 한우 30% 할인 ★딸기 1+1★ 무료수신거부 080-123-4567"
    codes = {h.code for h in analyse(text).hits}
    assert "ad_compliant" in codes
    assert not codes & {"obfuscated_words", "obfuscated_text", "banned_adult"}


def test_no_near_duplicate_cluster_straddles_folds() -> None:
    wave = [
        f"[CJ대한통운] 주소 불일치로 택배 보관 중입니다 수정 http://cj-post{i}.top/a{i}" for i in range(6)
    ]
    family = [f"엄마 나 폰 액정 깨져서 수리 맡겼어 이 번호로 답장 줘{'!' * i}" for i in range(6)]
    others = [f"회의 {i}시로 옮겼습니다 자료는 메일 {i}번 확인해 주세요" for i in range(10)] + [
        f"(광고) 가게{i} 할인 행사 {i}0% 무료수신거부 080-000-{1000 + i}" for i in range(10)
    ]
    texts = wave + family + others
    labels = ["smishing"] * 12 + ["normal"] * 10 + ["ad"] * 10
    clusters, folds = grouped_folds(texts, labels, folds=4, threshold=0.5, seed=0)
    assert len(set(clusters[:6])) == 1 and len(set(clusters[6:12])) == 1, "each wave is one cluster"
    for fit, held in folds:
        assert not {clusters[i] for i in fit} & {clusters[i] for i in held}
    assert sorted(i for _fit, held in folds for i in held) == list(range(len(texts)))


def test_clusters_join_only_near_duplicates() -> None:
    texts = [
        "엄마 나 폰 고장나서 문자해 답장줘",
        "엄마 나 폰 고장나서 문자해 답장줘~",
        "(광고) 행복마트 주말 특가 무료수신거부 080-111-2222",
    ]
    clusters = near_duplicate_clusters(texts)
    assert clusters[0] == clusters[1] != clusters[2]


LAWFUL_ADS = [
    # a long MMS flat sale with a price list and a model-house number
    "(광고)▣ 한솔 리버파크 ▣\n초역세권 대단지\n■ 총 612세대 (전용 84㎡)\n■ 계약금 5% / 중도금 전액 무이자\n"
    "▶ 청약 일정: 3/4~3/6\n▶ 견본주택: 시청역 2번 출구\n분양문의 1688-2231\n무료수신거부 080-221-3344",
    # a compact golf-membership broker line with the opt-out glued on
    "(광고)솔숲CC 회원권 매도매수 상담 명의개서 대행 무료거부0801112233",
    # an insurer's agent, with the opt-out written as a sentence
    "[Web발신](광고)[한빛생명 이수진 보험상담사 상품안내] 수술비와 입원비를 함께 보장하는 건강보험입니다. "
    "상담 010-2211-3344 준법감시인 확인필 제2025-0112호 문자수신을 원하지 않으시면 080-900-1234으로 수신거부 요청하여 주시기 바랍니다.",
    # a shop's prize-draw survey with a shortener: coupon words next to a link are the ad's own content
    "(광고)마루가구 설문 참여하면 추첨으로 50만원 경품! (~9/30) bit.ly/3aBcDeF 무료수신거부 080-345-6789",
]


@pytest.mark.parametrize("text", LAWFUL_ADS)
def test_compliant_ads_in_their_real_shapes_are_ads(default_model: SmishingModel, text: str) -> None:
    verdict = default_model.predict([text])[0]
    assert verdict.label == "ad", (verdict.label, verdict.probabilities)


GENUINE_NOTICES = [
    "[Web발신][KT] 안심문자 서비스 가입 결과 안내 고객님께서는 「안심문자」에 가입하셨습니다. 이용요금: 월 1,100원(부가세 포함)",
    "[Web발신]○ 최근 택배사를 사칭한 스미싱이 기승을 부리고 있습니다. 출처가 불분명한 URL은 누르지 마세요. "
    "검찰·금감원은 현금을 요구하지 않습니다. -경찰청-",
    "[국제발신]Microsoft 계정 일회용 코드: 5512093",
    "[Web발신]2025년 새빛교회 <새해 기도제목 제출> https://naver.me/AbCdEfGh",
]


@pytest.mark.parametrize("text", GENUINE_NOTICES)
def test_genuine_notices_with_scam_vocabulary_or_links_are_not_accused(
    default_model: SmishingModel, text: str
) -> None:
    verdict = default_model.predict([text])[0]
    assert verdict.label not in ("smishing", "spam"), (verdict.label, verdict.probabilities)


@pytest.mark.parametrize(
    "text",
    [
        "[국외발신]정하린이에요 전화가 안되니 카톡으로 연락주세요 hr0917 카톡 아이디예요",
        "[Web발신]번호 변경되었어요 아래 카톡주소로 성함 남겨주세요 https://me2.kr/a1b2c",
    ],
)
def test_a_stranger_moving_the_talk_to_a_messenger_over_a_broken_phone_is_a_pretext(text: str) -> None:
    from smishing.engine.rules import analyse

    assert "contact_move_pretext" in {h.code for h in analyse(text).hits}


def test_a_business_announcing_its_new_line_is_no_pretext() -> None:
    from smishing.engine.rules import analyse

    text = "[한빛은행] 고객센터 전화번호가 변경되었습니다 카카오톡 채널에서도 상담 가능합니다"
    assert "contact_move_pretext" not in {h.code for h in analyse(text).hits}


def _codes(text: str) -> set[str]:
    return {h.code for h in analyse(text).hits}


@pytest.mark.parametrize(
    ("text", "evidence"),
    [
        ("아빠 주민등록증 앞뒤로 사진 찍어서 이 번호로 보내줘 내가 대신 신청해줄게", "주민등록증"),
        ("엄마 운전면허증 사진 여기로 보내줘 급해", "운전면허증"),
        ("엄마 부탁인데 이 앱 설치 하고 화면에 뜨는 숫자 10자리 보내줘", "앱 설치"),
    ],
)
def test_a_relative_asking_for_id_photos_or_an_app_install_is_impersonation_without_a_phone_story(
    text: str, evidence: str
) -> None:
    hit = next(h for h in analyse(text).hits if h.code == "family_impersonation")
    assert evidence in {s.text for s in hit.evidence}
    assert all(text[s.start : s.end] == s.text for s in hit.evidence)


def test_a_relative_asking_for_a_reply_only_is_not_impersonation() -> None:
    assert "family_impersonation" not in _codes("엄마 오늘 저녁 뭐 먹을지 답장 줘")


def test_a_prosecutors_office_asking_for_a_call_back_is_flagged_without_a_number() -> None:
    text = "[Web발신]서울중앙지방검찰청입니다. 귀하 명의 계좌가 사건에 연루되어 확인이 필요하니 전화주시기 바랍니다."
    assert "prosecutor_callback" in _codes(text)


@pytest.mark.parametrize(
    "text",
    [
        # A police station about lost property: the police do text people.
        "[Web발신]한빛경찰서입니다. 분실하신 지갑을 보관 중이니 방문 전에 전화주시기 바랍니다.",
        # An anti-fraud warning that names the prosecutors.
        "[한빛은행] 검찰청은 전화로 계좌 이체를 요구하지 않습니다. 사칭 문자에 속지 마세요. 피해 예방 수칙을 확인하세요.",
    ],
)
def test_police_notices_and_warnings_naming_prosecutors_are_not_call_back_lures(text: str) -> None:
    assert "prosecutor_callback" not in _codes(text)


def test_a_wedding_announcement_with_a_shortened_link_is_the_invitation_lure() -> None:
    text = "12월 3일 저희 두 사람 이제 하나되려 합니다. 오셔서 축복해주세요 bit.ly/4kQwE2z"
    hit = next(h for h in analyse(text).hits if h.code == "obituary_wedding_link")
    assert [s.text for s in hit.evidence] == ["저희 두 사람", "bit.ly/4kQwE2z"]


def test_an_ad_about_a_place_where_nature_and_city_become_one_is_no_wedding() -> None:
    text = "자연과 도시가 하나되는 프리미엄 단지 견본주택 오픈 https://example-apt.com"
    assert "obituary_wedding_link" not in _codes(text)


def test_a_courier_notice_with_a_scrambled_link_is_a_delivery_lure() -> None:
    text = "고객님 택배 주소 불명으로 반송 예정입니다 ⓓⓔⓛⓘⓥ-⑦⑦.com 확인"
    codes = _codes(text)
    assert {"obfuscated_link", "delivery_link"} <= codes


def test_gambling_spam_with_a_scrambled_link_and_a_coupon_stays_an_obfuscation_only() -> None:
    text = "첫충 20% 쿠폰 지급 매충 10% ⓑⓔⓣ-⑦⑦.com 가입코드 KING"
    codes = _codes(text)
    assert "obfuscated_link" in codes
    assert not codes & {"delivery_link", "agency_unofficial_link", "benefit_link"}


def test_attack_a_longest_message_of_this_rounds_shapes_is_read_with_grounded_evidence() -> None:
    from untrusted.text import MAX_TEXT_CHARS

    unit = (
        "아빠 주민등록증 사진 찍어 보내줘 엄마 앱 설치 하고 숫자 보내줘 서울중앙지방검찰청입니다 전화주시기 바랍니다 "
        "저희 두 사람 하나되려 합니다 bit.ly/4kQwE2z 택배 반송 ⓓⓔⓛⓘⓥ-⑦⑦.com "
    )
    text = (unit * (MAX_TEXT_CHARS // len(unit) + 1))[:MAX_TEXT_CHARS]
    assert len(text) == MAX_TEXT_CHARS
    hits = analyse(text).hits
    expected = {"family_impersonation", "prosecutor_callback", "obituary_wedding_link", "delivery_link"}
    assert expected <= {h.code for h in hits}
    for hit in hits:
        assert hit.evidence and all(text[s.start : s.end] == s.text for s in hit.evidence), hit.code


@pytest.mark.parametrize(
    "text", ["", "검찰청입니다" * 1000, "엄마" * 2000, "ⓓ" * 2000, "하나되려" * 1000, "주민등록증" * 800]
)
def test_attack_absurd_texts_fire_none_of_this_rounds_rules(text: str) -> None:
    this_round = {"family_impersonation", "prosecutor_callback", "obituary_wedding_link", "delivery_link"}
    assert not _codes(text) & this_round
