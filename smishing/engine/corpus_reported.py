# ruff: noqa: E501  (Korean template lines: Hangul counts double towards the limit)
"""More templates, written after the shapes reported messages take rather than the textbook ones.

Reported spam rarely looks like the taxonomy's clean examples: banned offers come dressed as lawful
ads with `(광고)` and an 080 opt-out, words are broken up to dodge filters, loan lures copy the long
formal style of a bank notice, purchase lures give a landline or 050 number instead of a link, and the
legitimate messages people misreport are card approvals, balance alerts, codes and long service
notices. These templates are the project's own wording of those shapes; slots are filled by
`corpus._SLOTS` plus the slots below, and `obfuscate` scrambles words the way spam senders do.
"""

from __future__ import annotations

import random
import string
import zlib
from collections.abc import Callable

from untrusted.text import Match, compile_pattern, fold_digits

_AD = "{ad_head}"  # "(광고)" with or without a [Web발신] tag, sometimes evasive
_OPT = "{opt_line}"  # a free opt-out line in one of its real formats

REPORTED_TEMPLATES: list[tuple[str, str, list[str]]] = [
    # ------------------------------------------------------------------ smishing
    (
        "family_nolink",
        "smishing",
        [
            "{mom} 나 폰 {broke} 서비스센터에 맡겼어 이 번호로 {reply}",
            "{mom}~ 내 폰 {broke} 급하게 할 게 있는데 여기로 {reply}",
            "{mom} 나야 폰 {broke} 문자 어플로 보내는 중이야 보면 {reply}",
            "{mom} 휴대폰 보험 가입하려는데 {mom} 주민등록증 앞면 사진 좀 찍어서 보내줘",
            "{mom} 나 폰 인증을 못 받아서 그러는데 {mom} 폰으로 인증 좀 받아도 돼?",
            "[Web발신]{mom} 나 폰 {broke} {mobile} 이 번호로 카톡 친추하고 톡 줘",
            "{mom} 핸드폰 액정 {broke} PC로 문자 보내 부탁할 게 하나 있어",
            "{mom} 바빠? 폰 {broke} 친구 거 빌렸어 카톡 {handle} 추가해 줘",
        ],
    ),
    (
        "family_giftcard",
        "smishing",
        [
            "{mom} 나 폰 {broke} 급해서 그런데 문화상품권 {n_small}장만 사서 핀번호 사진 찍어 보내줘 나중에 갚을게",
            "{mom} 편의점에서 구글 기프트카드 {amount}어치 사서 뒷면 번호 보내줄 수 있어?",
            "{mom} 친구 선물 사야 해서 그러는데 상품권 핀번호 몇 장만 이 번호로 보내줘",
            "이모 나 {nick}이야 폰 {broke} 상품권 결제 좀 대신 해 줘 핀번호는 문자로 보내주면 돼",
        ],
    ),
    (
        "classmate_parent",
        "smishing",
        [
            "안녕하세요 {name} 엄마예요 반 모임 단톡방 만들려고요 카톡 아이디 {handle} 추가 부탁드려요",
            "{nick} 어머님이시죠? 같은 반 {name} 엄마인데 번호가 바뀌어서요 카톡 {handle}로 친구추가 해 주세요",
            "안녕하세요 학부모 모임 방 초대드리려고 연락드려요 텔레그램 @{handle} 추가해 주시면 초대할게요",
            "{name} 친구 엄마예요~ 아이들 생일 파티 초대장 보내려고요 카톡 아이디 {handle} 친추 부탁해요",
        ],
    ),
    (
        "purchase_callback",
        "smishing",
        [
            "[국제발신] {merchant} 해외결제 {amount} 승인 완료 문의 {p070}",
            "[국외발신] 해외직구 물품 대금 {amount} 결제 확인 통관 관련 문의 {landline}",
            "{amount} 구매 승인 완료 (주문 {digits4}**) 본인 구매가 아니면 {landline} 로 문의",
            "[Web발신] {merchant} 주문 {amount} 결제 처리됨 취소는 고객센터 {p050}",
            "[국제발신] {card} 발급이 신청되었습니다. 본인이 아니면 {p070} 로 연락 바랍니다",
            "[국제발신]{card} 해외 사용 {amount} 승인 카드 분실 신고 {p070}",
            "[국외발신] 고객님 주문 상품 {amount} 결제 완료 주문 취소 문의 {p050}",
            "[Web발신] 회원님 명의로 휴대폰 신규 개통 접수. 본인 아닐 시 즉시 {landline} 신고 바랍니다",
        ],
    ),
    (
        "weird_domain_agency",
        "smishing",
        [
            "[Web발신][{agency}]{notice_doc} 발송 완료 확인:{url_weird}",
            "[{agency}] {notice_doc} 도착 안내 확인하기:{url_weird}",
            "[Web발신]{year}년 {spaced_checkup} 확인:{url_weird}",
            "[국외발신]{agency} 미환급금 조회 바랍니다 {url_short}",
            "[교통민원24] 속도위반 과태료 고지서 전자발송 {url_weird}",
            "[{agency}] 미납 과태료 {amount} 납부기한 경과 고지서 확인 {url_weird}",
        ],
    ),
    (
        "courier_intl",
        "smishing",
        [
            "[국외발신][{courier}] 부재로 택배가 보관 중입니다 {url_short_ko}",
            "[국제발신][{courier}]주소 불일치로 배송 보류 재배송 신청 {url_short_ko}",
            "[{courier_dotted}] 고객님 택배 배송 실패 주소를 다시 입력해 주세요 [ {url_weird} ]",
            "[국외발신][{courier}] 도로명 주소 오류로 물품 보관 중 수령지 변경 ▶ {url_short} ◀",
            "[{courier}] 미수령 택배 안내 담당 기사 확인 {url_weird}",
        ],
    ),
    (
        "gov_loan_lure",
        "smishing",
        [
            "{ad_head}[{gov_program} {loan_kind} 안내]\n고객님은 {gov_program} 지원 대상에 포함되셨으나 신청 내역이 확인되지 않아 다시 알려드립니다.\n- 한도: 최대 {loan_max}\n- 금리: 연 {rate}%\n신청기한 {date}\n문의 {landline}\n{opt_line}",
            "{ad_head}{bank}를 이용해 주셔서 감사합니다.\n정부 {gov_program} 예산에 따라 {loan_kind} 승인 대상이시나 아직 미신청으로 분류되어 재안내 드립니다.\n[상품] 한도 {loan_max} / 금리 {rate}%\n상담 {p070}\n{opt_line}",
            "{ad_head}선정 대상 알림\n[{year} {gov_program} {loan_kind} 비대면 접수]\n소상공인·저소득층 특례보증 지원 대상으로 분류되셨습니다. 마감 전 신청 바랍니다.\n{url}\n{opt_line}",
            "{ad_head}[{bank}] {gov_program} 특별지원 대·출 접수 마감 임박\n승인 대상이시나 신청 이력이 없어 다시 안내드립니다. 접수 후 일주일 내 지급.\n상담 {mobile}\n{opt_line}",
            "{ad_head}고객님 {gov_program} 정책으로 {loan_kind}을 시행 중이며 승인 대상이심을 알려드립니다. 접수 기한 {date} 오후 6시. 카톡 {handle}\n{opt_line}",
        ],
    ),
    (
        "bank_loan_formal",
        "smishing",
        [
            "안녕하세요 {bank}입니다.\n이번 달 심사 기준 완화로 기존 채무 통합과 추가 한도가 가능하십니다.\n[직장인 전용] 한도 {loan_max} 금리 {rate}%\n담당 {mobile}",
            "[{bank}] 고객님 보유 대출 금리 인하 대상 확인. 대환 한도 조회 후 바로 진행됩니다. {name} 팀장 {mobile}",
            "{ad_head}《{bank}》 한시 지원 저.금.리 상품 안내 최대 {loan_max} 상담 {p070}\n{opt_line}",
            "[{bank}] 서민금융 대환 상품 승인 가능 고객으로 확인되어 연락드립니다. 기존 대출 정리 후 추가 한도 가능 {mobile}",
        ],
    ),
    (
        "money_mule",
        "smishing",
        [
            "[Web발신]채권 회수 업무 직원 급구 성별 나이 상관없음 일당 {pay_day} 이상 당일 정산 카톡 {handle}",
            "{ad_head}외근 업무(수거/전달) 단기 인원 구함 처음이셔도 됩니다 일당 {pay_day} 당일 지급 카톡 {handle}\n{opt_line}",
            "집에서 하는 알바 하루 두 시간 일당 {pay_day} 본인 명의 계좌만 있으면 됩니다 텔레 @{handle}",
            "[Web발신]구매대행 재택 업무 모집 입금된 대금을 지정 계좌로 옮기기만 하면 됩니다 일당 {pay_day} 카톡 {handle}",
        ],
    ),
    (
        "partner_portal",
        "smishing",
        [
            "[{shop}] 파트너센터 정산 보류 안내. 판매자 인증 후 정산 가능합니다 {url_newtld}",
            "[{merchant} 파트너스] 입점 계정 보안 점검으로 로그인이 제한되었습니다. 재인증 {url_newtld}",
            "사장님 배달 정산금 {amount} 지급 보류. 사업자 확인 {url_newtld}",
            "[{merchant} 판매자센터] 상품 판매 중지 예정 안내. 소명 자료 제출 {url_newtld}",
        ],
    ),
    (
        "crypto_wallet",
        "smishing",
        [
            "[{exchange}] 고객님 지갑에 {coin_amt} 입금 대기 중 출금 인증 필요 {url}",
            "[{exchange}] 해외 IP 접속으로 계정 잠금 해제하기 {url_brand}",
            "[Web발신]고객님 미청구 잔고 {amount} 남아 있습니다 확인 {url}",
            "[{exchange}] 출금 주소 변경 요청이 접수되었습니다. 본인이 아니면 보안센터 {p070} 로 연락 바랍니다",
        ],
    ),
    (
        "english_callback",
        "smishing",
        [
            "{ebank} Alert: a charge of ${usd} was made on your card. If this wasn't you, call {intl} immediately.",
            "Your {ebank} card has been temporarily blocked. Call our fraud team on {intl} to unblock it.",
            "E-ZPass: you have an unpaid toll of ${usd_small}. Pay now to avoid a late fee: {url}",
            "Toll services: unpaid toll balance ${usd_small}. Settle today {url_newtld}",
            "Amazon: your order of ${usd} is being processed. Not you? Call {intl} to cancel.",
        ],
    ),
    (
        "bank_loan_adform",
        "smishing",
        [
            "{ad_head}『{bank_brand}』 {season}철 건강 유의하시길 바라며 안내드립니다. 정부가 지원하는 채무통합 상품이 한도 소진 시까지 한시적으로 시행됩니다.\n[상품내용]\n1. 최대 {loan_max}\n2. 연 {rate}% 고정\n담당자 {mobile}\n{opt_line}",
            "{ad_head}({bank_brand}){date}대출신청고객님{loan_max}年{rate}%~사용가능하세요{opt_line}",
            "{ad_head}【 {bank_brand_spaced} 】 안내문 당행에서 {date}까지 시행되는 긴급 서민 지원 상품입니다. 자금 소진 시 조기 마감됩니다. 상담 {p070} {opt_line}",
            "{ad_head}{bank_brand} 승인한도 : {loan_max} 연금리 : {rate}% [담당자] 번호 {mobile} *문의가 많아 통화가 어렵습니다 카톡으로 문의주세요 {opt_line}",
            "{ad_head}[{year} {gov_program} 우대금리 대출 지원사업 공고] 서민 경제 회복을 위한 특례지원 대출을 시행하고 있습니다. 지원 대상이시나 미신청으로 확인되어 재안내드립니다. 문의 {landline} {opt_line}",
        ],
    ),
    (
        "courier_glued",
        "smishing",
        [
            "{intl_head}[{courier}]부재중 택배 보관중입니다.{url_short_ko}",
            "{intl_head}[{courier}]주소 오류로 보류되었습니다.재배송 요청은 아래로 문의하세요.{url_short_ko}",
            "[{courier}] 주문하신 물건 도착 예정입니다.{url_short}",
            "{intl_head}[{courier}] 미수취 물품 안내로 연락드립니다 아래 담당자 클릭하셔서 문의주세요 {url_weird}",
            "{intl_head}{courier} 기사 {name}입니다. 주소 기재 오류로 반송 예정입니다. 아래 링크로 톡주세요. {url_short}",
        ],
    ),
    (
        "family_number",
        "smishing",
        [
            "{mom} 안바쁘면 이번호로 문자줘",
            "{mom} 나 번호 바꿨어 이번호로 톡 추가하고 문자 줘~",
            "{mom} 난데 당분간 이번호 사용할 거니까 여기로 문자줘",
            "{mom} 나 폰 통화하다 떨어뜨렸어 이번호로 문자줘~",
            "{mom} 주민증 사진이나 면허증 사진 찍어서 이번호로 보내줘..",
            "{mom}~ 휴대폰 AS 맡겨서 통화가 안돼 컴퓨터 문자로 보냈는데 문자 들어갔어?",
        ],
    ),
    (
        "fine_notice_link",
        "smishing",
        [
            "[Web발신]{violation} 처벌통지서 {url_weird}",
            "[Web발신][교통민원24(이파인)]{violation} 통지서 발송완료 {url_weird}",
            "[Web발신][{agency}]{notice_doc} 발송완료 내용확인:{url_weird}",
            "{intl_head}{violation} 과태료 고지서 확인 {url_short}",
        ],
    ),
    (
        "stock_adform",
        "spam",
        [
            "{ad_head}{stock_hook} {url_short} {opt_line}",
            "{ad_head}{amount_plain}원 → {amount_big}원 당일 {pct}% ↑ {url_weird}{opt_line}",
            "[Web발신]{stock_hook} 문의 {url_short}",
            "{ad_head}{exchange_name} 해외선물 미니 가입 즉시 지원금 {amount_plain}원 레버리지 최대 {n_small}배 {opt_line}",
            "{ad_head}VIP 정보 1주간 무료 공유 퀴즈 이벤트 정답 남겨주세요 {opt_line}",
        ],
    ),
    # ------------------------------------------------------------------ illegal spam
    (
        "gambling_obf",
        "spam",
        [
            "{intl_head}신규 {bonus_table} 매충 {pct}% 무제한 환전 가입코드 {code} {obf_domain}",
            "{ad_head}{casino_word} 첫충 {pct}% 매충 {pct2}% 먹튀 걱정 없는 메이저 놀이터 {obf_domain}\n{opt_line}",
            "{intl_head}{event_word} 문자 확인 회원 {pct}% 추가 지급 {obf_domain} 코드:{code}",
            "{intl_head}{office_word} 신규 오픈 {bonus_table} 전담 관리 {obf_domain}",
            "{ad_head}{casino_word} 새 주소 안내 검색창에 {code} 입력 {opt_line}",
            "{intl_head}가입 즉시 승인 충전 이벤트 {pct2}만 마감 임박 깨톡 {handle} 먼저 톡 주세요",
            "{intl_head}보유 머니 {amount} 환전 신청 가능 아이디 {digits4}{digits4} {obf_domain}",
            "[국외발신] 스포츠 라이브카지노 슬롯 전 종목 입플 {pct}% 페이백 {pct2}% 텔레 @{handle}",
            "{intl_head}결승전 특별 이벤트 첫충 {pct}% {obf_domain} 가입코드 {code}",
            "{ad_head}{casino_word} 신규 회원 꽁머니 {pct2}만 추천코드 {code} {url_short}\n{opt_line}",
        ],
    ),
    (
        "adult",
        "spam",
        [
            "{ad_head}{adult_brand} {p060} 오늘 밤 외로운 {adult_word} 대기 중♡{opt_line}",
            "{ad_head}{adult_brand}{p060_short} 심심하면 전화줘~^^ {opt_line}",
            "{ad_head}♥{region}♥{adult_word}♥초이스 가능♥ {opt_line}",
            "{intl_head}{region} 셔츠룸 {adult_word} 견적 문의 {url_short} 카톡ID {handle}",
            "{region} {adult_word} 출장 24시 {mobile} 전화 주세요 ☎",
            "{ad_head}[{adult_brand}] ♥{age}살 {adult_word}♥ 외로운 오빠 전화해 줘 ☎{p060}\n{opt_line}",
            "{intl_head}{region} 대형 룸 {adult_word} 주대 할인 {url_short} {opt_line}",
        ],
    ),
    (
        "stock_money",
        "spam",
        [
            "{ad_head}{tv_word}에 소개된 부업 한 달 만에 {big_money} {url_short}\n{opt_line}",
            "{ad_head}퇴근 후 한 시간 월{big_money} 만들기 {url_short} {opt_line}",
            "{ad_head}오늘만 VIP 단타 무료 체험방 오픈 {url_short} 입장코드 {digits4} {opt_line}",
            "{ad_head}{obf_stock} {url_short} code:{digits4} {opt_line}",
            "{ad_head}내일 오를 상승주 무료 공개 {url_short} 비번 {digits4} {opt_line}",
            "(광고) 손실 보고 계신 분들께 연락드립니다 이제 혼자 고민하지 마시고 수익 나는 종목 받아 가세요 {url_short}",
            "[Web발신]이번 주 수익 인증 {amount_big} 선착순 마감 {url_short}",
            "{intl_head}{obf_point} 최대 {pct2}만 지급 {obf_domain} 추천코드 {code}",
            "고객님 방금 상담해 드린 {name} 팀장입니다 급등 종목 리딩방 무료 입장 {openchat}",
            "{ad_head}세력 매집 종목 극비 정보 입수 {url_short} {opt_line}",
        ],
    ),
    (
        "lottery",
        "spam",
        [
            "{intl_head}{round_no}회 당첨 예상 번호 나왔습니다 유료 서비스 그만 받으세요 {url_short}",
            "[Web발신]{n_small}개월 연속 2등 배출 업체 당첨 안 되면 전액 환불 부담 없이 받아보세요",
            "고객님 {lotto_brand} {name} 팀장입니다 AI 분석 10조합 매주 보내드립니다 {p1588}",
            "{intl_head}평생 무료 로또 번호! 로.또 조합 매주 무.료 발송 {url_short}",
            "[{lotto_brand}] 매주 10조합 무료 나눔 1등 배출 다수 {url_short}",
        ],
    ),
    (
        "loan_spam",
        "spam",
        [
            "지난번 상담드린 대부 업체입니다 아직 자금 필요하시면 당일 {loan_small} 가능합니다 연락 주세요",
            "대출 문의 남기셨던 분께 연락드립니다 소액 월변 가능하니 필요하시면 답장 주세요",
            "{name} 팀장입니다 비대면으로 바로 대출 진행 가능해서 연락드렸어요 답장 주시면 안내드릴게요",
            "{intl_head}({ad_evasive})작.업.대.출 신용불량 연체 미납 다 가능 안전 진행 카톡 : {handle}",
            "소액결제 정보이용료 현금화 {pct}% 최저 수수료 24시 상담 {mobile}",
            "{intl_head}[통장 임대] 월 {pay_month} 선지급 안전 보장 카카오톡 문의 : {handle}",
            "상품권 매입 핀번호만 보내시면 {n_small}분 안에 입금 24시 카톡 {handle}",
        ],
    ),
    (
        "noncompliant_ad",
        "spam",
        [
            "■ {apt_name} ■ 담당 {name} 실장입니다 ※ 역세권 대단지 ※ 만 19세 이상 누구나 청약 통장 없어도 가능 문의 {mobile}",
            "안녕하세요~ {apt_name} 상담했던 {name} 실장이에요~ 이번 주말 모델하우스 오시면 혜택 챙겨드릴게요~ 도착하시면 전화 주세요",
            "{region} 역 앞 1층 상가 급매 하나 나와서 연락드립니다!!! 분양가 {amount_big} 임차인 확보 완료 {mobile}",
            "[Web발신]안녕하세요 {farm}입니다^^ 올해도 제철 {fruit} 수확했습니다 주문 문자 주시면 택배 보내드려요 {mobile}",
            "({shop} 광고) 이번 달 등록 {n_small}명 한정 ▶ {n_small}개월 {amount} ▶ 사은품 증정 문자 예약 ☎{mobile}",
            "[{shop}] 새해맞이 이벤트 ※ 체성분 무료 측정! PT 등록 시 {amount}!! 문의 {mobile}",
            "[{telco} 대리점 우수고객 안내] 인터넷 TV 바꾸시면 가전 사은품 드립니다 상담 ☎ {optout}",
            "{shop}입니다 가게를 새 단장했어요 ㅎㅎ 단체 모임 예약 받습니다 편하게 오세요!! {region}",
            "[{ad_evasive}] {shop} 전 품목 {pct}% 할인 {mobile}",
            "# 광고 # {shop} 오픈 특가 {pct}% 할인 문의 {mobile}",
        ],
    ),
    (
        "noncompliant_shop",
        "spam",
        [
            "[Web발신]안녕하세요. {shop} {region}점입니다. {season} 신상품 {pct}% 할인 행사합니다.(한정수량) 매장에 방문해 주세요. 감사합니다.",
            "[Web발신]SK 번이/기변 {phone_model} {n_small}/{n_small} KT 번이/기변 {phone_model} {n_small}/{n_small} LG {phone_model} {n_small}/{n_small} 기존 구매 고객 추가 할인 {mobile}",
            "안녕하세요~ {apt_name} {name} 실장입니다~ 방문해 주셔서 감사합니다~ 이번 주말 꼭 다시 오셔서 잔여세대 확인하세요~ 방문 시 전화 주세요 {mobile}",
            "[Web발신]고객님들 잘 지내셨나요?^^ 올해도 {farm}에서 인사드립니다 제철 {fruit} 주문 받아요 선착순 마감 대표 {mobile}",
            "[{shop}] 직수입 건강식품 딱 {n_small}0세트 {pct}% 할인! 서둘러 연락 주세요~ {name} 실장 {mobile}",
            "[Web발신]♥최대 {n_small}0만 당일 지급♥ 인터넷·TV 이동 문의 {p070}",
            "({shop} 광고) 선착순 예약 {n_small}명 남음 ▶ {n_small}개월 {price2} ▶ 상품권 증정 상담 문자 예약 {mobile}",
            "[Web발신]{region} {shop} 입니다 {season} 이벤트 ※ 전품목 {pct}% 세일 ※ 사은품 증정 예약 {landline}",
            "[Web발신]{telco} {region}점 {name} 점장입니다! 이달의 행사폰 안내 출고가 {amount} 실구매가 {amount2}원 상담 {mobile}",
        ],
    ),
    (
        "pills_docs",
        "spam",
        [
            "{intl_head}남성 활력 치료제 정품 처방 없이 1+1 익명 배송 {url_weird}",
            "{ad_head}건설 기술자 경력수첩 필요한 점수만큼 만들어 드립니다 {opt_line}",
            "정품 시알리스 비아그라 익명 배송 당일 발송 {url_short} 카톡 {handle}",
            "{intl_head}졸업증명서 자격증 발급 대행 빠르고 안전하게 텔레 @{handle}",
        ],
    ),
    (
        "piracy_games",
        "spam",
        [
            "{intl_head}최신 드라마 영화 무료 다시보기 {obf_domain} 코드: {code}",
            "{intl_head}PC 모바일 둘 다 되는 {game_word} 게임장 접속 주소☞ {url_weird}",
            "{intl_head}실시간 스포츠 중계 무료 고화질 {obf_domain} 가입 없이 시청",
            "{intl_head}{game_word} 24시 운영 첫 충전 보너스 주소☞ {url_short}",
        ],
    ),
    # Illegal offers in the lawful ad form with almost no words: no business name, address, phone or
    # price, only a site code or handle, a link with an entry code, or a money-growth claim.
    (
        "adform_code_only",
        "spam",
        [
            "{ad_head}{site_name} {site_code} 크롬 안 되면 다른 브라우저로 접속하세요{opt_line}",
            "{ad_head}{casino_soft} 주소 바뀌었어요 {site_code} 검색{opt_line}",
            "{ad_head}{site_name} 오늘도 달려 봅시다 /// {site_code}{opt_line}",
            "{ad_head}신규 {pct}% 무한 하루 종일 {site_code}{opt_line}",
            "{ad_head}쿠폰 발급 중({amount_plain}) 추가 {pct2}만+{n_small}만 {site_code},{opt_line}",
            "{ad_head}{site_name}!톡 {site_code} 첫 충전 {pct}% 드려요{opt_line}",
            "{ad_head}(주){site_name} [{amount_plain}] 지급 {site_code}{opt_line}",
            "{ad_head}{site_name} 타사 충전 내역 증명 시 {pct}% 증정 문의 {site_code} {opt_line}",
            "{intl_head}{site_name} 리뉴얼 완료 접속 {site_code}",
            "{intl_head}{site_name} 돌발 ({time}) ({time2}) {site_code}",
        ],
    ),
    (
        "adform_entry_code",
        "spam",
        [
            "{ad_head}{stock_short} {url_short} 코드{digits4}{opt_line}",
            "{ad_head}{stock_short}{url_short} 암호 {digits4}{opt_line}",
            "{ad_head}무료 입장 {url_short} 입장:{digits4}{opt_line}",
            "{ad_head}{coin_soft} 관망 후 참여 {url_short} 참여:{digits4}{opt_line}",
            "{intl_head}신규 가입 {pct}% 추가 CODE:{digits4} {url_short}",
            "[Web발신]{pct2}만원 드렸어요 연말 선물 뽑으러 입장> {url_weird} code>{digits4}",
        ],
    ),
    (
        "adform_money_growth",
        "spam",
        [
            "{ad_head}{small_money}으로 {large_money} 만들기 {url_short}{opt_line}",
            "{ad_head}{small_money} → {large_money} 당일 {pct}% ↑ {url_weird}{opt_line}",
            "{ad_head}{tv_word} 방영 한 달 {small_money}으로 {large_money}을? {url_short}{opt_line}",
            "{ad_head}휴대폰 하나로 {large_money} 벌기 준비물 {small_money} {url_short}{opt_line}",
            "{ad_head}집에서도 할 수 있어요 월 {large_money} 만들기 {url_short}{opt_line}",
            "[Web발신]기회가 왔습니다 {n_small}일 {amount_big}원 이번이 기회입니다 {url_weird}",
            "[Web발신]언제까지 돈 때문에 고생하실 건가요? 월 {large_money} 버는 방법 {url_short}",
        ],
    ),
    (
        "gambling_schedule",
        "spam",
        [
            "{intl_head}▶{site_name}◀ 제주 {time}~ 부산 {time2}~ 지인 소개 {pct2}% 지급 접속 주소 문의 연락 주세요 {digits4}-{digits4}",
            "▶{site_name}◀ 서울/제주 {time}~ 접속 주소 및 아이디 문의 연락 주세요 {digits4}-{digits4}",
            "{intl_head}[{site_name}] 타임 접속 {pct2}% 구글에서 {site_name} 주소 검색 {time}",
            "{intl_head}{site_name} 리뉴얼 됐습니다 더 좋은 모습으로 가입 문의 {site_code} 카톡",
        ],
    ),
    (
        "lottery_pitch",
        "spam",
        [
            "{lotto_brand} {name} 팀장입니다 오늘이 분석 번호 발급일이니 당첨 데이터 확인하시고 연락 주세요 {p1588}",
            "{n_small}등 재당첨 분석 번호 나갑니다 미당첨 시 환불해 드려요 전화 주세요",
            "[Web발신](주){lotto_brand}입니다 회원님 {round_no}회 {n_small}등 당첨금 {amount} 확인 부탁드립니다 고객센터 {p1588}",
            "회원님 오늘을 마지막으로 연락드립니다 지금 패턴은 쉽게 안 나오는 고등수 당첨 데이터입니다 내일 데이터 파기 전에 받아 가세요",
        ],
    ),
    (
        "pills_short",
        "spam",
        [
            "{intl_head}한국{pharma} <국산 강화제> 한 알로 주말 내내 행복 {url_weird}",
            "스트레스로 인한 부전 {pharma} 한 알로 해결 오늘 하루 반값 {url_weird}",
            "{ad_head}후불제 {pharma} 정 필름 고용량 문자 주세요{opt_line}",
            "{intl_head}{pharma} 정품 활력제 처방전 필요 없어요 익명 택배 {n_small}+1 {url_short}",
        ],
    ),
    (
        "shop_unmarked_more",
        "spam",
        [
            "[Web발신]#{mart}# {grocery} 사전 예약 받습니다 =예약 기간: {date}~{date2} *{grocery} {price} 문자 예약({name} 팀장 {mobile}) 해 주세요",
            "안녕하세요~ {shop} 매니저 {name}입니다 {season} 초대박 행사 있어 알려 드려요 ★{grocery}★ {pct}% 할인 많은 이용 부탁드려요♥",
            "[Web발신]{telco} 번이/기변 {phone_model} {n_small}/{n_small} 기존 구매 고객님께 보내 드리는 특가 문자입니다 오시기 전 재고 문의 주세요^^",
            "[Web발신]안녕하세요 {region} {shop}입니다 {season} 할인 상품 준비했어요★ 많은 사랑 부탁드려요 {ad_url}",
            "[SMS]{shop} 무료 쿠폰 기한이 {n_small}일 남았어요 ({price} 이상 구매 시 사용 가능)",
            "{region} {apt_name} 상가 1층 단 1개 급매물 공급가 {amount_big}원 확정 월세 {price2} 연락 주시면 자료 보내 드립니다",
        ],
    ),
    # ------------------------------------------------------------------ lawful ads (long and short)
    (
        "ad_longform",
        "ad",
        [
            "{ad_head_ok}{mart}\n\n{season} 고객 감사 특가전!!\n\n★★이번 주말까지★★\n\n※{date}~{date2}※\n\n▶{grocery} {price}\n▶{grocery2} {price2}\n▶{grocery3} {price}\n▶{grocery} 1+1 {price2}\n\n문의 {landline}\n{opt_line}",
            "{ad_head_ok}[{telco} 공식대리점] {phone_model} 사전예약 진행 중\n■ 기간: {date}부터 출시 전까지\n■ 혜택: 케이스 증정, 카드 할인 최대 {pct}%\n■ 매장: {shop} {region}점\n상담 {landline}\n{opt_line}",
            "{ad_head_ok}{brand_store} {season} 클리어런스 전 상품 {pct}%~{pct2}% 할인\n기간 {date}~{date2}\n{opt_line}",
            "{ad_head_ok}[{insurer}] 고객님, 노후 준비 연금보험 안내\n- 가입 나이 만 15세~65세\n- 납입 기간 선택 가능\n※ 계약 전 상품설명서와 약관을 확인하시기 바랍니다.\n준법감시인 심의필 제{year}-{digits4}호\n{opt_line}",
            "{ad_head_ok}{butcher} 국내산 한우 {pct}% 할인 목살 {price} 주문 {ad_url} {opt_line}",
            "{ad_head_ok}{apt_name} 민간임대 모집 입주 시까지 이자 지원 견본주택 {landline} {opt_line}",
            "{ad_head_ok}[{card}] 가맹점 사장님 우대 대출 연 {rate}% 자세히 {ad_url} {opt_line}",
            "{ad_head_ok}{golf} 회원 모집 ▶ 주중 무기명 회원권 ▶ 선착순 분양 문의 {landline} {opt_line}",
            "{ad_head_ok}{shop} 신상품 입고 기념 세일 {ad_url} {opt_line} 인증{digits4}",
            "{ad_head_ok}{new_year_greeting} {shop} {name} 드림 {opt_line}",
        ],
    ),
    (
        "ad_everyday",
        "ad",
        [
            "{ad_head_ok}[{clinic}] {season} 맞이 피부관리 첫 방문 {pct}% 할인 예약 {landline} {opt_line}",
            "{ad_head_ok}{academy} 겨울방학 특강 모집 중등 수학·영어 소수정예 상담 {landline}\n{opt_line}",
            "{ad_head_ok}{restaurant} 단체 회식 예약 시 음료 서비스 {date}까지 예약 {ad_url} 문의 {mobile} {opt_line}",
            "{ad_head_ok}[{car_brand} {region} 전시장] 이달의 구매 혜택 최대 {amount} 할인 시승 예약 {landline} {opt_line}",
            "{ad_head_ok}{region} 대리운전 기본요금 {amount} 24시간 카드결제 가능 {p1588} {opt_line}",
            "{ad_head_ok}[{card}] 이번 달 주유 {pct}% 청구할인 이벤트 응모는 앱에서 {ad_url}\n{opt_line}",
            "{ad_head_ok}[{travel}] 제주 2박3일 항공+호텔 {amount}부터 조기 마감 주의 {p1588} {opt_line}",
            "{ad_head_ok}[{insurer}] 다이렉트 자동차보험 만기 전 보험료 비교해 보세요 {p1588} {opt_line}",
            "{ad_head_ok}{apt_name} 견본주택 그랜드 오픈 {region} 분양 문의 {landline}\n{opt_line}",
            "{ad_head_ok}[{savings_bank}] 정기예금 연 {rate}% 특판 한정 판매 영업점 문의 {landline} {opt_line}",
            "{ad_head_ok}[{telco}] 데이터 무제한 요금제 변경 시 첫 달 요금 할인 {p1588} {opt_line}",
            "{ad_head_ok}{shop} 주문 폭주! 1+1 특가 {price2} {ad_url}{opt_line}",
            "{ad_head_ok}{clinic} 이달의 시술 특가 {price2} 상담 예약 카톡 {handle_shop} {opt_line}",
            "{ad_head_ok}{shop} 가을 신상 {pct}% SALE 지금 시작합니다 {ad_url} {opt_line}",
            "{ad_head_ok}{golf} 해외 골프 패키지 3박4일 {amount}부터 {ad_url} {opt_line}",
            "{ad_head_ok}{shop} 회원님 생일 축하 쿠폰 {pct}% 도착 {ad_url} 카톡 채널 문의 {opt_line}",
        ],
    ),
    (
        "ad_truncated",
        "ad",
        [
            "{ad_head_ok}[{brand_app}] 회원님 이번 달 등급 혜택이 오늘 끝나요! ▶ 무료배송 쿠폰 ▶ 적립금 3천원 지금 바로 확인하고",
            "{ad_head_ok}[{brand_app}] 주말 한정 쿠폰 도착! 최대 {pct}% 할인 쿠폰이 오늘 자정에 사라져요 쿠폰함에서",
            "{ad_head_ok}{game_name} 정식 서비스 시작! 지금 접속하시면 출석 보상과 쿠폰을 드립니다 쿠폰 입력은 설정 메뉴에서",
            "{ad_head_ok}{shop} 회원님 오랜만이에요! 접속하신 지 오래되어 휴면 전환 예정입니다 ▶로그인하면 쿠폰",
        ],
    ),
    # ------------------------------------------------------------------ normal (what gets misreported)
    (
        "card_masked",
        "normal",
        [
            "[Web발신]{bank_short}({digits4})승인{name_masked}님{amount}{mmdd} {time}{merchant}잔액{amount2}원",
            "{card}승인 {name_masked} {amount} 일시불 {mmdd} {time} {merchant} 누적{amount2}원",
            "[Web발신]<{bank_short}>{acct_masked} {merchant} 출금{amount_plain} 잔액{amount2}원 {mmdd} {time}",
            "[{bank_short}]{mmdd} {time} {acct_masked} 입금 {amount_plain} {name_masked}",
            "[{card}] {name_masked}님 {mmdd} {merchant} {amount} 승인취소",
            "[Web발신][{point_brand}] 이번 달 {amount_plain}P 소멸 예정 포인트가 있습니다. 앱에서 확인하세요.",
            "[{card_bank}]{name_masked}님 카드({digits4}) {month}월 교통 이용 대금 {amount} {mmdd} 출금 예정입니다.",
        ],
    ),
    (
        "codes",
        "normal",
        [
            "[국제발신]{global_app} 인증 코드 {otp} (5분간 유효)",
            "결제 승인번호 [{otp}] 를 입력하시면 {amount} 결제가 완료됩니다 [{sub_service}]",
            "[Web발신][{shop}] 인증번호는 [{otp}] 입니다.",
            "{global_app} 인증 코드: {otp}. 이 코드를 다른 사람과 공유하지 마세요.",
            "<#> Your {global_app} code is {otp}. Don't share it.",
            "{otp} is your {global_app} verification code.",
            "[Web발신]본인확인 인증번호[{otp}] 타인에게 알려주지 마세요",
        ],
    ),
    (
        "warning",
        "normal",
        [
            "[Web발신]{scam_kind} 사기가 늘고 있습니다.\n- 대출을 권하는 문자는 믿지 마세요.\n- 모르는 주소로 앱을 설치하지 마세요.\n- 검찰, 금감원, 은행은 현금 전달을 요구하지 않습니다.\n피해 신고 경찰청 112",
            "[{gov_office}] 피싱 예방 안내: 금융회사 사칭 대출 문자, 수사기관 사칭 이체 요구, 가족 사칭 상품권 요구에 주의하시기 바랍니다.",
            "[{bank_short}] 스미싱 주의! 택배·청첩장·부고 문자 속 링크를 누르지 마세요. 은행은 문자로 앱 설치를 요구하지 않습니다.",
            "[{telco}] 가족·지인을 사칭한 메신저 피싱 주의 안내. 신분증 사진이나 인증번호를 절대 보내지 마세요.",
        ],
    ),
    (
        "service_notice_long",
        "normal",
        [
            "[Web발신][{brand_app}] 휴면 전환 예정 안내\n{name_masked}님 계정이 {date}에 휴면으로 전환됩니다.\n■ 분리 보관 항목: 회원 가입 시 동의한 정보\n1년 동안 이용하지 않은 계정의 정보는 법령에 따라 따로 보관됩니다.",
            "[Web발신]고객님, 관련 법령에 따라 장기 미이용 회원의 개인정보를 분리 보관할 예정입니다. {date} 전에 로그인하시면 계속 이용하실 수 있습니다.",
            "[Web발신][{utility}] 종이 고지서 대신 모바일 고지서를 신청해 보세요.\n※ 앱 설치: {url_official_short}\n[고객번호: {digits4}-{digits4}]",
            "[{shop}] 배송 출발 {name_masked} 회원님 주문 상품이 오늘 {time}~{time2} 도착 예정입니다. 배송 조회: {official_courier}",
            "[Web발신]{shop} 사장님, 주문({amount}) 한 건이 제한 시간 안에 접수되지 않아 취소되었습니다. 사장님 앱에서 확인해 주세요.",
            "[{savings_bank}] 약관 변경 안내: {date}부터 전자금융거래 이용약관 일부가 변경됩니다. 자세한 내용은 홈페이지 공지사항을 확인하세요.",
            "[Web발신]수강 안내: 신청하신 과정이 시작되었습니다. ▶ 학습 기간은 로그인 후 내 강의실에서 확인 ▶ 문의: {landline}",
            "[Web발신]등록하신 {card} 결제가 실패하여 멤버십 요금이 미납 상태입니다. 결제 수단을 확인해 주세요.",
            "[{telco}] {name_masked} 고객님 {month}월 이용요금은 {amount}이며 {mmdd} 자동이체 예정입니다.",
            "[{gov_office}] {year}년 {civic_event} 안내 - 일시: {date} {time} - 장소: {region} 주민센터 - 많은 참여 부탁드립니다.",
            "[Web발신][{gov_office}] 이번 달은 지방세 납부의 달입니다. 위택스 또는 가까운 은행에서 납부하실 수 있습니다.",
            "안녕하세요 {shop}입니다. 수리 접수하신 제품은 택배로 보내주시고 접수증을 함께 넣어주세요.",
            "수강생 여러분, 내일 온라인 수업 접속 링크가 바뀌었습니다. 단체방 공지 확인 부탁드립니다.",
            "[Web발신][{gov_office}] 주민 만족도 조사에 참여해 주세요 ^^ 온라인 참여: https://naver.me/{code}",
            "[Web발신]{church} 이번 주 행사 신청서 작성 https://naver.me/{code}",
            "[{shop}] 새 주문이 들어왔습니다. 판매자 페이지에서 확인하세요. https://seller.{shop_domain}",
        ],
    ),
    (
        "service_links",
        "normal",
        [
            "[Web발신][{brand_app}] 이달의 멤버십 쿠폰이 발급되었습니다. 혜택을 선택하고 쿠폰을 내려받아 주세요. ▶ 쿠폰함 {ad_url}",
            "[Web발신][{telco}] 고객센터 앱 이용 안내 고객님, 가입해 주셔서 감사합니다. 데이터 잔여량과 요금은 앱에서 확인하실 수 있습니다. {ad_url}",
            "[{research}] 생활 만족도 조사(번호 {digits4})를 진행하고 있습니다. 아래 링크에서 참여하실 수 있습니다. {ad_url}",
            "[Web발신]월회비 결제 실패로 {brand_app} 멤버십이 해지되었습니다. 재가입 신청: {url_short}",
            "[{shop}] 주문하신 상품이 배송을 시작했습니다. 실시간 위치 확인 {ad_url}",
            "[Web발신]{name_masked} 고객님, {travel} 예약 내역 확인 문자입니다. 예약금 입금이 확인되지 않았습니다. 문의 {p1588}",
            "[Web발신][{point_brand}] 지역화폐 사용 안내 누적 사용 {amount_plain}원 잔액 {amount_plain}원 사용기한 {date}",
            "[{bank_short}] {name_masked}님 계좌에 {insurer} 자동이체가 등록되었습니다. 신청하지 않으셨다면 영업점으로 문의해 주세요.",
            "[Web발신][{brand_app}] 로그인 알림: 새 기기에서 로그인되었습니다. 본인이 맞다면 이 문자는 무시하셔도 됩니다.",
            "제 인스타그램 계정 @{handle_shop} 입니다. 사진 올리면 구경 오세요! https://www.instagram.com/{handle_shop}",
            "[Web발신][{gov_office}] 생활지원비 신청 안내 □ 신청 자격: 격리 통지를 받은 분 □ 신청 기관: 주소지 행정복지센터 □ 문의 {landline}",
            "[Web발신]{shop}입니다. 자동차 보험 가입 신청 감사드립니다. 가입 고객 혜택으로 포인트를 지급해 드립니다. 문의 {p1588}",
        ],
    ),
    (
        "personal_short",
        "normal",
        [
            "ㅇㅋ 이따 봐",
            "누구세요? 번호 잘못 보내신 것 같아요",
            "이런 문자 보내지 마세요 신고합니다",
            "사기 치지 마라 경찰에 신고했다",
            "엄마 날씨 추운데 따뜻하게 지내 다음 주 화요일에 갈게",
            "{name}야 택배 왔더라 문 앞에 뒀어",
            "네 알겠습니다 내일 뵙겠습니다",
            "ㅋㅋㅋ 그거 스팸이야 무시해",
        ],
    ),
    (
        "english_service",
        "normal",
        [
            "{shopen}: your receipt is ready in the app. Text STOP to opt out.",
            "{global_app}: new sign-in from {city}. Review it in your account settings.",
            "Your {global_app} verification code is {otp}",
            "Your parcel from {shopen} will be delivered today between {time} and {time2}.",
        ],
    ),
]

