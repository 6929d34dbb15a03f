# ruff: noqa: E501  (Korean template and lexicon lines: Hangul counts double towards the limit)
"""Synthetic training corpus: the smishing taxonomy of `docs/smishing.md` and its legitimate look-alikes.

Every template has an id; slots (names, amounts, domains, numbers) and spacing noise are randomised,
so a fair evaluation holds out whole templates (`split_by_template`), never random near-duplicates.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable

from smishing.engine.corpus_lawful import LAWFUL_TEMPLATES, opt_line
from smishing.engine.corpus_lawful import SLOTS as LAWFUL_SLOTS
from smishing.engine.corpus_reported import REPORTED_TEMPLATES, obfuscate, truncate
from smishing.engine.corpus_reported import SLOTS as REPORTED_SLOTS
from smishing.engine.types import Example
from untrusted.text import compile_pattern

# (kind, label, templates). Slots in {braces} are filled by `_SLOTS`.
TEMPLATES: list[tuple[str, str, list[str]]] = [
    # ---------------------------------------------------------------- smishing
    (
        "obituary",
        "smishing",
        [
            "[부고] {name}님의 {relation}께서 별세하셨기에 삼가 알려드립니다. 장례식장 안내 {url}",
            "부고 알림\n故 {name}님께서 {date} 영면하셨습니다. 빈소 및 발인 일정 확인 {url}",
            "{name} 부친상 부고장입니다. 조문 안내 및 장례식장 위치 {url}",
            "[부고] 삼가 고인의 명복을 빕니다. {relation} 별세 모바일 부고장 {url} 마음 전하실 곳 안내",
            "부음 전해드립니다. {name}의 {relation}께서 소천하셨습니다 장례 일정: {url}",
        ],
    ),
    (
        "wedding",
        "smishing",
        [
            "[모바일청첩장] {name} ♥ {name2} 결혼합니다. 초대장 보기 {url}",
            "저희 결혼식에 초대합니다 {date} {time} 모바일 청첩장 확인 {url}",
            "{name}입니다~ 드디어 결혼해요! 청첩장 보내드려요 {url} 꼭 와주세요",
            "청첩장 도착했습니다. 사진 및 오시는길 {url} 확인 부탁드립니다",
        ],
    ),
    (
        "delivery",
        "smishing",
        [
            "[{courier}] 고객님 택배가 주소불명으로 반송 예정입니다. 주소 수정 {url}",
            "{courier} 운송장 {digits10} 배송 주소지 확인 불가로 보관 중. 주소 변경 {url}",
            "[Web발신]\n고객님의 택배가 도로명 주소 오류로 배달 불가합니다. 확인 {url}",
            "배송 중 파손 우려로 물품이 보관 중입니다. 재배송 신청: {url}",
            "[{courier}] 통관 보류 안내: 관세 {amount} 미납. 납부 {url}",
        ],
    ),
    (
        "agency",
        "smishing",
        [
            "[국민건강보험] {name}님 건강검진 결과 통보서가 발송되었습니다. 확인 {url_agency}",
            "[건강보험공단] 건강검진 대상자 안내 및 결과 조회 {url_agency}",
            "[교통민원24] 교통법규 위반 과태료 {amount} 미납 안내. 납부 조회 {url_agency}",
            "[경찰청] 귀하의 차량 속도위반 범칙금 고지서 발송. 확인 {url}",
            "[국세청] 종합소득세 환급 대상입니다. 환급 신청 {url_agency}",
            "[정부24] 주민세 미납으로 압류 예정. 즉시 확인 바랍니다 {url_agency}",
        ],
    ),
    (
        "benefit",
        "smishing",
        [
            "[민생회복] 소비쿠폰 지급 대상자입니다. 신청 {url}",
            "재난지원금 {amount} 지급 대상 안내. 아래 링크에서 신청하세요 {url}",
            "[정부지원] 근로장려금 환급금 {amount} 미수령. 오늘까지 신청 {url}",
            "고객님 포인트 {amount2}P 소멸 예정. 상품권으로 전환 {url}",
            "축하합니다! 경품 당첨되셨습니다. 수령 정보 입력 {url}",
        ],
    ),
    (
        "prosecutor",
        "smishing",
        [
            "서울중앙지검 {name} 수사관입니다. 귀하 명의 대포통장 사건 연루로 연락 바랍니다 {seoul}",
            "[검찰청] 명의도용 범죄 연루 확인. 출석 요구 전 담당 검사 연락 {seoul}",
            "금융감독원입니다. 고객님 계좌가 범죄에 이용되어 안전계좌로 이체가 필요합니다. 문의 {p070}",
            "[사이버수사대] 귀하 명의 휴대폰이 사건에 연루되어 구속영장 청구 예정. 즉시 전화 {seoul}",
            "경찰청 사이버수사과입니다. 명의도용 피해 확인 위해 연락주세요 {p070}",
        ],
    ),
    (
        "family",
        "smishing",
        [
            "엄마 나 폰 액정 깨져서 임시폰으로 문자해. 이 번호로 답장줘",
            "아빠 나야 폰이 고장나서 수리 맡겼어 카톡 친구추가 좀 해줘 {handle}",
            "엄마 휴대폰 깨져서 친구폰 빌렸어 급하게 상품권 결제 좀 해줄 수 있어?",
            "엄마 나 폰 고장나서 이걸로 연락해 신분증 사진이랑 카드 앞뒤 사진 보내줘",
            "누나 나 폰 잃어버려서 임시번호야 급한데 돈 좀 {amount} 보내줘 {account}",
            "아들이야 폰 액정 나가서 컴퓨터로 문자해. 인증번호 오면 알려줘",
        ],
    ),
    (
        "intl_payment",
        "smishing",
        [
            "[국제발신]\n해외결제 {amount} 승인. 본인 아닐 시 문의 {seoul}",
            "[국제발신] {card} 해외승인 {amount} 결제완료 본인 아닐 경우 고객센터 {seoul}",
            "[Web발신]\n{card} 아마존 결제 {amount} 승인되었습니다. 본인 아닐 시 신고 {p070}",
            "[해외발신] 고객님 카드 {amount} 출금 완료. 미사용 시 상담 {intl}",
            "[국제발신] 쿠팡 주문 {amount} 결제 완료. 본인이 아닐 경우 전화 {mobile}",
        ],
    ),
    (
        "callback",
        "smishing",
        [
            "[{merchant}] 배송지 변경 요청이 접수되었습니다. 본인 요청이 아닐 경우 고객센터 {p070}",
            "[{shop}] 회원님 명의로 휴대폰 신규 개통이 접수되었습니다. 본인이 아니면 즉시 연락 {seoul}",
            "[Web발신]\n고객님 명의로 {card} 발급 신청이 완료되었습니다. 본인 신청이 아닐 시 문의 {mobile}",
            "[{merchant}] 주문 취소 및 환불 {amount} 접수. 본인이 아닐 경우 상담센터 {p070}",
        ],
    ),
    (
        "account_takeover",
        "smishing",
        [
            "[네이버] 해외에서 비정상 로그인 시도가 감지되었습니다. 보안 인증 {url_brand}",
            "[카카오] 계정 보호조치 안내. 본인 인증 미완료 시 이용 정지 {url_brand}",
            "고객님 개인정보가 유출되어 계정이 잠금 처리되었습니다. 해제 {url_brand}",
            "[카카오뱅크] 새 기기 로그인 확인. 본인이 아닐 경우 {url_brand} 에서 비밀번호 변경",
            "[토스] 비정상 접속으로 계정이 일시 정지되었습니다 확인 {url_brand}",
        ],
    ),
    (
        "bank_loan",
        "smishing",
        [
            "[{bank}] 정부지원 저금리 대환대출 승인 대상입니다. 신청 {url}",
            "{bank} 특례 보증 서민금융 한도 {amount2}만원 승인. 상담 {url}",
            "[{bank}] 고객님 저금리 대출 한도 조회 결과 안내. 앱 설치 후 진행 {url_apk}",
            "{bank} 햇살론 대상자 선정. 카톡 {handle} 으로 상담 신청",
            "[{bank}] 대환대출 한도 조회 결과 {amount2}만원 승인 가능. 상담은 텔레그램 @{handle}",
        ],
    ),
    (
        "apk",
        "smishing",
        [
            "[경찰청] 스미싱 피해 예방 보안앱 설치 안내 {url_apk}",
            "고객님 청첩장 앱으로 보기 {url_apk}",
            "[{courier}] 배송조회 앱 설치 후 확인 가능 {url_apk}",
            "보안 업데이트가 필요합니다. 앱 다운로드 {url_apk}",
        ],
    ),
    (
        "english_smishing",
        "smishing",
        [
            "USPS: Your package could not be delivered due to an incomplete address. Update here: {url}",
            "Hi Mum, I dropped my phone and this is my new number. Can you text me back? I need help paying a bill",
            "Your {ebank} account has been locked due to unusual sign-in activity. Verify your account: {url_brand}",
            "Toll payment overdue: pay ${usd} within 24 hours to avoid a fine {url}",
            "IRS: You are eligible for a tax refund of ${usd}. Claim now {url}",
            "Apple ID: your account was suspended. Confirm your details at {url_brand}",
            "HMRC: you are due a tax refund of £{usd}. Submit your claim here {url}",
            "DMV notice: your driving licence will be suspended over an unpaid fine. Pay today at {url}",
        ],
    ),
    # ---------------------------------------------------------------- illegal spam
    (
        "gambling",
        "spam",
        [
            "신규가입 첫충 30% 매충 10% 스포츠 토토 먹튀없는 메이저 {url}",
            "바카라 카지노 슬롯 24시 충전 보너스 지급 가입코드 {code} {url}",
            "(광 고) 해외배팅 사이트 안전놀이터 첫충 20% 텔레그램 @{handle}",
            "파워볼 실시간 배팅 신규 5만 지급 문의 카톡 {handle}",
        ],
    ),
    (
        "illegal_loan",
        "spam",
        [
            "무직자 신불자 당일 대출 가능 무서류 무담보 {mobile}",
            "급전 필요하신 분 연체자 가능 누구나 대출 문의 카톡 {handle}",
            "[광고] 저신용 대출 가능 당일 입금 일수 상담 {mobile}",
            "작업대출 100% 승인 신용불량자 가능 텔레 {handle}",
        ],
    ),
    (
        "drugs",
        "spam",
        [
            "비아그라 시알리스 정품 처방전 없이 당일 배송 {url}",
            "발기부전 치료제 정력제 최저가 익명 배송 카톡 {handle}",
            "(광.고) 다이어트 약 식욕억제제 처방전 없이 구매 {url}",
            "수면제 졸피뎀 구합니다 판매 텔레그램 @{handle}",
        ],
    ),
    (
        "stock_leading",
        "spam",
        [
            "[VIP 리딩방] 이번 주 급등주 무료 추천 수익 보장 오픈채팅 {openchat}",
            "주식 리딩방 회원 300% 수익 달성 원금 보장 상담 카톡 {handle}",
            "(광고) 코인 리딩 전문가 무료 종목 추천 입장 {openchat}",
            "월 고수익 보장 주식 투자 전문가 1:1 리딩 텔레그램 @{handle}",
            "[Web발신]\n급등주 종목 추천 적중률 90% 수익 보장 {url}",
        ],
    ),
    (
        "evasive_ad",
        "spam",
        [
            "(광 고) {shop} 전 품목 {pct}% 할인 특가 이벤트 {url}",
            "[광고] {shop} 신규 가입 시 {amount} 적립 혜택 문의 {mobile}",
            "(광.고) {shop} 오픈 기념 선착순 무료 체험 {url}",
            "{shop} 겨울 세일 최대 {pct}% 할인 이벤트 진행 중 {url} 매장 문의 {mobile}",
            "(광고) {shop} 이번 주 특가 {pct}% 할인 구매 {url}",
        ],
    ),
    (
        "messenger_lure",
        "spam",
        [
            "안녕하세요 부업 재택 알바 모집합니다 일 {amount} 가능 카톡 ID {handle}",
            "고수익 부업 하실 분 오픈채팅 {openchat} 입장",
            "심심하면 연락줘 라인 ID {handle} 사진 보내줄게",
            "투자 정보 공유방 초대합니다 텔레그램 @{handle} 로 DM 주세요",
        ],
    ),
    (
        "english_spam",
        "spam",
        [
            "WINNER! You have been selected to receive a £{usd} cash prize. Call {intl} now to claim",
            "Online casino: 200% bonus on your first deposit, free spins daily {url}",
            "Need cash fast? Payday loan approved in minutes, no credit check. Text LOAN to {mobile}",
            "Guaranteed profits! Join our VIP crypto signals group on Telegram @{handle}",
            "FREE entry to win a brand new iPhone! Txt WIN to 8{digits4} now. T&C apply",
            "URGENT! Your mobile number has won a £{usd} bonus. To claim call 09{digits4}{digits4} now",
            "Congratulations, you have been selected for a free holiday. Call {intl} to claim your prize",
            "Hot singles in your area want to chat! Text DATE to 8{digits4}. £1.50/msg",
            "Make $5000 a week from home! Limited spots, reply YES or visit {url}",
        ],
    ),
    # ---------------------------------------------------------------- lawful ads
    (
        "compliant_ad",
        "ad",
        [
            "(광고) {shop}\n{season} 시즌 전 품목 {pct}% 할인! 매장 방문 시 사은품 증정\n문의 {p1588}\n무료수신거부 {optout}",
            "(광고)[{shop}] 회원님만을 위한 {pct}% 할인 쿠폰이 발급되었습니다. {official_url}\n무료거부 {optout}",
            "(광고) {shop} 신메뉴 출시 기념 이벤트 {date}까지 {pct}% 할인 주문 {seoul} 무료수신거부 {optout}",
            "(광고) {bank} 고객님, 연 {rate}% 정기적금 특판 안내. 가입은 영업점 또는 앱에서. 문의 {p1588} 무료수신거부 {optout}",
            "(광고) {shop} 헬스 PT 10회 등록 시 2회 추가 혜택. 상담 {mobile}\n무료수신거부 {optout}",
            "(광고) {shop} 겨울 신상품 입고 안내 회원 적립금 {amount} 지급 {official_url} 무료 수신거부 {optout}",
            "(광고)\n[{shop}] 주말 특가 안내\n- 전 상품 {pct}% 할인\n- 기간: {date}\n문의: {p1588}\n무료수신거부: {optout}",
            "(광고) {shop} 영어 학원 신규 수강생 모집 무료 레벨테스트 {seoul} 무료수신거부 {optout}",
        ],
    ),
    (
        "english_ad",
        "ad",
        [
            "{shopen}: Winter sale, {pct}% off everything this weekend. Reply STOP to opt out",
            "{shopen} members get double points until Sunday. Details in the app. Text STOP to unsubscribe",
            "Your local {shopen} store is now open on Sundays. Show this text for {pct}% off. Reply STOP to opt out",
            "{shopen} weekend deal: buy one, get one free on all drinks. Txt STOP to opt out",
        ],
    ),
    # ---------------------------------------------------------------- normal (legitimate look-alikes)
    (
        "card_approval",
        "normal",
        [
            "[Web발신]\n{card} 승인 {name_masked} {amount} 일시불 {date} {time} {merchant} 누적 {amount2}원",
            "{card}({digits4}) 승인 {amount} {merchant} {date} {time}",
            "[{card}] {name_masked}님 {merchant} {amount} 결제 승인 ({date} {time})",
            "{card} 체크승인 {name_masked} {amount} {date} {time} {merchant} 잔액 {amount2}원",
            "[Web발신]\n{card} 해외승인 {name_masked} USD {usd}.00 {date} {time} AMAZON.COM",
        ],
    ),
    (
        "otp",
        "normal",
        [
            "[Web발신]\n[{bank}] 인증번호 [{otp}]를 입력해 주세요. 타인에게 절대 알려주지 마세요.",
            "[카카오] 인증번호 {otp} 를 입력하세요. 본인이 요청하지 않았다면 무시하세요.",
            "[{shop}] 본인확인 인증번호({otp})입력시 정상처리 됩니다.",
            "Your verification code is {otp}. Do not share it with anyone.",
            "[네이버] 로그인 인증번호 {otp} 입니다. 3분 내 입력해 주세요.",
        ],
    ),
    (
        "delivery_notice",
        "normal",
        [
            "[{courier}] 고객님의 상품이 오늘 {time}~{time2} 사이 배송 예정입니다. 배송기사 {mobile}",
            "{courier} 택배 배송 완료 안내. 현관 앞에 두었습니다. 감사합니다.",
            "[{courier}] 운송장 {digits10} 상품이 집화 처리되었습니다.",
            "고객님 택배 경비실에 맡겨두었습니다 - {courier} 기사 드림",
            "[{shop}] 주문하신 상품이 출고되었습니다. 배송조회는 앱에서 확인하실 수 있습니다.",
        ],
    ),
    (
        "obituary_genuine",
        "normal",
        [
            "[부고] {name}님의 {relation}께서 {date} 별세하셨습니다. 빈소: {hall} 발인: {date2} 상주 {name2}",
            "부고 전합니다. {name} 부친상, {hall}, 발인 {date2} 오전 {time}. 마음으로 위로 부탁드립니다.",
            "삼가 알려드립니다. {name2} 님 모친께서 별세하셨습니다. 장례식장 {hall}",
            "{name}입니다. 갑작스러운 부고 소식 전합니다. {relation} 장례는 {hall}에서 가족장으로 치릅니다.",
        ],
    ),
    (
        "wedding_genuine",
        "normal",
        [
            "{name}입니다! 저 {date}에 결혼합니다. {hall2} {time} 시간 되시면 와주세요",
            "청첩장 겸 연락드려요. {name} ♥ {name2} {date} {time} {hall2}에서 식 올립니다.",
            "결혼식 안내드립니다. 일시 {date} {time}, 장소 {hall2}. 축하해 주시면 감사하겠습니다.",
            "선배님 저 결혼해요~ 다음주에 청첩장 드리러 찾아뵐게요!",
        ],
    ),
    (
        "appointment",
        "normal",
        [
            "[{hospital}] {name}님 {date} {time} 진료 예약되어 있습니다. 변경 문의 {seoul}",
            "{hospital} 예약 안내: {date} {time} 내원 부탁드립니다.",
            "[{hospital}] 내일 {time} 스케일링 예약 일정 안내드립니다. 감사합니다.",
            "Reminder: your appointment at {hospitalen} is on {date_en} at {time}. Call {seoul} to reschedule.",
            "[{shop}] {date} {time} 방문 예약이 확정되었습니다.",
        ],
    ),
    (
        "personal",
        "normal",
        [
            "엄마 오늘 저녁 먹고 들어갈게 늦어",
            "아빠 나 도착했어 집에 가는 중",
            "{name}아 내일 몇 시에 만날까? 강남역 {time} 어때",
            "회의 자료 메일로 보냈습니다 확인 부탁드려요",
            "누나 생일 축하해! 선물은 주말에 줄게",
            "오늘 점심 같이 드실래요? 회사 앞 김치찌개집",
            "Running 10 minutes late, see you at the cafe",
            "Can you pick up milk on your way home?",
        ],
    ),
    (
        "bank_notice",
        "normal",
        [
            "[Web발신]\n[{bank}] {date} {time} 입금 {amount} {name_masked} 잔액 {amount2}원",
            "[{bank}] {name_masked}님 {date} 출금 {amount} 자동이체(관리비)",
            "[{bank}] 적금 만기 안내: {date} 만기 예정입니다. 가까운 영업점 또는 앱에서 확인하세요.",
            "[{card}] {date} 결제 예정 금액은 {amount}입니다. 자세한 내용은 앱에서 확인하세요.",
            "[{card}] {name_masked}님 카드 재발급 신청이 접수되었습니다. 본인이 아닌 경우 고객센터 {p1588}",
        ],
    ),
    (
        "official_notice",
        "normal",
        [
            "[국민건강보험] {name}님 {year}년 건강검진 대상자입니다. 가까운 검진기관에 예약 후 검진 받으세요. 문의 1577-1000",
            "[{courier}] 배송 조회는 공식 홈페이지 {official_courier} 에서 가능합니다.",
            "[국세청] 연말정산 간소화 서비스가 개통되었습니다. 홈택스에서 확인하세요.",
            "[{bank}] 보이스피싱 주의 안내: 은행은 문자로 링크를 보내지 않습니다. 고객센터 {p1588}",
        ],
    ),
    (
        "work_chat",
        "normal",
        [
            "{name}님 회의 자료 공유드립니다. 검토 후 의견 부탁드립니다.",
            "내일 {time} 회의실 예약했어요. 자료는 메일로 보내주세요.",
            "팀장님 보고서 초안 드라이브에 올려두었습니다 확인 부탁드려요",
            "오늘 야근이라 좀 늦을 것 같아요. 먼저 퇴근하세요~",
            "{name}님 지난번 견적서 수정본 보내드립니다. 확인 후 연락 주세요 {mobile}",
            "택배 왔던데 경비실에 있대 찾아가~",
        ],
    ),
    (
        "official_link_notice",
        "normal",
        [
            "[{bank}] {name_masked}님, 이번 달 이벤트 안내는 공식 홈페이지 {official_url} 에서 확인하세요.",
            "[국민건강보험] 건강검진 결과는 국민건강보험공단 홈페이지 www.nhis.or.kr 또는 The건강보험 앱에서 조회하실 수 있습니다.",
            "[{courier}] 고객님 상품 배송 출발. 조회: {official_courier}",
            "[정부24] 신청하신 민원이 처리되었습니다. www.gov.kr 에서 확인하세요.",
            "Your Amazon order #{digits10} has shipped. Track it at https://www.amazon.com/orders",
            "[카카오뱅크] 고객님의 26주적금 {date} 자동이체 완료. 자세한 내용은 앱에서 확인하세요.",
            "[{courier}] {name_masked}님 택배가 오늘 도착 예정입니다. 배송조회 {official_courier}",
            "[{card}] {date} 청구서가 발송되었습니다. 명세서 확인은 공식 앱 또는 {official_url}",
        ],
    ),
    (
        "family_chat",
        "normal",
        [
            "엄마 나 오늘 친구네서 자고 갈게 내일 연락할게",
            "아빠 생신 선물 뭐가 좋을까? 주말에 같이 보러 가자",
            "엄마 김치 잘 받았어 고마워 맛있게 먹을게",
            "누나 조카 돌잔치 {date} 맞지? 시간 다시 알려줘",
            "아들 밥은 먹었니? 날씨 추우니 옷 따뜻하게 입어라",
            "Mom, I landed safely. Will call you after dinner",
        ],
    ),
    (
        "english_normal",
        "normal",
        [
            "Your {shopen} order has shipped and will arrive on {date_en}.",
            "Hi, this is {nameen} from the dentist. Just confirming your cleaning on {date_en} at {time}.",
            "Thanks for dinner last night, let's do it again soon",
            "{bankeng}: a payment of ${usd} to {shopen} was approved on {date_en}.",
        ],
    ),
]

_SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
_GIVEN = [
    "민준",
    "서연",
    "도윤",
    "하은",
    "지호",
    "수빈",
    "예준",
    "지우",
    "현우",
    "채원",
    "성민",
    "유진",
    "영수",
    "미경",
    "정희",
    "동현",
    "지훈",
    "소영",
    "태현",
    "은지",
]
_RELATIONS = ["부친", "모친", "조모", "조부", "장인", "시모", "빙모"]
_COURIERS = ["CJ대한통운", "우체국택배", "한진택배", "롯데택배", "로젠택배", "쿠팡", "CJ택배"]
_BANKS = [
    "KB국민은행",
    "신한은행",
    "우리은행",
    "하나은행",
    "NH농협",
    "IBK기업은행",
    "카카오뱅크",
    "케이뱅크",
    "토스뱅크",
    "새마을금고",
]
_CARDS = [
    "신한카드",
    "KB국민카드",
    "삼성카드",
    "현대카드",
    "롯데카드",
    "우리카드",
    "하나카드",
    "BC카드",
    "NH카드",
]
_MERCHANTS = [
    "스타벅스",
    "GS25",
    "CU",
    "이마트",
    "배달의민족",
    "올리브영",
    "쿠팡",
    "다이소",
    "교보문고",
    "SK주유소",
    "카카오T",
    "무신사",
]
_SHOPS = [
    "행복마트",
    "뷰티랩",
    "클린세탁",
    "맛나피자",
    "바디핏헬스",
    "그린약국",
    "하이마트",
    "미소치과",
    "우리동네정육점",
    "스마일안경",
    "온누리꽃집",
    "브라운커피",
]
_SHOPS_EN = ["FreshMart", "CityGym", "Bloom Florist", "Daily Coffee", "BookNook", "Urban Outfit"]
_HOSPITALS = ["연세미소치과", "서울내과의원", "튼튼정형외과", "밝은안과", "하늘소아과", "바른한의원"]
_HALLS = [
    "서울아산병원 장례식장 3호실",
    "삼성서울병원 장례식장 12호",
    "세브란스병원 장례식장 5호실",
    "분당서울대병원 장례식장 2호실",
]
_HALLS2 = ["더채플앳청담", "라비두스", "아펠가모 광화문", "루벨 강남", "그랜드힐튼 컨벤션"]
_SEASONS = ["봄", "여름", "가을", "겨울", "연말", "설맞이"]
_WORDS = [
    "secure",
    "check",
    "info",
    "notice",
    "service",
    "login",
    "verify",
    "center",
    "mobile",
    "app",
    "update",
    "my",
    "help",
    "gift",
    "event",
    "view",
    "card",
    "post",
    "doc",
    "ticket",
]
_SHORTENERS = [
    "bit.ly",
    "han.gl",
    "me2.do",
    "vo.la",
    "url.kr",
    "t.ly",
    "tinyurl.com",
    "cutt.ly",
    "is.gd",
    "zrr.kr",
    "rb.gy",
    "shorturl.at",
]
_RISKY_TLDS = [
    "top",
    "xyz",
    "icu",
    "click",
    "shop",
    "cyou",
    "vip",
    "cc",
    "live",
    "site",
    "online",
    "buzz",
    "sbs",
    "com",
    "net",
    "info",
    "co",
    "kr",
]
_AGENCY_BRANDS = [
    "nhis",
    "nhis-kr",
    "nhls",
    "hometax-kr",
    "gov24",
    "efine-go",
    "police-kr",
    "nts-refund",
    "koroad",
]
_BRANDS = {
    "naver": "naver",
    "kakao": "kakao",
    "kakaobank": "kakaobank",
    "toss": "toss",
    "apple": "apple",
    "paypal": "paypal",
    "kbstar": "kbstar",
    "shinhan": "shinhan",
}
_OFFICIAL_URLS = [
    "https://www.kbstar.com",
    "https://m.shinhan.com",
    "www.coupang.com",
    "https://www.kakaobank.com/event",
    "https://www.hanabank.com",
    "www.naver.com",
]
_OFFICIAL_COURIERS = [
    "https://www.cjlogistics.com",
    "www.epost.go.kr",
    "www.hanjin.com",
    "www.lotteglogis.com",
]


def _pick(rng: random.Random, items: list[str]) -> str:
    return items[rng.randrange(len(items))]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _path(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(rng.randint(4, 8)))


def _scam_url(rng: random.Random) -> str:
    kind = rng.random()
    scheme = _pick(rng, ["https://", "http://", "", ""])
    if kind < 0.35:
        return f"{scheme}{_pick(rng, _SHORTENERS)}/{_path(rng)}"
    if kind < 0.45:
        return f"http://{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}/{_path(rng)}"
    name = f"{_pick(rng, _WORDS)}{_pick(rng, ['-', '', ''])}{_pick(rng, _WORDS)}{rng.randint(0, 99) if rng.random() < 0.4 else ''}"
    return f"{scheme}{name}.{_pick(rng, _RISKY_TLDS)}/{_path(rng) if rng.random() < 0.7 else ''}"


def _agency_url(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return _scam_url(rng)
    return f"{_pick(rng, ['https://', 'http://', ''])}{_pick(rng, _AGENCY_BRANDS)}.{_pick(rng, _RISKY_TLDS)}/{_path(rng)}"


def _brand_url(rng: random.Random) -> str:
    brand = _pick(rng, list(_BRANDS))
    style = rng.random()
    if style < 0.3:
        host = f"{brand}-{_pick(rng, _WORDS)}.{_pick(rng, _RISKY_TLDS)}"
    elif style < 0.5:
        host = f"{brand}.{_pick(rng, _WORDS)}-{_pick(rng, _WORDS)}.com"
    elif style < 0.7:
        swapped = brand.replace("a", "4", 1) if "a" in brand else brand + "s"
        host = f"{swapped}.com"
    elif style < 0.8:
        host = "xn--" + _path(rng).lower() + ".com"
    else:
        return _scam_url(rng)
    return f"{_pick(rng, ['https://', 'http://', ''])}{host}/{_path(rng)}"


def _apk_url(rng: random.Random) -> str:
    return f"{_scam_url(rng).rstrip('/')}/{_pick(rng, ['app', 'security', 'view', 'card', 'update'])}.apk"


def _handle(rng: random.Random) -> str:
    return (
        f"{_pick(rng, ['vip', 'stock', 'money', 'luck', 'help', 'king', 'best', 'rich', 'safe', 'win'])}"
        f"{_pick(rng, ['_', '', ''])}{_pick(rng, ['kr', 'pro', 'boss', 'team', 'zone', 'one'])}{rng.randint(1, 999)}"
    )


def _amount(rng: random.Random) -> str:
    return f"{rng.choice([rng.randint(1, 99) * 1000, rng.randint(1, 999) * 1000, rng.randint(10, 2000) * 100]):,}원"


def _date(rng: random.Random) -> str:
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    return _pick(rng, [f"{month}/{day}", f"{month}월 {day}일", f"{month:02d}.{day:02d}"])


_SLOTS: dict[str, Callable[[random.Random], str]] = {
    "name": lambda r: _pick(r, list(_SURNAMES)) + _pick(r, _GIVEN),
    "name2": lambda r: _pick(r, list(_SURNAMES)) + _pick(r, _GIVEN),
    "name_masked": lambda r: _pick(r, list(_SURNAMES)) + "*" + _pick(r, _GIVEN)[-1],
    "nameen": lambda r: _pick(r, ["Sarah", "James", "Emily", "Daniel", "Grace"]),
    "relation": lambda r: _pick(r, _RELATIONS),
    "date": _date,
    "date2": _date,
    "date_en": lambda r: (
        f"{_pick(r, ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'])} {r.randint(1, 28)} "
        f"{_pick(r, ['Jan', 'Mar', 'May', 'Jul', 'Oct', 'Dec'])}"
    ),
    "time": lambda r: f"{r.randint(8, 20):02d}:{_pick(r, ['00', '10', '30', '45', '17', '52'])}",
    "time2": lambda r: f"{r.randint(12, 21):02d}:00",
    "year": lambda r: str(r.randint(2024, 2026)),
    "amount": _amount,
    "amount2": lambda r: f"{r.randint(1, 999) * 1000 + r.randint(0, 999):,}",
    "usd": lambda r: str(r.randint(20, 1999)),
    "pct": lambda r: str(_pick(r, ["10", "15", "20", "30", "40", "50", "70"])),
    "rate": lambda r: f"{r.randint(3, 6)}.{r.randint(0, 9)}",
    "digits4": lambda r: _digits(r, 4),
    "digits10": lambda r: _digits(r, 10 + r.randint(0, 2)),
    "otp": lambda r: _digits(r, r.choice([4, 6, 6, 8])),
    "code": lambda r: _path(r).upper(),
    "url": _scam_url,
    "url_agency": _agency_url,
    "url_brand": _brand_url,
    "url_apk": _apk_url,
    "official_url": lambda r: _pick(r, _OFFICIAL_URLS),
    "official_courier": lambda r: _pick(r, _OFFICIAL_COURIERS),
    "openchat": lambda r: f"{_pick(r, ['https://', ''])}open.kakao.com/o/{_path(r)}",
    "handle": _handle,
    "courier": lambda r: _pick(r, _COURIERS),
    "bank": lambda r: _pick(r, _BANKS),
    "ebank": lambda r: _pick(r, ["Chase", "Wells Fargo", "PayPal", "Barclays", "HSBC"]),
    "bankeng": lambda r: _pick(r, ["KB Kookmin Card", "Shinhan Card", "Hana Card"]),
    "card": lambda r: _pick(r, _CARDS),
    "merchant": lambda r: _pick(r, _MERCHANTS),
    "shop": lambda r: _pick(r, _SHOPS),
    "shopen": lambda r: _pick(r, _SHOPS_EN),
    "hospital": lambda r: _pick(r, _HOSPITALS),
    "hospitalen": lambda r: _pick(r, ["Bright Dental", "City Clinic", "Green Family Practice"]),
    "hall": lambda r: _pick(r, _HALLS),
    "hall2": lambda r: _pick(r, _HALLS2),
    "season": lambda r: _pick(r, _SEASONS),
    "mobile": lambda r: (
        f"010{_pick(r, ['-', '', ' '])}{_digits(r, 4)}{_pick(r, ['-', '', ' '])}{_digits(r, 4)}"
    ),
    "seoul": lambda r: f"02-{r.randint(200, 9999)}-{_digits(r, 4)}",
    "p070": lambda r: f"070-{_digits(r, 4)}-{_digits(r, 4)}",
    "p1588": lambda r: f"{_pick(r, ['1588', '1577', '1544', '1644', '1899'])}-{_digits(r, 4)}",
    "intl": lambda r: _pick(
        r,
        [
            f"+1 {r.randint(201, 989)}-555-{_digits(r, 4)}",
            f"+44 7{_digits(r, 3)} {_digits(r, 6)}",
            f"+63 9{_digits(r, 2)} {_digits(r, 3)} {_digits(r, 4)}",
            f"001-1-{_digits(r, 3)}-{_digits(r, 4)}",
        ],
    ),
    "optout": lambda r: f"080-{_digits(r, 3)}-{_digits(r, 4)}",
    "account": lambda r: (
        f"{_pick(r, ['신한', '국민', '우리', '카카오뱅크', '농협'])} {_digits(r, 3)}-{_digits(r, 3)}-{_digits(r, 6)}"
    ),
}
_SLOT = compile_pattern("corpus.slot", r"\{(\w+)\}")
_LINK_OR_NUMBER = compile_pattern("corpus.link_or_number", r"[/.@:\d]")


def _noise(rng: random.Random, text: str, label: str) -> str:
    """Spacing and prefix noise real messages carry, applied to every class alike, plus the word
    scrambling and long-message truncation of reported messages (`corpus_reported.py`)."""
    if label == "spam" and rng.random() < 0.5:
        text = obfuscate(rng, text, 0.35)
    elif label == "smishing" and rng.random() < 0.15:
        text = obfuscate(rng, text, 0.2)
    if rng.random() < 0.2:
        text = truncate(rng, text)
    if rng.random() < 0.15 and not text.startswith("[Web발신]") and not text.startswith("(광고)"):
        text = "[Web발신]\n" + text
    if rng.random() < 0.3:
        # Drop or double one space between two plain words (never inside a link or a number).
        words = text.split(" ")
        if len(words) > 3:
            i = rng.randrange(0, len(words) - 1)
            if not _LINK_OR_NUMBER.search(words[i] + words[i + 1]):
                joiner = "" if rng.random() < 0.5 else "  "
                words[i : i + 2] = [words[i] + joiner + words[i + 1]]
        text = " ".join(words)
    if rng.random() < 0.15:
        text = text + _pick(rng, [" ", "!", "~", " ^^", "."])
    if rng.random() < 0.1 and label in ("smishing", "spam"):
        text = text.replace(" ", "  ", 1)
    return text


# Every class draws its opt-out line from the same wide set of forms, so the form says nothing about
# the class; what the ad offers does.
_ALL_SLOTS: dict[str, Callable[[random.Random], str]] = {
    **_SLOTS,
    **REPORTED_SLOTS,
    **LAWFUL_SLOTS,
    "opt_line": opt_line,
}


def render(template: str, rng: random.Random) -> str:
    return _SLOT.sub(lambda match: _ALL_SLOTS[match.group(1) or ""](rng), template)


def generate_corpus(*, seed: int = 0, per_template: int = 30) -> list[Example]:
    """Messages for every template, `per_template` each, deterministic for a seed. Pure."""
    rng = random.Random(seed)
    examples: list[Example] = []
    for kind, label, templates in [*TEMPLATES, *REPORTED_TEMPLATES, *LAWFUL_TEMPLATES]:
        for index, template in enumerate(templates):
            template_id = f"{kind}-{index:02d}"
            for _ in range(per_template):
                text = _noise(rng, render(template, rng), label)
                examples.append(Example(text=text, label=label, template_id=template_id, kind=kind))
    return examples


def split_by_template(
    examples: list[Example], *, test_share: float = 0.25, seed: int = 0
) -> tuple[list[Example], list[Example]]:
    """Hold out whole templates: within every kind, about `test_share` of its templates (at least one
    when the kind has two or more) go to the test side. Pure and deterministic for a seed."""
    rng = random.Random(seed)
    by_kind: dict[str, list[str]] = {}
    for example in examples:
        ids = by_kind.setdefault(example.kind, [])
        if example.template_id not in ids:
            ids.append(example.template_id)
    held: set[str] = set()
    for ids in by_kind.values():
        if len(ids) < 2:
            continue
        shuffled = sorted(ids)
        rng.shuffle(shuffled)
        count = max(1, round(len(ids) * test_share))
        held.update(shuffled[:count])
    train = [e for e in examples if e.template_id not in held]
    test = [e for e in examples if e.template_id in held]
    return train, test
