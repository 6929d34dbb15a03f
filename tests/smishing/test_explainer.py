from __future__ import annotations

from django.urls import reverse

from smishing import scoring
from tests.smishing.conftest import SMISHING_TEXT


class ScriptedExplainer:
    def __init__(self, paragraph: str | None) -> None:
        self.paragraph = paragraph
        self.calls = 0

    def explain(self, text, verdict):
        self.calls += 1
        return self.paragraph


def test_explainer_is_off_by_default(settings):
    assert not getattr(settings, "FDS_SMISHING_LLM_ENDPOINTS", None)
    assert scoring.explainer_get() is None


def test_grounded_paragraph_is_shown_instead_of_the_reason_list(
    employee, fake_model, submit, client_for, monkeypatch
):
    paragraph = "건강검진 결과를 사칭하며 http://nhis-kr.xyz/check 링크로 유도하는 스미싱입니다."
    explainer = ScriptedExplainer(paragraph)
    monkeypatch.setattr(scoring, "explainer_get", lambda: explainer)
    submission = submit(employee, SMISHING_TEXT)
    submission.refresh_from_db()
    assert submission.explanation == paragraph
    html = client_for(employee).get(reverse("smishing:detail", args=[submission.pk])).content.decode()
    assert 'data-testid="explanation"' in html and paragraph in html


def test_paragraph_naming_a_link_not_in_the_message_falls_back_to_the_reasons(
    employee, fake_model, submit, client_for, monkeypatch
):
    explainer = ScriptedExplainer(
        "이 문자는 http://other-site.example/ 로 유도합니다. 010-1111-2222 로 전화하세요."
    )
    monkeypatch.setattr(scoring, "explainer_get", lambda: explainer)
    submission = submit(employee, SMISHING_TEXT)
    submission.refresh_from_db()
    assert explainer.calls == 1 and submission.explanation == ""
    html = client_for(employee).get(reverse("smishing:detail", args=[submission.pk])).content.decode()
    assert 'data-testid="explanation"' not in html and 'data-testid="reasons"' in html
