# ruff: noqa: E501  (Korean template lines: Hangul counts double towards the limit)
"""Lawful messages in the shapes they really take: compliant ads and legitimate notices.

Real false alarms come from two kinds of genuine message the rest of the corpus under-covers:

- **lawful ads** (정보통신망법 §50): `(광고)` first, the sender named, a free 080 opt-out last — but
  long MMS promotions for flats, golf memberships, insurance plans, clinics, fairs, marts and phone
  shops, written without spaces or in price lists, with coupons, prize draws and links to the
  advertiser's own site, a blog or a shortener; some cut off before the opt-out;
- **legitimate notices** that carry smishing vocabulary: add-on service sign-ups with a monthly fee,
  dormant-account and consent notices with a login link, insurers' yearly statements, pension and
  auto-pay notices from a card company's own domain, surveys, local-government news with a
  shortener, tax-refund guidance that points at hometax.go.kr, sign-in codes sent from abroad, and
  anti-fraud warnings that describe the scams.

The wording is the project's own. Slots come from `corpus._SLOTS`, `corpus_reported.SLOTS` and the ones
below. What the model should learn from these is structure — the ad-law markers, the opt-out, whose
link it is, what the message asks for — not the templates' words, so every kind varies its wording and
layout widely.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable

LAWFUL_TEMPLATES: list[tuple[str, str, list[str]]] = [
    # ------------------------------------------------------------------ lawful ads
    (
        "ad_realestate",
        "ad",
        [
            "{ad_head}{place}{estate_kind}{n_pyeong}평 {price_eok}~ {estate_perk} {estate_perk2} 모델하우스 {landline} {opt_line}",
            "{ad_head}▣ {apt_name} ▣\n{place} {estate_perk}\n■ 총 {n_units}세대 (전용 {sqm}㎡)\n■ {estate_perk2}\n■ 계약금 {pct_small}% / 중도금 전액 무이자\n▶ 청약 일정: {date}~{date2}\n▶ 견본주택: {place} {station}역 {n_small}번 출구\n분양문의 {p1588}\n{opt_line}",
            "{ad_head}{place}{station}역세권/{estate_kind}/입주시까지 {price_man}지원/{n_pyeong}평 {price_eok}~{opt_line}",
            "{ad_head}{place} {estate_kind} 선착순 동호지정 {estate_perk} 분양 상담 {name} 실장 {mobile} {opt_line}",
            "{ad_head}{apt_name} 잔여세대 특별분양 안내 | {estate_perk} | {estate_perk2} | 상담예약 {own_link} | ☎ {landline} | {opt_line}",
            "{ad_head}임대보장 {estate_kind} {place} {station}역 도보 {n_small}분 수익률 연 {pct_small}% 확정 (시행사 {shop}) 상담 {p1588}\n{opt_line}",
        ],
    ),
    (
        "ad_golf_membership",
        "ad",
        [
            "{ad_head}{golf} 회원권 매도 매수 상담 {golf_note} 무료거부{optout_plain}",
            "{ad_head}{golf_name}CC 창립회원 모집 ▶주중 {n_small}회 ▶무기명 ▶선착순 {n_units}구좌 문의 {landline} {opt_line}",
            "{ad_head}{golf_name}cc {price_man_short} 매도가능 {golf_note} {opt_line}",
            "{ad_head}{travel_brand}골프 {trip_place} {n_small}박{n_small2}일 ￦{price_man_short}/{trip_place2} ￦{price_man_short} {opt_line}",
            "{ad_head}[{golf_name}골프클럽] {season} 그린피 할인 주중 {price_man_short} 부킹 {landline}\n{opt_line}",
        ],
    ),
    (
        "ad_insurance_agent",
        "ad",
        [
            "{ad_head}[{insurer} {name} 보험상담사 상품안내]\n안녕하세요 {insurer} {name}입니다. {season}철 건강 관리 잘 하고 계신가요? 이번에 안내드리는 상품은 {ins_cover}와 {ins_cover2}를 함께 보장하는 건강보험입니다. 유병자분도 조건에 따라 가입 가능합니다.\n- 갱신 없이 100세까지 보장\n상담 {mobile}\n준법감시인 확인필 제{year}-{digits4}호\n문자수신을 원하지 않으시면 {optout}으로 수신거부 요청하여 주시기 바랍니다.",
            "{ad_head}[{insurer}] {ins_cover} 보장 강화 안내 고객님 기존 보험과 중복되지 않는 {ins_cover2} 중심 플랜입니다. 자세한 내용은 상담사 {name} {mobile} ※계약 전 약관 확인 {opt_line}",
            "{ad_head}[{insurer} 다이렉트] 자동차보험 만기 {n_small}주 전! 온라인 가입 시 최대 {pct}% 할인 견적 {own_link}\n{opt_line}",
            "{ad_head}[{insurer}] 장기보험 계약자 전용 약관대출 안내 보험 계약 유지 중이시면 서류 없이 모바일로 신청하세요. 금리 연 {rate}% 준법감시인 심의필 {digits4}-{digits4} {opt_line}",
        ],
    ),
    (
        "ad_finance_lawful",
        "ad",
        [
            "{ad_head}[{card}] {month}월 한 달 무이자 할부 {ad_item} 사실 분 모두 {n_small}개월 무이자! 기간 {date}~{date2} 준법 심의필 {year}-{digits4} 문의 {p1588} {opt_line}",
            "{ad_head}[{capital}] 고객님 전용 신용대출 금리 연 {rate}%~ 한도 최대 {loan_max} 중도상환수수료 면제 여신금융협회 심의필 제{year}-{digits4}호 {p1588}\n{opt_line}",
            "{ad_head}[{savings_bank}] 특판 정기예금 연 {rate}% 영업점 및 앱 가입 {own_link} 예금자보호 {opt_line}",
            "{ad_head}[{card}] 가맹점 대표님 전용 운영자금 대출 안내 {n_small}분 만에 한도 확인 신청은 {card} 앱에서 여신금융협회 심의필 {year}-{digits4} {opt_line}",
        ],
    ),
    (
        "ad_retail_long",
        "ad",
        [
            "{ad_head}[{retail}] 고객님 안녕하세요. {retail}의 특별한 혜택을 안내드립니다!\n-행사기간: {date} ~ {date2}\n[사은품 증정 이벤트]\n- 문자 지참 후 매장 방문 시 {gift}\n- {ad_item} 구매 시 최대 {price_man} 캐시백\n자세히 보기 {own_link}\n문의 {landline}\n{opt_line}",
            "{ad_head}{retail} {season} 전시제품 특가 행사 안내 {date}~{date2} 매장 진열 제품 한정 수량 {ad_item} 최대 {pct}% 할인 상담은 매장에서 {landline}{opt_line}",
            "{ad_head}[{telco} 공식인증대리점] {phone_model} 기기변경 특가 ▶번호이동 {gift} ▶{n_small}개월 요금 할인 ▶매장 {place}점(주차 가능) 상담 {landline} 수신거부콜백번호 : {optout}",
            "{ad_head}{shop} 신상품 입고!! {ad_item} {pct}% 할인 쿠폰 받고 구매하세요 ▼구매하러 가기▼ {url_short} ※회원가입 없이 구매 가능 {opt_line}",
            "{ad_head}{mart_compact}{grocery_compact}{price}{grocery_compact}{price2}{grocery_compact}{price}{ad_url}{opt_line}",
            "{ad_head}{shop} 회원님 리뷰 쓰고 포인트 받으세요♥ 구매하신 상품은 어떠셨나요? 리뷰 작성 시 {amount_plain}P 적립 {own_link} {opt_line}",
            "{ad_head}[{brand_app}] 오늘 자정 종료! 최대 {pct}% 쿠폰팩 도착 앱에서 확인 {url_short}\n{opt_line}",
            "{ad_head}{pet_shop} 월동준비 선물! 오늘이 마지막★ ▶{url_short} {opt_line}",
        ],
    ),
    (
        "ad_event_fair",
        "ad",
        [
            "{ad_head}[{fair_host}] {fair_name} {date} 개막! 코엑스 {hall_letter}홀 사전등록 시 무료입장 ▶{url_short} 문의 {landline} {opt_line}",
            "{ad_head}{fair_name} 내일 개막! 티켓 {pct}%할인 ☞ {url_short} {opt_line}",
            "{ad_head}[{hotel}] {season} 패키지 객실 1박 + 조식 2인 + 라운지 이용 {price_man}~ 예약 {own_link} {opt_line}",
            "{ad_head}[{brand_app}] 체험단 모집! 추첨을 통해 {n_units}분께 {gift}을 드려요. 응모 {own_link} 당첨자 발표 {date} 고객센터 {p1588} {opt_line}",
            "{ad_head}{shop} 설문 참여하면 추첨으로 {price_man} 경품! (~{date}) {url_short} {opt_line}",
        ],
    ),
    (
        "ad_services_local",
        "ad",
        [
            "{ad_head}[{clinic}] {season} 이벤트 {treatment} {price_man_short}원 {treatment2} {price_man_short}원 (부가세 별도) 예약 {landline} {opt_line}",
            "{ad_head}안녕하세요. {clinic}입니다. 리모델링을 마치고 새 장비로 진료합니다. 1. {treatment} 특가 2. 건강검진 예약 접수 중 진료시간 평일 9시~18시 {landline} {opt_line}",
            "{ad_head}{gym} {year}년 가격 인상 전 헬스 {n_small}개월+{n_small2}개월 {price_man_short}원 선착순 {n_units}명 {opt_line}",
            "{ad_head}{rental} 장기렌트·리스 즉시출고 {car_model} 보증금 0원 견적 비교 {own_link} 상담 {p1588} {opt_line}",
            "{ad_head}{region}대리 기본 {price_man_short}원 카드결제 1회 이용 시 {amount_plain}점 적립 {p1588} {opt_line}",
            "{ad_head}{academy} {season}방학 특강 접수 중 {subject} 소수정예 레벨테스트 무료 {landline} {opt_line}",
            "{ad_head}{restaurant} {season} 신메뉴 출시 기념 단체 예약 시 음료 무료 네이버 예약 {naver_place} {opt_line}",
            "{ad_head}{hair}{season} 정상영업 매주 {weekday}요일 휴무 {opt_line}",
        ],
    ),
    # Long lawful ads that carry words illegal spam also uses (loan, profit, coupon, install, health
    # scare, "only today"), from senders that name themselves: a store branch, an insurer's agent with a
    # review number, a carrier's shopping channel, a bank's deposit event, a flat's sales manager.
    (
        "ad_named_long",
        "ad",
        [
            "{ad_head}[{retail} {place}점]\n★{place} 지역 유일!! {retail} {place}점★\n\n♥오픈 {n_small}주년 특별세일♥\n일정 : {date}~{date2}\n(단 하루 혜택 놓치지 마세요!)\n※ {card} {n_small2}개월 무이자!!\n\n[ 오픈 EVENT 1 ]\n▶{ad_item} → {price_man}\n▶{ad_item} → {price_man}\n※ 모델별 선착순 한정\n매장 {landline}\n{opt_line}",
            "{ad_head}[{insurer} {name} 보험상담사 상품안내]\n{season}에는 건강 관리가 더 중요합니다. 고혈압·당뇨가 있으신 분은 특히 조심하세요. 이번에 안내드리는 상품은 {ins_cover}와 {ins_cover2}를 함께 보장합니다. 유병자도 조건에 따라 가입 가능합니다.\n상담 {mobile}\n준법감시인 확인필 제{year}-{digits4}호\n{opt_line}",
            "{ad_head} [{telco}] 콕 추천! {ad_item} 1세트/2세트 모음 {pct}% 할인! 방송에서 소개된 바로 그 상품! 오늘 주문 시 사은품 {gift} 구매하기 {own_link} {opt_line}",
            "{ad_head}[{bank_full}] [상품안내] ★{season} 예적금 특판 이벤트★ 고금리 시대엔 예적금! 이벤트 기간 중 예적금 가입 고객께 커피 쿠폰 100% 증정, 추첨을 통해 상품권 {price_man} 당첨 기회도! 예금자보호법에 따라 1인당 최고 5천만원까지 보호 {opt_line}",
            "{ad_head}안녕하세요.\n일전에 아파트 안내드렸던 {name} 실장입니다.\n\n{place} {station}역 초역세권 공사 중인 {estate_kind} 안내드립니다.\n일반분양 {n_small}월 예정이며 {estate_perk} {estate_perk2}\n방문 상담 예약 {mobile}\n{opt_line}",
            "{ad_head}[{insurer}(주)] 신용대출 모바일창구 오픈 안내 시중금리가 올라도 금리 인상 부담 없는 고정금리 신용대출을 모바일로 신청하세요. 연 {rate}%~ 중도상환수수료 면제 {own_link} 준법감시인 심의필 제{year}-{digits4}호 {opt_line}",
            "{ad_head}[{retail}] 앱 설치하고 첫 구매 {pct}% 할인 쿠폰 받으세요! 신규 회원 한정 오늘 자정까지 앱 다운로드 {own_link} 고객센터 {p1588} {opt_line}",
        ],
    ),
    # Lawful ads can be just as short as the illegal ones in ad form: a sender's name and a greeting, a
    # phone shop's price codes, a mart's sale link. What they keep is a business identity (a name, a
    # phone line, a price, the shop's own page), not a site code.
    (
        "ad_short",
        "ad",
        [
            "{ad_head}{apt_name}{opt_line}",
            "{ad_head}{phone_shop}{season}특가{phone_deals}{opt_line}",
            "{ad_head}*^^*{short_greeting}{opt_line}★{region}대리",
            "{ad_head}{mart} {date} 행사{ad_url}{opt_line}",
            "{ad_head}{region}대리운전은{landline}속 편하게{opt_line}",
            "{ad_head}{brand_shop}{n_small}일간 특가 전품목 {price}({n_small}시간){own_link}{opt_line}",
            "{ad_head}{phone_shop} {telco} 인터넷+TV 교체 현금 {n_small}0만 {landline}{opt_line}",
            "{ad_head}{gym} {date} 행사 보기 ▼{ad_url}{opt_line}",
            "{ad_head}{p1588}-{digits4}님 기사님 5분 도착 {amount_plain}점 적립{opt_line}",
        ],
    ),
    # ------------------------------------------------------------------ legitimate notices
    (
        "notice_addon_service",
        "normal",
        [
            "[Web발신][{telco}] {addon} 서비스 가입 결과 안내 고객님께서는 「{addon}」에 가입하셨습니다. - 서비스 제공: {provider} - 이용요금: 월 {fee}원(부가세 포함) - 해지: 고객센터 또는 {own_link}",
            "[Web발신][{addon}] 이달의 {coupon_kind} 쿠폰이 발급되었습니다. ▶앱에서 쿠폰 사용하기 {url_short} {addon}는 월 {fee}원 유료 부가서비스입니다. 해지 문의 {p1588}",
            "[Web발신]고객님께서는 {addon} 서비스를 이용 중입니다. 본 서비스는 명의도용과 스미싱 피해를 막기 위한 보안 서비스이며 이용요금은 통신요금에 포함되어 청구됩니다. 문의 {p1588}",
            "[{telco}] {month}월 데이터 통화료가 {amount}(VAT 포함)을 초과했습니다.(월정액 및 정보이용료 제외)",
            "[Web발신][{telco}] 선택약정 할인 가입 안내 고객님은 {mmdd}에 「선택약정 할인」에 가입하셨습니다. 약정 기간 중 해지 시 할인반환금이 부과됩니다.",
        ],
    ),
    (
        "notice_account",
        "normal",
        [
            "[Web발신][{brand_app}] 휴면 전환 예정 안내 {name_masked}님, 1년 이상 로그인 기록이 없어 {date}에 계정이 휴면 상태로 전환됩니다. 계속 이용하시려면 로그인해 주세요. {own_link}",
            "[Web발신]안녕하세요 고객님! 정보통신망법에 따라 1년간 서비스를 이용하지 않은 회원의 개인정보를 분리 보관합니다. {date}까지 {shop} 로그인 시 기존과 동일하게 이용하실 수 있습니다.",
            "[{bank_short}] 정보통신망법 제50조에 따른 광고성 정보 수신동의 여부 안내 {name_masked}님은 {year}년 {month}월 광고성 정보 수신에 동의하셨습니다. 수신동의 철회는 앱 또는 고객센터 {p1588}",
            "[Web발신]{shop} {year}년 {month}월 광고 수신에 동의함 수신동의 철회 링크 {own_link}",
            "[Web발신][{card}] 휴면카드 이용정지 안내 {name_masked} 회원님, 1년 이상 이용하지 않은 카드({digits4})가 이용정지되었습니다. 해제는 홈페이지 또는 고객센터 {p1588}",
            "[Web발신][{insurer}] {year}년도 계약관리 안내문 보험업감독규정에 따라 연 1회 보내드리는 보험계약 안내입니다. 아래 링크에서 확인하실 수 있습니다. {own_link}",
        ],
    ),
    (
        "notice_money",
        "normal",
        [
            "[Web발신][{bank_full}] 퇴직연금 부담금 입금 안내 {name_masked}고객님, 회사 부담금 {amount}이 {mmdd} 입금되었습니다. 자세한 내용은 인터넷뱅킹에서 확인하세요.",
            "[Web발신]{name_masked}님, 아파트관리비 자동납부가 정상 등록되었습니다. {month}월 관리비부터 출금됩니다. ◆자세히 보기 {card_site}",
            "[{card_bank}]{name_masked}님 카드({digits4}) {month}월 후불교통 대금 {amount}이 {mmdd} 출금될 예정입니다. 이용내역 조회 {card_site}",
            "[Web발신][{prepaid}] 고객님의 선불폰 충전잔액은 {amount}입니다. 바로충전({own_domain})",
            "[Web발신][{gift_service}] 쿠폰 만료 {n_small}일 전 (쿠폰 뒷번호 {digits4}, ~{mmdd}) {own_link}",
            "[Web발신]{name_masked} 고객님, {travel} 예약 확인 문자입니다. 예약금 입금이 확인되지 않았습니다. 상품가 {amount} 예약하신 대리점에 확인해 주세요.",
        ],
    ),
    (
        "notice_public",
        "normal",
        [
            "[Web발신]안녕하십니까. 국세청입니다. 종합소득세 환급 예상 세액을 미리 계산해 안내드립니다. 손택스 앱 또는 홈택스(www.hometax.go.kr)에서 신고하시면 환급받으실 수 있습니다.",
            "[Web발신]{gov_office}에서 안내드립니다. 제{n_units}회 {festival}가 {date}부터 열립니다. 구민 여러분의 많은 참여 바랍니다. 홈페이지 {url_short}",
            "[Web발신][{gov_office}] {month}월 소식지 주요 소식 ☞ 모바일로 보기 {url_short} ☞ 카카오톡 채널 추가하면 매달 받아보실 수 있습니다.",
            "[Web발신]<{dong} 주민자치 프로그램 설문조사> 온라인 참여: {naver_form} 오프라인: 각 강좌 장소 비치 설문지 제출 많은 참여 부탁드립니다.",
            "[Web발신]{name_masked}님의 여권 만료일은 {year}년 {month}월입니다. 해외 방문 시 유효기간 6개월 이상 권장, 재발급은 가까운 구청 여권민원실 또는 정부24(www.gov.kr)",
            "[Web발신][복지로] 신청서 제출 완료(ID:{digits4}{digits4}) - {welfare_item}",
            "[Web발신][{gov_office} 보건소] {vaccine} 예방접종 안내 대상: 만 {n_units}세 이상 기간 {date}~{date2} 가까운 위탁의료기관 방문 문의 {landline}",
        ],
    ),
    (
        "notice_survey_edu",
        "normal",
        [
            "[{research}] '{survey_topic} 조사(번호:{digits4})'를 진행하고 있습니다. 아래 링크를 누르시면 모바일로 참여하실 수 있습니다. ■설문링크 {own_link} ■소요시간 약 {n_units}분 ■사례금 {amount}",
            "[Web발신]안녕하세요~ 학습자님의 교육이 시작되었습니다. ▶훈련기간: 로그인 후 나의 강의실에서 확인 ▶PC: {own_domain} ▶문의 {landline}",
            "[Web발신][{university}] <{newsletter}> 모바일 뉴스레터가 도착했어요! {own_link}",
            "[Web발신]※{mmdd} 개강! 조기 마감되니 빠른 신청 바랍니다. #취업대비 {subject} 단기 과정 #수강료 학교 지원(무료) 온라인 접수 {url_short}",
            "[Web발신]내일 {saas} 무료 체험 기간이 끝나요! 연장을 원하시면 데모 시연을 신청해 주세요. {own_link}",
            "[Web발신][{brand_app}] 앱이 새로워졌어요! 최신 버전으로 업데이트하고 새 기능을 만나보세요. ■ 댓글 기능 추가 ■ 홈 화면 개선",
        ],
    ),
    (
        "notice_community",
        "normal",
        [
            "[Web발신]{date} {church_event} 온라인 실시간 영상 안내입니다 {youtube} | {church}",
            "[Web발신]{year}년 {church}<새해 기도제목 작성/제출> {naver_form}",
            "[공지]{club} 송년회 안내~ 저녁 {n_small}시에 {place}에서 만나요~ 장소 보기 {naver_form}",
            "제 Instagram 계정은 @{handle_shop}입니다. Instagram에서 사진과 동영상을 공유하며 소식을 나눠요! https://www.instagram.com/invites/contact/?i={code}",
            "[Web발신]{company} 임직원 여러분, 생일을 진심으로 축하드립니다. 아래 링크에서 생일 선물 모바일 쿠폰을 선택해 주세요. ■접속 {url_short} 감사합니다.",
            "[Web발신]{clinic} 재택치료팀입니다. {mmdd} 격리 해제 예정일 안내드립니다. 해제 확인서 발급 문의 ☎ {landline} 체온이 37.5도 이상이면 전화 주세요.",
        ],
    ),
    (
        "notice_codes_intl",
        "normal",
        [
            "[국제발신]<#> {otp3} {otp3}: {global_app} 코드 {code}",
            "[국외발신]{global_app} 계정 일회용 코드: {otp}",
            "[국제발신]{global_app} code {otp}",
            "[국외발신] Code :{otp}",
            "[국제발신]{global_app} 인증번호 [{otp}] 타인에게 공유하지 마세요.",
            "[국제발신]{global_app}: Sign-in from {city}. Tap link to respond. {global_site}",
            "[Web발신][{shop}] 본인확인 인증번호는 {otp}입니다. 정확히 입력해 주세요.",
        ],
    ),
    (
        "notice_warning_long",
        "normal",
        [
            "[Web발신]○ 최근 {scam_topic}을 사칭한 스미싱이 기승을 부리고 있습니다. ㅣ수법 ▷{scam_trick} ▷문의는 안내된 번호로만 하도록 유도 ㅣ예방 ▷출처가 불분명한 URL은 누르지 마세요 ▷정부기관과 금융회사는 현금을 요구하지 않습니다. -{warner}-",
            "[Web발신]최근 피해자를 직접 만나 현금을 가로채는 '대면편취형' 보이스피싱이 늘고 있습니다. - 대출 광고 문자에 속지 마세요. - 출처가 불분명한 앱 설치는 절대 금지 - 검찰·금감원은 현금을 요구하지 않습니다. {warner}",
            "[Web발신][경고] {scam_topic} 대리 인증은 사기 범죄에 연루될 수 있으니 주의하세요!",
            "○ {scam_topic} 관련 메신저 피싱 주의 안내 ㅣ주요 수법 - 유형1) 응원 문자에 포함된 URL 접속 유도 후 개인정보 탈취 - 유형2) 기관 사칭 후 신분증 사진 요구 ㅣ대응 - 의심 문자는 118 상담 {warner}",
        ],
    ),
]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _word(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(low, high)))


def _r(items: list[str]) -> Callable[[random.Random], str]:
    return lambda rng: items[rng.randrange(len(items))]


_BRANDS_EN = [
    "hy",
    "lumi",
    "bora",
    "daon",
    "nuri",
    "mirae",
    "haru",
    "sori",
    "gaon",
    "hana-mall",
    "ezen",
    "kiwa",
]


def _own_link(rng: random.Random) -> str:
    """A link on the sender's own domain, written after its name: "Lumi … www.lumi.co.kr/event"."""
    brand = rng.choice(_BRANDS_EN)
    domain = brand + rng.choice([".co.kr", ".com", ".kr", ".co.kr", ".net"])
    path = rng.choice(["", "/event", f"/m/{_word(rng, 3, 6)}", f"/n/{_word(rng, 4, 8)}?id={_digits(rng, 5)}"])
    label = brand.upper() if len(brand) <= 3 else brand.capitalize()
    return f"{label} {rng.choice(['', 'https://', 'http://', 'https://www.', 'www.'])}{domain}{path}"


