"""Fixtures of the smishing app tests.

`fake_model` stands in for the trained engine model where a test is about the app (storage, rights,
pushes, campaigns) rather than about classification: its verdicts are fixed by simple rules over
the real indicator extractor, so those tests are fast and cannot drift with the model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from smishing import intake, model_versions
from smishing.engine import LABELS, Reason, SmishingModel, Span, Verdict, extract_indicators
from smishing.models import SmishingModelVersion, Submission


class FakeModel:
    """Smishing when the text has a URL (evidence: the URL), spam when it has "도박", else normal.
    "애매" ("ambiguous") makes the call close, for the uncertainty queue."""

    version = "fake-1"

    def predict(self, texts: list[str]) -> list[Verdict]:
        verdicts = []
        for text in texts:
            indicators = extract_indicators(text)
            urls = [i for i in indicators if i.kind == "url"]
            reasons: tuple[Reason, ...] = ()
            if urls:
                label, top = "smishing", 0.93
                reasons = (
                    Reason(
                        "url_unknown_origin",
                        0.8,
                        "출처를 알 수 없는 링크가 있습니다.",
                        "Contains a link of unknown origin.",
                        (urls[0].span,),
                    ),
                )
            elif "도박" in text:
                start = text.index("도박")
                label, top = "spam", 0.8
                reasons = (
                    Reason(
                        "banned_goods",
                        0.6,
                        "불법 도박 광고입니다.",
                        "Gambling ad.",
                        (Span.of(text, start, start + 2),),
                    ),
                )
            else:
                label, top = "normal", 0.9
            if "애매" in text:
                top = 0.4
            rest = (1 - top) / (len(LABELS) - 1)
            probabilities = {name: (top if name == label else rest) for name in LABELS}
            verdicts.append(Verdict(label, top, probabilities, reasons, indicators))
        return verdicts


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    # Rate counters live in the shared cache and are keyed by user id, which a rolled-back test reuses.
    # Only those keys go: the same Redis holds the Celery queues of a live worker.
    client = cache._cache.get_client(None, write=True)  # type: ignore[attr-defined]
    for key in client.scan_iter(match="*smishing:rate:*"):
        client.delete(key)


@pytest.fixture
def fake_model(db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeModel]:
    model = FakeModel()
    version = SmishingModelVersion.objects.create(name="fake", artifact=b"fake", is_active=True)
    monkeypatch.setattr(model_versions, "model_active_get", lambda: (version.pk, version.name, model))
    yield model


@pytest.fixture
def submit(django_capture_on_commit_callbacks: Any) -> Callable[..., Submission]:
    """Submit like the intake does and run what it queues (Celery is eager in tests)."""

    def make(user: User, text: str, *, consent: bool = False, sender: str = "") -> Submission:
        with django_capture_on_commit_callbacks(execute=True):
            submission = intake.submission_create(user=user, text=text, sender=sender, consent=consent)
        return Submission.objects.get(pk=submission.pk)

    return make


SMISHING_TEXT = "[국민건강보험] 건강검진 결과 통보서 확인 http://nhis-kr.xyz/check 바로 확인하세요"
NORMAL_TEXT = "[신한카드] 승인 김*수님 12,500원 일시불 스타벅스 누적 1,234,500원"


@pytest.fixture(scope="session")
def tiny_artifact(django_db_setup, django_db_blocker) -> bytes:
    """A real engine model trained on one generated message per template, once per session."""
    from smishing.engine import generate_corpus, split_by_template, train

    corpus = generate_corpus(seed=0, per_template=1)
    train_part, _test = split_by_template(corpus, test_share=0.25, seed=0)
    model, _report = train(
        [e.text for e in train_part],
        [e.label for e in train_part],
        groups=[e.template_id for e in train_part],
    )
    return model.dumps()


@pytest.fixture(scope="session")
def default_model() -> SmishingModel:
    """The default model as set-up trains it (generated corpus only, fewer messages per template):
    trained once per test process for the engine tests that read real-report kinds."""
    from smishing.engine.training import train_default

    model, _report, _held = train_default(seed=0, per_template=8)
    return model