_MOMS = ["엄마", "엄마", "아빠", "엉마", "엄마~", "어머니", "아빠!"]
_BROKE = [
    "액정 깨져서",
    "떨어뜨려서 고장 나서",
    "화면이 안 켜져서",
    "물에 빠뜨려서",
    "떨어뜨렸더니 고장났어",
    "액정 나가서",
    "고장 나서",
]
_REPLY = ["답장 줘", "문자 줘", "톡 줘", "답장해 줘", "연락 줘", "문자 보면 답장 좀"]
_AGENCIES = [
    "국민건강보험공단",
    "건강보험관리센터",
    "국민검진센터",
    "건강보험",
    "교통민원24",
    "국세청",
    "경찰청",
]
_NOTICE_DOCS = ["검진 결과지", "건강검진 결과 통보서", "정밀검사 안내문", "벌점 고지서", "환급 대상 안내서"]
_WEIRD_TLDS = [
    "cash",
    "today",
    "media",
    "vin",
    "press",
    "info",
    "top",
    "xyz",
    "shop",
    "site",
    "click",
    "live",
]
_NEW_TLDS = ["partners", "center", "support", "app", "help", "store", "online", "services"]
_GOV_PROGRAMS = [
    "민생안정",
    "생활안정자금",
    "희망플러스",
    "정책지원",
    "소상공인 특례보증",
    "긴급생계비",
    "희망디딤",
]
_LOAN_KINDS = ["특별지원 대출", "긴급생활안정자금 대출", "저금리 대환대출", "재정지원 대출", "추가 대출"]
_EXCHANGES = ["업비트", "빗썸", "코인원", "바이낸스"]
_CASINO_WORDS = ["카지노", "바카라", "토토", "슬롯", "스포츠", "파워볼", "홀덤"]
_EVENT_WORDS = ["월드컵 결승전", "챔스 결승", "한가위 특별", "크리스마스 이벤트", "런칭 기념"]
_OFFICE_WORDS = ["10년 무사고 총판", "메이저 본사", "VIP 전용관", "안전 보증 업체"]
_ADULT_BRANDS = ["달빛친구", "별밤", "핑크하우스", "밤하늘", "체리톡", "달콤"]
_ADULT_WORDS = ["미시", "돌싱", "여대생", "유부녀", "셔츠룸", "가라오케", "하이퍼블릭"]
_REGIONS = ["강남", "대전 둔산동", "부산 서면", "수원 인계동", "광주 상무지구", "인천 구월동", "창원"]
_TV_WORDS = ["SBS", "2TV", "MBC", "종편"]
_LOTTO_BRANDS = ["로또킹", "행운번호연구소", "대박번호", "럭키넘버"]
_APT_NAMES = ["푸른숲 더힐", "센트럴 하이츠", "강변 리버뷰", "한빛 파크레인", "새솔 아이파크"]
_FARMS = ["햇살농장", "푸른과수원", "산들농원"]
_FRUITS = ["단감", "사과", "한라봉", "샤인머스캣"]
_TELCOS = ["KT", "SKT", "LG U+", "SK브로드밴드"]
_MARTS = ["행복한마트", "굿모닝마트", "싱싱마트 중앙점", "알뜰마트 역전점"]
_GROCERIES = [
    "햅쌀 20kg",
    "싱싱란 30구",
    "사골곰탕 500g",
    "커피믹스 170T",
    "라면 멀티팩",
    "한돈 목살 1근",
    "제주 감귤 5kg",
]
_PHONE_MODELS = ["아이폰 17", "갤럭시 S26", "폴드7", "플립7"]
_BRAND_STORES = ["패션아울렛 남부점", "시티몰 2층", "브랜드팩토리 동탄", "스타일플러스"]
_INSURERS = ["삼성화재", "흥국화재", "한화생명", "DB손해보험"]
_BUTCHERS = ["한우명가", "동네정육", "참한우 직판장"]
_GOLF = ["그린힐CC", "레이크뷰CC", "솔바람CC"]
_GREETINGS = ["새해 복 많이 받으세요.", "풍성한 한가위 보내세요.", "따뜻한 연말 보내세요."]
_BRAND_APPS = ["컬리", "배달의민족", "무신사", "29CM", "오늘의집", "요기요"]
_GAME_NAMES = ["별빛전설M", "용의 대지", "스카이나이츠"]
_BANK_SHORT = ["우체국", "새마을금고", "농협", "신한", "KB", "하나", "우리", "IBK"]
_POINT_BRANDS = ["하나머니", "L.POINT", "CJ ONE", "OK캐쉬백"]
_GLOBAL_APPS = ["Mi", "Google", "Microsoft", "Apple", "Amazon", "Instagram", "Discord", "Steam"]
_SUB_SERVICES = ["네이버플러스", "쿠팡와우", "티빙"]
_SCAM_KINDS = ["현금을 직접 받아 가는", "가족 사칭 메신저", "저금리 대환대출 사칭"]
_UTILITIES = ["도시가스", "한국전력", "수도사업소"]
_RESEARCH = ["한빛리서치", "코리아서베이", "여론연구소"]
_CLINICS = ["맑은피부과", "연세바른의원", "새봄한의원", "미소성형외과"]
_ACADEMIES = ["한결학원", "명문수학", "에이플러스 영어"]
_RESTAURANTS = ["한우마을", "바다횟집", "정원갈비", "소담한정식"]
_CAR_BRANDS = ["현대자동차", "기아", "르노코리아", "쉐보레"]
_TRAVELS = ["하나투어", "모두투어", "노랑풍선"]
_SAVINGS = ["한빛저축은행", "새솔저축은행", "OK저축은행"]
_GOV_OFFICES = ["마포구청", "수원시", "강릉시", "해남군"]
_CIVIC = ["해맞이 행사", "주민 설명회", "김장 나눔 행사", "건강 걷기 대회"]
_CHURCHES = ["새빛교회", "청년부", "성당 사목회"]
_CITIES = ["London, GB", "Seoul, KR", "Tokyo, JP"]
_GAME_WORDS = ["바다이야기", "릴게임", "성인오락실"]