def _own_domain(rng: random.Random) -> str:
    brand = rng.choice(_BRANDS_EN)
    return f"{brand}.{rng.choice(['co.kr', 'com', 'kr'])}"


def _card_site(rng: random.Random) -> str:
    return rng.choice(
        [
            "https://m.hyundaicard.com/",
            "https://m.shinhancard.com/",
            "https://www.kbcard.com/",
            "https://m.samsungcard.com/",
            "https://www.lottecard.co.kr/",
            "https://go.kakaobank.io/",
        ]
    ) + _word(rng, 4, 8)


_OPT_FORMS = [
    "무료수신거부 {n}",
    "무료거부{n}",
    "무료거부 {n}",
    "거부{n}",
    "[무료수신거부] {n}",
    "무료 수신거부: {n}",
    "무료수신 거부 ☎{n}",
    "수신거부 콜백번호 : {n}",
    "{n} 차단무료",
    "무료거부 | {n}",
    "무료문자수신거부:{n}",
    "문자수신을 원하지 않으시면 {n}으로 수신거부 요청하여 주시기 바랍니다.",
]


def opt_line(rng: random.Random) -> str:
    """A free opt-out line in one of the many forms senders write it."""
    number = rng.choice(
        [
            f"080{_digits(rng, 7)}",
            f"080-{_digits(rng, 3)}-{_digits(rng, 4)}",
            f"080-{_digits(rng, 4)}-{_digits(rng, 4)}",
        ]
    )
    return rng.choice(_OPT_FORMS).format(n=number)


