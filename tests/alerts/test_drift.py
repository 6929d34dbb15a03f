"""Drift: live traffic whose feature distribution moved away from the training data raises a banner on
the dashboard and an audit event; unchanged traffic raises nothing."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from alerts.drift import drift_compute, reference_build
from alerts.features import FEATURE_INDEX, FEATURE_NAMES
from alerts.models import Customer, DriftReport, ModelVersion, Score, Transaction
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _matrix(rng: np.random.Generator, n: int, *, amount_scale: float = 1.0) -> np.ndarray:
    matrix = rng.normal(size=(n, len(FEATURE_NAMES)))
    matrix[:, FEATURE_INDEX["amount"]] = rng.lognormal(mean=9.0, sigma=0.6, size=n) * amount_scale
    return matrix


@pytest.fixture
def live_model() -> ModelVersion:
    rng = np.random.default_rng(0)
    reference = reference_build(matrix=_matrix(rng, 5000), scores=rng.beta(1, 20, size=5000))
    return ModelVersion.objects.create(
        name="live", artifact=b"x", is_active=True, threshold=0.5, training_data={"reference": reference}
    )


def _live_traffic(model: ModelVersion, *, amount_scale: float, n: int = 600) -> None:
    rng = np.random.default_rng(1)
    customer = Customer.objects.create(external_id="C1")
    now = timezone.now() - timedelta(hours=2)
    txs = Transaction.objects.bulk_create(
        Transaction(external_id=f"T{i}", customer=customer, amount=1000 + i, occurred_at=now, status="scored")
        for i in range(n)
    )
    matrix = _matrix(rng, n, amount_scale=amount_scale)
    Score.objects.bulk_create(
        Score(
            transaction=tx,
            model_version=model,
            score=float(s),
            model_score=float(s),
            features=dict(zip(FEATURE_NAMES, map(float, row), strict=True)),
            created_at=now,
        )
        for tx, row, s in zip(txs, matrix, rng.beta(1, 20, size=n), strict=True)
    )


def test_a_shifted_feature_raises_the_dashboard_banner_and_an_audit_event(live_model, analyst, client_for):
    _live_traffic(live_model, amount_scale=4.0)  # amounts four times what the model trained on
    report = drift_compute()
    assert report is not None and report.drifted == ["amount"]
    assert report.feature_psi["amount"] > 1.0 and (report.score_psi or 0.0) < 0.25
    event = AuditEvent.objects.get(action="alerts.model.drift_detected")
    assert event.after["drifted"] == ["amount"] and event.model_version == "live"
    assert drift_compute() == report  # the same hour: no second report, no second event
    assert AuditEvent.objects.filter(action="alerts.model.drift_detected").count() == 1

    page = client_for(analyst).get("/alerts/")
    assert 'data-testid="drift-banner"' in page.content.decode() and "amount" in page.content.decode()
    drift_page = client_for(analyst).get("/alerts/models/drift/")
    assert drift_page.status_code == 200 and 'data-figure="chart-psi"' in drift_page.content.decode()


def test_unchanged_traffic_raises_nothing(live_model, analyst, client_for):
    _live_traffic(live_model, amount_scale=1.0)
    report = drift_compute()
    assert report is not None and report.drifted == [] and max(report.feature_psi.values()) < 0.1
    assert not AuditEvent.objects.filter(action="alerts.model.drift_detected").exists()
    assert 'data-testid="drift-banner"' not in client_for(analyst).get("/alerts/").content.decode()
    assert DriftReport.objects.count() == 1