def _r(items: list[str]) -> Callable[[random.Random], str]:
    return lambda rng: items[rng.randrange(len(items))]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _word(rng: random.Random, low: int = 3, high: int = 6) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(low, high)))


def _weird_url(rng: random.Random) -> str:
    host = f"{_word(rng, 3, 4)}.{_word(rng, 2, 3)}{rng.randint(0, 9)}{_word(rng, 1, 2)}.{rng.choice(_WEIRD_TLDS)}"
    return rng.choice(["", "http://", "https://"]) + host + rng.choice(["", "", f"/{_word(rng)}"])


def _short_url(rng: random.Random) -> str:
    host = rng.choice(["bit.ly", "han.gl", "vo.la", "ko.gl", "buly.kr", "me2.do", "dokdo.in", "url.kr"])
    return rng.choice(["", "https://", "http://"]) + f"{host}/{_word(rng, 4, 7)}"


def _short_url_ko(rng: random.Random) -> str:
    return f"bit.ly/{rng.choice(['재배송신청', '주소수정', '배송조회', '택배확인'])}"


_CIRCLED = {c: chr(0x24D0 + i) for i, c in enumerate(string.ascii_lowercase)}
_CIRCLED_DIGITS = {str(d): chr(0x2460 + d - 1) for d in range(1, 10)} | {"0": "⓪"}


