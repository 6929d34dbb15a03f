# ruff: noqa: E501  (hand-written Korean messages: Hangul counts double towards the limit)
"""LLM explainer against fake OpenAI-compatible servers on 127.0.0.1 (no model, no network)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from smishing.engine import LlmExplainer, Reason, Span, Verdict, paragraph_is_grounded

MESSAGE = "[국제발신] 해외결제 987,000원 승인. 본인 아닐 시 문의 02-3456-7890 https://bit.ly/3xYz 텔레그램 @help_desk"


def _verdict() -> Verdict:
    url = MESSAGE.index("https://bit.ly/3xYz")
    phone = MESSAGE.index("02-3456-7890")
    reasons = (
        Reason(
            "url_shortener",
            0.6,
            "단축 URL입니다.",
            "A shortener link.",
            (Span(url, url + 19, "https://bit.ly/3xYz"),),
        ),
        Reason(
            "intl_payment_callback",
            0.9,
            "해외결제 승인 후 전화 유도",
            "Call-back lure",
            (Span(phone, phone + 12, "02-3456-7890"),),
        ),
    )
    probabilities = {"smishing": 0.97, "spam": 0.02, "ad": 0.0, "normal": 0.01, "unknown": 0.0}
    return Verdict("smishing", 0.97, probabilities, reasons, ())


class _Server:
    def __init__(self, respond: Callable[[dict], tuple[int, str]], delay: float = 0.0) -> None:
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(
                    {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
                )
                if delay:
                    time.sleep(delay)
                status, content = respond(body)
                payload = json.dumps(
                    {"choices": [{"message": {"role": "assistant", "content": content}}]}
                ).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[..., _Server]]:
    servers: list[_Server] = []

    def start(respond: Callable[[dict], tuple[int, str]], delay: float = 0.0) -> _Server:
        server = _Server(respond, delay)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


GROUNDED = "해외결제 987,000원 승인을 알리며 02-3456-7890 으로 전화하게 하고, 단축 주소 https://bit.ly/3xYz 를 씁니다."


def test_grounded_answer_is_returned(serve: Callable[..., _Server]) -> None:
    server = serve(lambda body: (200, GROUNDED))
    explainer = LlmExplainer([server.url], model="ko-explainer", api_key="k-123")
    assert explainer.explain(MESSAGE, _verdict()) == GROUNDED
    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer k-123"
    assert request["body"]["model"] == "ko-explainer"
    assert "02-3456-7890" in request["body"]["messages"][1]["content"]


@pytest.mark.parametrize(
    "invented",
    [
        "이 문자는 https://evil-bank.top/login 으로 유도합니다.",
        "이 문자는 02-9999-1111 로 전화하게 합니다.",
        "해외결제 1,500,000원 승인을 사칭합니다.",
        "텔레그램 @other_handle 로 연락하게 합니다.",
    ],
)
def test_answer_inventing_a_url_number_or_handle_is_rejected(
    serve: Callable[..., _Server], invented: str
) -> None:
    server = serve(lambda body: (200, invented))
    assert LlmExplainer([server.url], model="m").explain(MESSAGE, _verdict()) is None


def test_first_backend_down_second_used(serve: Callable[..., _Server]) -> None:
    broken = serve(lambda body: (500, "error"))
    healthy = serve(lambda body: (200, GROUNDED))
    dead = "http://127.0.0.1:9"  # nothing listens on the discard port
    explainer = LlmExplainer([dead, broken.url, healthy.url], model="m", timeout=2.0)
    assert explainer.explain(MESSAGE, _verdict()) == GROUNDED
    assert len(broken.requests) == 1 and len(healthy.requests) == 1
    # The failed backends cool down: the next call goes straight to the healthy one.
    assert explainer.explain(MESSAGE, _verdict()) == GROUNDED
    assert len(broken.requests) == 1 and len(healthy.requests) == 2


def test_timeout_is_respected_and_falls_back(serve: Callable[..., _Server]) -> None:
    slow = serve(lambda body: (200, GROUNDED), delay=2.0)
    fast = serve(lambda body: (200, GROUNDED))
    started = time.monotonic()
    assert LlmExplainer([slow.url, fast.url], model="m", timeout=0.3).explain(MESSAGE, _verdict()) == GROUNDED
    assert time.monotonic() - started < 1.5
    started = time.monotonic()
    assert LlmExplainer([slow.url], model="m", timeout=0.3).explain(MESSAGE, _verdict()) is None
    assert time.monotonic() - started < 1.5


def test_concurrency_cap(serve: Callable[..., _Server]) -> None:
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def respond(body: dict) -> tuple[int, str]:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.1)
        with lock:
            in_flight -= 1
        return 200, GROUNDED

    server = serve(respond)
    explainer = LlmExplainer([server.url], model="m", max_concurrency=2, timeout=5.0)
    results: list[str | None] = []
    threads = [
        threading.Thread(target=lambda: results.append(explainer.explain(MESSAGE, _verdict())))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [GROUNDED] * 6 and peak <= 2


def test_paragraph_grounding_rules() -> None:
    assert paragraph_is_grounded("단축 주소 bit.ly/3xYz 와 번호 02-3456-7890, 금액 987000원", MESSAGE)
    assert paragraph_is_grounded("두 가지 이유로 위험합니다: 1) 링크 2) 전화 유도", MESSAGE)
    assert paragraph_is_grounded("@help_desk 로 연락하게 합니다", MESSAGE)
    assert not paragraph_is_grounded("www.kbstar.com 에서 확인하세요", MESSAGE)
    assert not paragraph_is_grounded("010-1111-2222 로 전화", MESSAGE)


def test_no_reasons_means_no_call(serve: Callable[..., _Server]) -> None:
    server = serve(lambda body: (200, GROUNDED))
    verdict = Verdict("normal", 0.9, {"normal": 0.9}, (), ())
    assert LlmExplainer([server.url], model="m").explain("안녕", verdict) is None
    assert server.requests == []