SLOTS: dict[str, Callable[[random.Random], str]] = {
    "phone_shop": _r(["폰마켓", "스마트폰아울렛", "숙대강한스팟", "그린통신", "폰스토리", "별빛모바일"]),
    "phone_deals": lambda r: " ".join(
        f"{r.choice(['플', '폴드', 'S', 'i', 'A', '노트'])}{r.randint(5, 26)}{r.choice(['', 'P', 'U', '+'])} {r.choice(['', '-'])}{r.randint(0, 99)}"
        for _ in range(r.randint(3, 6))
    ),
    "short_greeting": _r(
        [
            "웃음 가득한 연말 보내세요~~♪",
            "좋은 일만 가득한 하루 되세요~♬",
            "풍성한 한가위 보내세요^^",
            "새해 복 많이 받으세요♡",
        ]
    ),
    "brand_shop": _r(["스타일룸", "데일리웨어", "빈티지샵", "모던리빙"]),
    "place": _r(
        [
            "광주역",
            "하남",
            "시흥장현",
            "명륜동",
            "옥련동",
            "사상구",
            "강릉교동",
            "영종",
            "세종",
            "동작구",
            "미추홀구",
            "파주운정",
        ]
    ),
    "station": _r(["시청", "중앙", "신도시", "역전", "시민공원", "터미널"]),
    "estate_kind": _r(
        [
            "아파트",
            "오피스텔",
            "아파텔",
            "지식산업센터",
            "단지내상가",
            "민간임대",
            "타운하우스",
            "전세형 주택",
        ]
    ),
    "estate_perk": _r(
        [
            "초역세권",
            "대단지",
            "중도금 무이자",
            "입주 시까지 이자 지원",
            "트리플 역세권",
            "학세권",
            "풀옵션 제공",
            "시세차익 기대",
        ]
    ),
    "estate_perk2": _r(
        [
            "1군 건설사 시공",
            "선착순 동호 지정",
            "계약금 정액제",
            "발코니 확장 무상",
            "잔여 소량",
            "임대 수요 풍부",
        ]
    ),
    "n_pyeong": _r(["24", "26", "29", "32", "34", "45"]),
    "n_units": lambda r: str(r.randint(10, 900)),
    "sqm": _r(["59", "74", "84", "116"]),
    "pct_small": lambda r: str(r.choice([3, 4, 5, 10])),
    "price_eok": lambda r: f"{r.randint(1, 9)}억{r.choice(['', '2천', '5천', '8천'])}",
    "price_man": lambda r: f"{r.randint(1, 99) * 10}만원",
    "price_man_short": lambda r: f"{r.randint(5, 99) * 1000:,}",
    "golf": _r(["그린힐", "레이크뷰", "솔바람", "해오름", "청라", "오크힐"]),
    "golf_name": _r(["벨라45", "한울", "해솔", "청룡", "오크밸리", "송림"]),
    "golf_note": _r(["시세 문의 환영", "명의개서 대행", "업계 최고가 매입", "법인·개인 회원권 전문"]),
    "optout_plain": lambda r: f"080{_digits(r, 7)}",
    "travel_brand": _r(["엘리트", "하늘", "그린", "나래"]),
    "trip_place": _r(["제주", "라오스", "베트남", "태국", "일본"]),
    "trip_place2": _r(["동남아", "큐슈", "다낭", "필리핀"]),
    "n_small2": lambda r: str(r.randint(2, 6)),
    "ins_cover": _r(["수술비", "암 진단비", "뇌혈관 진단비", "간병비", "골절 진단비", "입원비"]),
    "ins_cover2": _r(["생활비", "통원비", "실손", "치아 치료비", "상해 수술비"]),
    "capital": _r(["현대캐피탈", "KB캐피탈", "롯데캐피탈", "하나캐피탈", "BNK캐피탈"]),
    "ad_item": _r(["에어컨", "노트북", "냉장고", "TV", "갤럭시탭", "건조기", "안마의자"]),
    "retail": _r(
        [
            "삼성디지털프라자 강서점",
            "LG베스트샵 안양점",
            "하이마트 수원점",
            "롯데백화점",
            "NC백화점 유성점",
            "이마트 트레이더스",
        ]
    ),
    "gift": _r(["사은품", "스타벅스 쿠폰", "모바일 상품권", "무선 이어폰", "보조배터리", "커피 쿠폰"]),
    "mart_compact": _r(["케이마트", "하나로마트", "싱싱마트", "곰소식자재", "동네마트"]),
    "grocery_compact": _r(
        ["느타리2팩", "애호박", "단감10개", "삼겹살1근", "계란30구", "배추3포기", "우유2L"]
    ),
    "pet_shop": _r(["펫후", "멍냥상회", "펫마루"]),
    "fair_host": _r(["메쎄이상", "코엑스", "킨텍스", "벡스코"]),
    "fair_name": _r(
        ["일러스트코리아", "K-핸드메이드페어", "캠핑레포츠페어", "베이비페어", "커피엑스포", "웨딩박람회"]
    ),
    "hall_letter": _r(["A", "B", "C", "D"]),
    "hotel": _r(["롯데호텔 서울", "신라스테이", "해운대 그랜드", "제주 오션뷰 리조트"]),
    "clinic": _r(
        ["연세모두의원", "석플란트치과", "맑은피부과", "필스토리의원", "바른정형외과", "밝은눈안과"]
    ),
    "treatment": _r(["임플란트", "스킨부스터", "독감백신", "보톡스", "치아미백", "도수치료"]),
    "treatment2": _r(["레이저토닝", "스케일링", "물리치료", "울쎄라"]),
    "gym": _r(["세븐짐", "토마토휘트니스", "바디랩", "파워짐"]),
    "rental": _r(["이어카", "오토렌트", "카플랜", "렌트파크"]),
    "car_model": _r(["그랜저", "쏘렌토", "카니발", "아이오닉6", "EV9"]),
    "subject": _r(["토익", "수학", "영어회화", "코딩", "논술"]),
    "naver_place": lambda r: f"https://naver.me/{_word(r, 8, 8)}",
    "naver_form": lambda r: f"https://naver.me/{_word(r, 8, 8)}",
    "hair": _r(["리안헤어", "준오헤어", "헤어살롱 봄"]),
    "weekday": _r(["월", "화", "수", "목"]),
    "addon": _r(
        ["로그인 플러스", "세이프캐시", "내정보지키미", "휴대폰번호보호", "안심문자", "명의도용방지"]
    ),
    "provider": _r(["헥토이노베이션", "세이프텔", "코리아크레딧"]),
    "fee": _r(["1,100", "2,200", "3,300", "990"]),
    "coupon_kind": _r(["편의점", "커피", "영화"]),
    "bank_full": _r(["BNK부산은행", "신한은행", "KB국민은행", "우리은행", "NH농협은행"]),
    "prepaid": _r(["아이즈모바일", "이야기모바일", "프리티"]),
    "gift_service": _r(["기프티쇼", "기프티콘", "카카오 선물하기"]),
    "festival": _r(["선사문화축제", "한강 불꽃축제", "구민 체육대회", "벚꽃 축제"]),
    "dong": _r(["박달2동", "역삼1동", "중앙동", "신정3동"]),
    "welfare_item": _r(["장애인복지카드(재발급)", "기초연금", "아동수당", "에너지바우처"]),
    "vaccine": _r(["독감", "폐렴구균", "대상포진"]),
    "survey_topic": _r(["자동차 의견", "생활 만족도", "식품 정보 이용", "금융 소비자"]),
    "university": _r(["아주대학교", "한빛대학교", "새솔대학교"]),
    "newsletter": _r(["2025 여름호", "캠퍼스 소식", "동문 소식지"]),
    "saas": _r(["flex", "노션", "잔디", "워크플로"]),
    "church_event": _r(["수요예배", "주일예배", "청년부 모임", "새벽기도"]),
    "youtube": lambda r: f"https://youtu.be/{_word(r, 11, 11)}",
    "club": _r(["산악회", "동창회", "독서모임", "조기축구회"]),
    "company": _r(["KCC오토그룹", "한빛전자", "새솔물산"]),
    "otp3": lambda r: _digits(r, 3),
    "global_site": lambda r: (
        r.choice(["https://amazon.co.uk/a/c/", "https://accounts.google.com/", "https://www.apple.com/"])
        + _word(r, 6, 10)
    ),
    "scam_topic": _r(
        ["정부기관", "택배사", "카카오톡 오픈채팅", "수능 수험생", "추석 지원금", "저금리 대출"]
    ),
    "scam_trick": _r(
        [
            "긴급 생계지원금 신청 안내 문자 발송",
            "저금리 대환대출 광고로 개인정보 요구",
            "가족 사칭 후 상품권 구매 요구",
            "검찰 사칭 후 구속영장 발송",
        ]
    ),
    "warner": _r(["경찰청", "금융감독원", "OO은행", "한국인터넷진흥원", "서울지방경찰청"]),
    "own_link": _own_link,
    "own_domain": _own_domain,
    "card_site": _card_site,
}