def _obf_domain(rng: random.Random) -> str:
    base = _word(rng, 2, 4) + rng.choice(["-", ""]) + _digits(rng, rng.randint(2, 4))
    style = rng.random()
    if style < 0.45:
        base = "".join(_CIRCLED.get(c, _CIRCLED_DIGITS.get(c, c)) if rng.random() < 0.7 else c for c in base)
    elif style < 0.65:
        base = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() and rng.random() < 0.6 else c for c in base)
    tld = rng.choice(["com", "com", "net", "cc", "me", "kr"])
    return base + rng.choice([".", " . ", "。"]) + tld


def _ad_url(rng: random.Random) -> str:
    """Links lawful ads carry: the shop's own domain, a blog or band page, or a shortener."""
    style = rng.random()
    name = _word(rng, 4, 9)
    if style < 0.4:
        return rng.choice(["", "www.", "https://"]) + name + rng.choice([".co.kr", ".com", ".kr", ".shop"])
    if style < 0.6:
        return (
            rng.choice(
                [
                    "https://blog.naver.com/",
                    "https://band.us/@",
                    "https://smartstore.naver.com/",
                    "https://pf.kakao.com/_",
                ]
            )
            + name
        )
    return _short_url(rng)


def _new_tld_url(rng: random.Random) -> str:
    brand = rng.choice(["coupang", "baemin", "naver", "smartstore", "toss", "kakao", "yogiyo", "11st"])
    return (
        rng.choice(["https://", ""])
        + f"{brand}-{rng.choice(['partner', 'seller', 'ceo', 'biz'])}.{rng.choice(_NEW_TLDS)}/{_word(rng)}"
    )


