"""Submit → verdict latency of the smishing check, through the real path, against running services.

    python bench/smishing_latency.py --url http://127.0.0.1:8000 --username alice --password …  [-n 100]
    python bench/smishing_latency.py --url http://127.0.0.1:8000 --token fds_…                     [-n 100]

With a username and password (an account holding `smishing.add_submission`), the script logs in
through the login form, listens on the submitter's websocket (`/ws/smishing/submissions/`) and
measures from the moment the HTTP POST to /api/smishing/submissions starts until the `done` push
for that submission arrives: HTTP → Celery worker → model → Channels → client, the path a browser
takes. With a token (no session, so no websocket) it polls the API every few milliseconds instead,
which measures the same pipeline plus up to one poll interval.

The API is rate-limited per user (FDS_SMISHING_RATE_PER_MINUTE, default 30): on a 429 the script
waits Retry-After and does not count that wait. Raise the limit for long runs.

Prints one JSON object: n, p50/p90/p99/mean/max in milliseconds, the HTTP submit p50 alone, and
whether p50 meets the 150 ms target.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from typing import Any
from urllib.parse import urlparse

import requests

TARGET_P50_MS = 150.0
TEXTS = [
    "[국민건강보험] 건강검진 결과 통보서가 도착했습니다. 확인 http://nhis-kr.xyz/check",
    "[CJ대한통운] 고객님 택배가 주소불명으로 반송 예정입니다. 주소 수정 http://bit.ly/3xYcj",
    "엄마 나 폰 액정 깨져서 임시폰으로 문자해. 이 번호로 답장줘",
    "[국제발신] 해외결제 승인 987,000원 본인 아닐 시 문의 02-3478-1234",
    "[Web발신] 인증번호 [482913]를 입력해주세요. 타인에게 절대 알려주지 마세요.",
    "(광고) 봄맞이 세일 최대 50% 할인 안내 무료수신거부 080-123-4567",
    "[부고] 故 김영수님께서 별세하셨기에 부고를 알려드립니다. 장례식장 안내 http://han.gl/bugo",
    "Your parcel is held at customs. Pay the fee at http://usps-track.top/pay",
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


class Bench:
    def __init__(self, url: str, timeout: float) -> None:
        self.url = url.rstrip("/")
        self.http = requests.Session()
        self.timeout = timeout
        self.rate_limit_waits = 0

    def login(self, username: str, password: str) -> None:
        page = self.http.get(f"{self.url}/login/", timeout=self.timeout)
        page.raise_for_status()
        token = self.http.cookies.get("csrftoken", "")
        response = self.http.post(
            f"{self.url}/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.url}/login/"},
            timeout=self.timeout,
            allow_redirects=False,
        )
        if response.status_code != 302 or "sessionid" not in self.http.cookies:
            raise SystemExit(f"login failed for {username!r} (HTTP {response.status_code})")
        self.http.headers["X-CSRFToken"] = self.http.cookies.get("csrftoken") or ""
        self.http.headers["Referer"] = f"{self.url}/"

    def use_token(self, token: str) -> None:
        self.http.headers["Authorization"] = f"Bearer {token}"

    def submit(self, text: str) -> tuple[float, dict[str, Any]]:
        """(time the accepted POST started, its body); waits on 429 are not part of the latency."""
        while True:
            started = time.perf_counter()
            response = self.http.post(
                f"{self.url}/api/smishing/submissions",
                json={"text": text, "consent": False},
                timeout=self.timeout,
            )
            if response.status_code == 429:
                self.rate_limit_waits += 1
                time.sleep(float(response.headers.get("Retry-After", "5")))
                continue
            if response.status_code not in (200, 202):
                raise SystemExit(f"submit failed: HTTP {response.status_code} {response.text[:300]}")
            return started, response.json()

    def websocket(self) -> Any:
        from websockets.sync.client import connect

        parsed = urlparse(self.url)
        scheme = "wss" if parsed.scheme == "https" else "ws"
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies)
        socket = connect(  # noqa: SIM115 - closed by the caller after the run
            f"{scheme}://{parsed.netloc}/ws/smishing/submissions/",
            additional_headers={"Cookie": cookie, "Origin": self.url},
            open_timeout=self.timeout,
        )
        hello = json.loads(socket.recv(timeout=self.timeout))
        if hello.get("type") != "feed.ready":
            raise SystemExit(f"unexpected first websocket message: {hello}")
        return socket


def run_websocket(bench: Bench, samples: int, warmup: int) -> tuple[list[float], list[float]]:
    socket = bench.websocket()
    done_at: dict[int, float] = {}
    totals: list[float] = []
    submits: list[float] = []
    for i in range(warmup + samples):
        text = f"{TEXTS[i % len(TEXTS)]} ({i})"
        started, body = bench.submit(text)
        submitted = time.perf_counter()
        submission_id = body["id"]
        if body["status"] not in ("done", "refused"):
            while submission_id not in done_at:
                message = json.loads(socket.recv(timeout=bench.timeout))
                if message.get("type") == "submission.state" and message.get("status") in ("done", "failed"):
                    done_at[int(message["id"])] = time.perf_counter()
            finished = done_at[submission_id]
        else:
            finished = submitted
        if i >= warmup:
            totals.append((finished - started) * 1000)
            submits.append((submitted - started) * 1000)
    socket.close()
    return totals, submits


def run_polling(bench: Bench, samples: int, warmup: int, interval: float) -> tuple[list[float], list[float]]:
    totals: list[float] = []
    submits: list[float] = []
    for i in range(warmup + samples):
        text = f"{TEXTS[i % len(TEXTS)]} ({i})"
        started, body = bench.submit(text)
        submitted = time.perf_counter()
        deadline = started + bench.timeout
        while body["status"] not in ("done", "refused", "failed"):
            if time.perf_counter() > deadline:
                raise SystemExit(f"submission {body['id']} not done within {bench.timeout} s")
            time.sleep(interval)
            body = bench.http.get(f"{bench.url}{body['poll_url']}", timeout=bench.timeout).json()
        finished = time.perf_counter()
        if i >= warmup:
            totals.append((finished - started) * 1000)
            submits.append((submitted - started) * 1000)
    return totals, submits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="base URL of the running portal")
    parser.add_argument("--username", help="account with smishing.add_submission (websocket path)")
    parser.add_argument("--password", help="its password")
    parser.add_argument("--token", help="API bearer token (polling path, when no username is given)")
    parser.add_argument("-n", "--samples", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3, help="first submissions not counted (model load)")
    parser.add_argument("--poll-interval", type=float, default=0.005, help="seconds, polling path only")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for one verdict")
    args = parser.parse_args(argv)

    bench = Bench(args.url, args.timeout)
    if args.username:
        if not args.password:
            parser.error("--password is required with --username")
        bench.login(args.username, args.password)
        path = "http-post → celery → channels websocket"
        totals, submits = run_websocket(bench, args.samples, args.warmup)
    elif args.token:
        bench.use_token(args.token)
        path = f"http-post → celery → http poll every {args.poll_interval * 1000:.0f} ms"
        totals, submits = run_polling(bench, args.samples, args.warmup, args.poll_interval)
    else:
        parser.error("give --username/--password or --token")

    p50 = percentile(totals, 0.50)
    result = {
        "benchmark": "smishing submit → verdict",
        "path": path,
        "url": bench.url,
        "n": len(totals),
        "p50_ms": round(p50, 1),
        "p90_ms": round(percentile(totals, 0.90), 1),
        "p99_ms": round(percentile(totals, 0.99), 1),
        "mean_ms": round(statistics.fmean(totals), 1) if totals else None,
        "max_ms": round(max(totals), 1) if totals else None,
        "submit_http_p50_ms": round(percentile(submits, 0.50), 1),
        "target_p50_ms": TARGET_P50_MS,
        "meets_target": p50 <= TARGET_P50_MS,
        "rate_limit_waits": bench.rate_limit_waits,
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
