"""Optional LLM explainer (off by default): rewrites grounded reasons into one paragraph.

Talks to OpenAI-compatible `/v1/chat/completions` endpoints with the standard library only. Several
backends share a concurrency cap; a backend that fails or times out is skipped for a short cool-down
and the next one is tried. The paragraph is returned only if every URL, number and handle it
mentions appears in the message (`paragraph_is_grounded`); otherwise the caller shows the grounded
reasons instead.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from smishing.engine.indicators import extract_indicators
from smishing.engine.types import Verdict
from untrusted.text import compile_pattern

_NUMBER = compile_pattern("explainer.number", r"\d(?:[\d,.\-\s]*\d)?")
_HANDLE = compile_pattern("explainer.handle", r"(?:^|[^\w.])@(?P<handle>[A-Za-z0-9_]{3,32})")
_DOMAINISH = compile_pattern(
    "explainer.domainish",
    r"(?:h(?:tt|xx)ps?://)?(?:[A-Za-z0-9\-]+\.)+[A-Za-z]{2,24}(?:/\S*)?",
    ignore_case=True,
)
_NON_DIGIT = compile_pattern("explainer.non_digit", r"\D+")
_SCHEME = compile_pattern("explainer.scheme", r"^h(?:tt|xx)ps?://")
_DIGITS_AND_DOTS = compile_pattern("explainer.digits_and_dots", r"[\d.]+")

SYSTEM_PROMPT = (
    "당신은 은행의 스미싱 분석 도우미입니다. 주어진 판정 이유만 바탕으로 "
    "고객이 이해하기 쉬운 한국어 문단 하나(3문장 이내)를 쓰세요. "
    "메시지에 없는 URL, 전화번호, 계좌번호, 아이디, 숫자는 절대 쓰지 마세요. "
    "새로운 사실을 지어내지 마세요."
)


def _digit_forms(text: str) -> set[str]:
    forms = set()
    for match in _NUMBER.finditer(text):
        digits = _NON_DIGIT.sub("", match.group(0) or "")
        if digits:
            forms.add(digits)
    return forms


def paragraph_is_grounded(paragraph: str, text: str) -> bool:
    """True when every URL, number (two digits or more) and handle in `paragraph` appears in `text`.

    Numbers are compared by their digits ("987,000" matches "987000원"), URLs and handles without
    regard to case. Single digits are ignored ("두 가지" may be written "2가지").
    """
    lowered = text.lower()
    text_digits = _digit_forms(text)
    joined_digits = _NON_DIGIT.sub("", text)
    for indicator in extract_indicators(paragraph):
        value = indicator.value.lower()
        if indicator.kind == "url":
            bare = _SCHEME.sub("", value).rstrip("/")
            if bare not in lowered and value not in lowered:
                return False
        elif indicator.kind == "messenger" and value not in lowered:
            return False
    for match in _DOMAINISH.finditer(paragraph):
        bare = _SCHEME.sub("", (match.group(0) or "").lower()).rstrip("/.")
        if "." in bare and not _DIGITS_AND_DOTS.fullmatch(bare) and bare not in lowered:
            return False
    for match in _HANDLE.scan(paragraph, "handle"):
        if (match.group("handle") or "").lower() not in lowered:
            return False
    for match in _NUMBER.finditer(paragraph):
        digits = _NON_DIGIT.sub("", match.group(0) or "")
        if len(digits) < 2:
            continue
        if (
            digits not in text_digits
            and not any(digits in form for form in text_digits)
            and digits not in joined_digits
        ):
            return False
    return True


class LlmExplainer:
    """Rewrites a verdict's grounded reasons into a paragraph through OpenAI-compatible backends."""

    COOL_DOWN_SECONDS = 30.0

    def __init__(
        self,
        endpoints: list[str],
        *,
        model: str,
        api_key: str | None = None,
        timeout: float = 5.0,
        max_concurrency: int = 4,
    ) -> None:
        if not endpoints:
            raise ValueError("at least one endpoint is needed")
        self.endpoints = [self._completions_url(endpoint) for endpoint in endpoints]
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._failed_until: dict[str, float] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _completions_url(endpoint: str) -> str:
        endpoint = endpoint.rstrip("/")
        if endpoint.endswith("/chat/completions"):
            return endpoint
        if endpoint.endswith("/v1"):
            return endpoint + "/chat/completions"
        return endpoint + "/v1/chat/completions"

    def _ordered_endpoints(self) -> list[str]:
        now = time.monotonic()
        with self._lock:
            healthy = [e for e in self.endpoints if self._failed_until.get(e, 0.0) <= now]
            cooling = [e for e in self.endpoints if e not in healthy]
        return healthy + cooling  # a cooling backend is still a last resort

    def _mark(self, endpoint: str, *, failed: bool) -> None:
        with self._lock:
            if failed:
                self._failed_until[endpoint] = time.monotonic() + self.COOL_DOWN_SECONDS
            else:
                self._failed_until.pop(endpoint, None)

    def _messages(self, text: str, verdict: Verdict) -> list[dict[str, str]]:
        payload = {
            "message": text,
            "verdict": verdict.label,
            "probability": round(verdict.probability, 2),
            "reasons": [
                {"reason": reason.text_ko, "evidence": [span.text for span in reason.evidence]}
                for reason in verdict.reasons
            ],
        }
        return [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": json.dumps(payload, ensure_ascii=False)},
        ]

    def _call(self, endpoint: str, body: bytes, timeout: float) -> str:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(endpoint, data=body, headers=headers, method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured http(s) URL)
            data: Any = json.loads(response.read().decode("utf-8"))
        content = data["choices"][0]["message"]["content"]
        if not isinstance(content, str):
            raise ValueError("no text in completion")
        return content.strip()

    def explain(self, text: str, verdict: Verdict) -> str | None:
        """A grounded paragraph, or None (no reasons, every backend failed, or the answer invented facts).

        Network I/O only; no state besides the per-backend cool-down. Safe to call from many threads:
        at most `max_concurrency` requests are in flight, and a call waits at most `timeout` for a slot.
        """
        if not verdict.reasons:
            return None
        if not self._slots.acquire(timeout=self.timeout):
            return None
        try:
            body = json.dumps(
                {
                    "model": self.model,
                    "messages": self._messages(text, verdict),
                    "temperature": 0.2,
                    "max_tokens": 300,
                },
                ensure_ascii=False,
            ).encode("utf-8")
            for endpoint in self._ordered_endpoints():
                try:
                    paragraph = self._call(endpoint, body, self.timeout)
                except (
                    urllib.error.URLError,
                    TimeoutError,
                    OSError,
                    ValueError,
                    KeyError,
                    IndexError,
                    TypeError,
                ):
                    self._mark(endpoint, failed=True)
                    continue
                self._mark(endpoint, failed=False)
                if paragraph and paragraph_is_grounded(paragraph, text):
                    return paragraph
                return None
            return None
        finally:
            self._slots.release()