def _opt_line(rng: random.Random) -> str:
    number = rng.choice(
        [f"080{_digits(rng, 7)}", f"080-{_digits(rng, 3)}-{_digits(rng, 4)}", f"080{_digits(rng, 8)}"]
    )
    word = rng.choice(["무료거부", "무료수신거부", "무료수신거부 ", "무료거부 ", "수신거부 무료 "])
    return word + number


def _ad_head(rng: random.Random) -> str:
    return rng.choice(["(광고)", "[Web발신](광고)", "[Web발신] (광고)", "(광고) ", "[Web발신]\n(광고)"])


def _intl_head(rng: random.Random) -> str:
    return rng.choice(["[국제발신]", "[국외발신]", "[국외발신]  ", "[Web발신]", "", ""])


def _bonus_table(rng: random.Random) -> str:
    pairs = [(3, 3), (5, 4), (10, 5), (20, 7), (30, 10), (50, 15), (100, 30)]
    start = rng.randrange(0, 3)
    join = rng.choice(["+", "┼", "+"])
    return " ".join(f"{a}{join}{b}" for a, b in pairs[start : start + rng.randint(3, 5)])


def _obf_stock(rng: random.Random) -> str:
    phrase = rng.choice(["단타수익무료공개", "종목분석 적중률1위", "상승주무료공개", "급등종목선착순"])
    sep = rng.choice(["l", "ll", ".", "∨", "_"])
    return sep.join(phrase) if rng.random() < 0.6 else phrase


SLOTS: dict[str, Callable[[random.Random], str]] = {
    "bank_brand": _r(["KB국민", "NH농협", "IBK기업은행", "우리금융", "하나금융", "신한", "KB", "교보증권"]),
    "bank_brand_spaced": _r(["Ｋ Ｂ 국 민", "N H 농 협", "I B K", "우 리 은 행"]),
    "violation": _r(
        [
            "신호등 위반운행",
            "어린이 보호구역 과속 운행",
            "횡단보도 정지선 위반",
            "차량 위반운전",
            "주정차 위반",
        ]
    ),
    "stock_hook": _r(
        [
            "증권가 최전선 소스 공유 매수 타점 공개",
            "오늘 당일실현 500 → 1530",
            "3억 프로젝트 안전한 곳에서 시작",
            "매집 수량 꼭 쥐고 계세요 주포 매집 단가 공개",
            "무료 VIP 정보 나스닥 항생 전문 상담",
            "정부 정책 단독 수혜주 폭등 예고",
        ]
    ),
    "exchange_name": _r(["페이에셋", "퓨처스원", "글로벌선물"]),
    "mom": _r(_MOMS),
    "broke": _r(_BROKE),
    "reply": _r(_REPLY),
    "nick": _r(["지민", "서준", "하린", "민재"]),
    "n_small": lambda r: str(r.randint(2, 10)),
    "landline": lambda r: (
        f"0{r.choice(['2', '31', '32', '41', '42', '51', '53', '62'])}-{r.randint(200, 999)}-{_digits(r, 4)}"
    ),
    "p050": lambda r: f"050{r.randint(2, 8)}-{_digits(r, 4)}-{_digits(r, 4)}",
    "p060": lambda r: r.choice(
        [
            f"060-{_digits(r, 3)}-{_digits(r, 4)}",
            f"06-0{_digits(r, 3)}-{_digits(r, 4)}",
            f"060{_digits(r, 7)}",
        ]
    ),
    "p060_short": lambda r: f"06-09{_digits(r, 6)}",
    "agency": _r(_AGENCIES),
    "notice_doc": _r(_NOTICE_DOCS),
    "spaced_checkup": lambda r: r.choice(["건 강 검 진 결과", "건강검진 결과", "건 강 보 험 환급"]),
    "url_weird": _weird_url,
    "url_short": _short_url,
    "url_short_ko": _short_url_ko,
    "url_newtld": _new_tld_url,
    "obf_domain": _obf_domain,
    "courier_dotted": lambda r: r.choice(["로젠_택배", "CJ대한.통운", "우체국 택.배", "한진택배"]),
    "gov_program": _r(_GOV_PROGRAMS),
    "loan_kind": _r(_LOAN_KINDS),
    "loan_max": lambda r: r.choice(["2억원", "5천만원", "1억원", "3천만원"]),
    "loan_small": lambda r: r.choice(["100~400", "50~300", "최대 500"]),
    "pay_day": lambda r: r.choice(["15만", "30만", "20~30만", "5만~15만", "6만"]),
    "pay_month": lambda r: r.choice(["150", "200", "300"]),
    "exchange": _r(_EXCHANGES),
    "coin_amt": lambda r: f"{r.randint(1, 9)}.{_digits(r, 3)} {r.choice(['BTC', 'ETH', 'USDT'])}",
    "usd_small": lambda r: f"{r.randint(3, 12)}.{_digits(r, 2)}",
    "casino_word": _r(_CASINO_WORDS),
    "event_word": _r(_EVENT_WORDS),
    "office_word": _r(_OFFICE_WORDS),
    "bonus_table": _bonus_table,
    "pct2": lambda r: str(r.choice([3, 5, 10, 15, 20])),
    "adult_brand": _r(_ADULT_BRANDS),
    "adult_word": _r(_ADULT_WORDS),
    "region": _r(_REGIONS),
    "age": lambda r: str(r.randint(21, 39)),
    "tv_word": _r(_TV_WORDS),
    "big_money": lambda r: r.choice(["400만원", "2000만", "4천", "1억"]),
    "amount_big": lambda r: f"{r.randint(1, 99) * 100000 + r.randint(0, 99999):,}",
    "month": lambda r: str(r.randint(1, 12)),
    "obf_point": lambda r: r.choice(["포☆인트", "기프티콘", "포i인트"]),
    "obf_stock": _obf_stock,
    "round_no": lambda r: str(r.randint(1000, 1200)),
    "lotto_brand": _r(_LOTTO_BRANDS),
    "ad_evasive": lambda r: r.choice(["광 고", "광.고", "광고", "廣告", "광­고"]),
    "apt_name": _r(_APT_NAMES),
    "farm": _r(_FARMS),
    "fruit": _r(_FRUITS),
    "telco": _r(_TELCOS),
    "mart": _r(_MARTS),
    "grocery": _r(_GROCERIES),
    "grocery2": _r(_GROCERIES),
    "grocery3": _r(_GROCERIES),
    "price": lambda r: f"{r.randint(1, 99) * 100 - 10:,}원",
    "price2": lambda r: f"{r.randint(10, 600) * 100 - 20:,}원",
    "phone_model": _r(_PHONE_MODELS),
    "brand_store": _r(_BRAND_STORES),
    "insurer": _r(_INSURERS),
    "butcher": _r(_BUTCHERS),
    "golf": _r(_GOLF),
    "new_year_greeting": _r(_GREETINGS),
    "brand_app": _r(_BRAND_APPS),
    "game_name": _r(_GAME_NAMES),
    "bank_short": _r(_BANK_SHORT),
    "card_bank": _r(["카카오뱅크", "토스뱅크", "케이뱅크"]),
    "mmdd": lambda r: f"{r.randint(1, 12):02d}/{r.randint(1, 28):02d}",
    "acct_masked": lambda r: f"{_digits(r, 6)}**{_digits(r, 1)}",
    "amount_plain": lambda r: f"{r.randint(1, 999) * 100:,}",
    "point_brand": _r(_POINT_BRANDS),
    "global_app": _r(_GLOBAL_APPS),
    "sub_service": _r(_SUB_SERVICES),
    "scam_kind": _r(_SCAM_KINDS),
    "utility": _r(_UTILITIES),
    "url_official_short": lambda r: f"http://bit.ly/{_word(r, 6, 7)}",
    "savings_bank": _r(_SAVINGS),
    "gov_office": _r(_GOV_OFFICES),
    "civic_event": _r(_CIVIC),
    "church": _r(_CHURCHES),
    "shop_domain": lambda r: r.choice(["smartstore.naver.com", "wemakeprice.com", "shop.example.kr"]),
    "city": _r(_CITIES),
    "game_word": _r(_GAME_WORDS),
    "clinic": _r(_CLINICS),
    "research": _r(_RESEARCH),
    "ad_url": _ad_url,
    "handle_shop": lambda r: _word(r, 4, 7) + str(r.randint(1, 99)),
    "academy": _r(_ACADEMIES),
    "restaurant": _r(_RESTAURANTS),
    "car_brand": _r(_CAR_BRANDS),
    "travel": _r(_TRAVELS),
    "site_name": _r(
        [
            "별빛",
            "오로라",
            "솔라",
            "블루문",
            "파라다이스",
            "맥스",
            "피에스타",
            "쿨",
            "명문",
            "재벌",
            "알파",
            "한가위",
        ]
    ),
    "site_code": lambda r: (
        "".join(r.choice(string.ascii_lowercase) for _ in range(r.randint(3, 5)))
        + str(r.randint(1, 999)).zfill(r.choice([2, 2, 3]))
    ),
    "casino_soft": _r(["까지노", "카.지.노", "바.카라", "슬.롯", "놀이터", "토.토"]),
    "coin_soft": _r(["b,t,c 코인", "코/인", "B.TC", "COlN"]),
    "stock_short": _r(
        [
            "단타 수익 창출",
            "리딩 시작합니다",
            "극비 정보 입수",
            "상승주 확인",
            "적중률 1위",
            "주식 강의 갑니다 꼭 사세요",
            "이슈 공유",
        ]
    ),
    "small_money": _r(["5만원", "10,000원", "2만원", "3만원", "120,000원", "20만원"]),
    "large_money": _r(["45만원", "400만원", "2000만원", "4860만원", "1억", "천만원", "300만원"]),
    "pharma": _r(["시엘팜", "골드팜", "씨엘제약", "B//C"]),
    "opt_line": _opt_line,
    "ad_head": _ad_head,
    "ad_head_ok": _ad_head,
    "intl_head": _intl_head,
}

# Characters spam senders put inside words.
_FILLERS = [".", "_", "∨", "♥", "☆", "*", "-", "l", "ㅣ", "^", "ㆍ", "'", "?"]
_JAMO_SPELLINGS = {"카": "ㅋr", "이": "ㅇ1", "토": "ㅌㅗ", "지": "ㅈl", "가": "ㄱr", "리": "ㄹl"}
_HANGUL_WORD = compile_pattern("corpus_reported.hangul_word", r"[가-힣]{2,5}")
_LATIN_CODE = compile_pattern("corpus_reported.latin_code", r"\b(?:[A-Z]{3,4}|[A-Za-z]{1,3}-?\d{2,3})\b")
# Sender tags, the ad marker and the opt-out line stay as they are (the rules read them).
_PROTECTED = compile_pattern(
    "corpus_reported.protected",
    r"\[[^\]]{0,12}발신\]|\(광고\)|(?:무료)?\s?(?:수신)?\s?거부\s?(?:무료\s?)?080[\d\-]*",
)


def obfuscate(rng: random.Random, text: str, strength: float) -> str:
    """Break up some Hangul words the way spam senders do; `strength` is the share of words touched."""

    def scramble(match: Match) -> str:
        start, end = match.span()
        word = match.string[start:end]
        if rng.random() > strength:
            return word
        style = rng.random()
        if style < 0.45:
            sep = rng.choice(_FILLERS)
            return sep.join(word)
        if style < 0.65:
            # Some senders space letters out with the fullwidth space (추　천); chosen by the word, not
            # by `rng`, so the corpus draws stay as they were.
            return ("\u3000" if zlib.crc32(word.encode()) % 4 == 0 else " ").join(word)
        if style < 0.85:
            return "".join(_JAMO_SPELLINGS.get(c, c) if rng.random() < 0.6 else c for c in word)
        i = rng.randrange(1, len(word))
        return word[:i] + rng.choice(_FILLERS) + word[i:]

    protected = [m.span() for m in _PROTECTED.finditer(fold_digits(text))]

    def guarded(match: Match) -> str:
        if any(start <= match.start() < end for start, end in protected):
            return match.string[match.start() : match.end()]
        return scramble(match)

    scrambled = _HANGUL_WORD.sub(guarded, text)
    if strength < 0.3:
        return scrambled

    def latin(match: Match) -> str:
        # Brand and site codes in Latin letters get superscript digits (B¹T¹C) or circled digits
        # (AG-⑤⑧); again chosen by the word, so `rng`'s stream is untouched.
        word = match.string[match.start() : match.end()]
        choice = zlib.crc32(word.encode()) % 4
        if choice == 0 and word.isalpha():
            return "\u00b9".join(word)
        if choice == 1 and any(c.isdigit() for c in word):
            return "".join(chr(0x2460 + int(c) - 1) if c in "123456789" else c for c in word)
        return word

    return _LATIN_CODE.sub(latin, scrambled)


def truncate(rng: random.Random, text: str) -> str:
    """Reports of one kind keep only the first 100–140 characters of a message."""
    return text[: rng.randint(100, 140)] if len(text) > 150 else text
