"""The FDS model's life: labels known at the cut-off, governance exclusions, challenger in shadow,
gated promotion by a second senior, rollback, and a retraining task that is safe to run twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts import lifecycle
from alerts.labels import LateLabel, labels_as_of, labels_submit
from alerts.models import Alert, Label, ModelVersion, Retraining, Score, ShadowScore, Transaction
from alerts.schemas import TransactionIn
from alerts.services import transactions_ingest, transactions_score
from alerts.tasks import retraining_run_task
from alerts.training import training_set_build
from audit.models import AuditEvent
from fdsportal import roles
from tests.factories import labelled_history_ingest, tx_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(db) -> list[int]:
    return labelled_history_ingest()


@pytest.fixture
def senior_b(make_user):
    return make_user(roles.SENIOR_ANALYST, "senior_b")


@pytest.fixture
def label_feed(make_user):
    return make_user(roles.LABEL_FEED, "chargebacks")


def _retrain(actor, capture) -> Retraining:
    with capture(execute=True):
        job = lifecycle.retraining_start(actor=actor)
    job.refresh_from_db()
    assert job.status == Retraining.Status.SUCCEEDED, job.error
    return job


def _with_champion(senior, capture) -> ModelVersion:
    """A first run (no champion yet) whose challenger is bootstrapped as the live model."""
    first = _retrain(senior, capture)
    assert first.challenger is not None
    return lifecycle.model_bootstrap(version=first.challenger, system_actor="tests", reason="first model")


def _refs(ids: list[int]) -> list[tuple[int, str, tuple]]:
    rows = (
        Transaction.objects.filter(pk__in=ids).order_by("occurred_at", "id").values_list("id", "external_id")
    )
    return [(pk, ext, (pk,)) for pk, ext in rows]


def test_a_label_known_after_the_cutoff_is_not_used(history, label_feed):
    cutoff = timezone.now()
    flipped = Transaction.objects.filter(pk__in=history, is_fraud=False).order_by("occurred_at").last()
    assert flipped is not None
    # A chargeback arrives after the cut-off and turns a genuine label into fraud.
    labels_submit(
        labels=[LateLabel(flipped.external_id, True, Label.Source.CHARGEBACK, reference="CB-1")],
        actor=label_feed,
    )
    at_cutoff = labels_as_of(cutoff=cutoff, rows=_refs(history))
    later = labels_as_of(cutoff=timezone.now(), rows=_refs(history))
    assert at_cutoff.values[flipped.pk] is False and "chargeback" not in at_cutoff.sources
    assert later.values[flipped.pk] is True and later.sources["chargeback"] == 1

    # A transaction whose only label came after the cut-off is left out, and the run says so.
    unlabelled = TransactionIn.model_validate(tx_row("late-1", customer=flipped.customer.external_id))
    (new_id,) = transactions_ingest(rows=[unlabelled], source="api", enqueue=False).created_ids
    Transaction.objects.filter(pk=new_id).update(occurred_at=flipped.occurred_at)
    cutoff = timezone.now()
    labels_submit(
        labels=[LateLabel("late-1", True, Label.Source.CHARGEBACK, reference="CB-2")], actor=label_feed
    )
    data = training_set_build(cutoff=cutoff, window_days=90, eval_days=7, label_delay_days=7)
    assert data.lineage["excluded"]["known_after_cutoff"] == 1
    assert new_id in data.lineage["excluded_examples"]["known_after_cutoff"]
    # CB-1 was known at this cut-off, CB-2 was not.
    assert data.lineage["label_sources"]["chargeback"] == 1


def test_an_overturned_dismissal_is_excluded_and_reported(
    history, analyst, compliance, senior, django_capture_on_commit_callbacks
):
    from cases.models import QaReview
    from cases.qa import qa_review_record
    from cases.triage import alert_dismiss

    tx = Transaction.objects.filter(pk__in=history, is_fraud=True).order_by("occurred_at").last()
    assert tx is not None
    champion = ModelVersion.objects.create(name="scored-it", artifact=b"x")
    score = Score.objects.create(transaction=tx, model_version=champion, score=0.9, model_score=0.9)
    alert = Alert.objects.create(transaction=tx, score=score, customer=tx.customer)
    # The analyst dismisses a real fraud as a false positive; compliance QA says the dismissal was wrong.
    alert_dismiss(alert_id=alert.pk, actor=analyst, reason_code="customer_confirmed")
    assert Label.objects.get(transaction=tx, source=Label.Source.DISMISSAL).is_fraud is False
    review, _ = QaReview.objects.get_or_create(alert=alert)
    qa_review_record(
        review_id=review.pk, actor=compliance, outcome=QaReview.Outcome.DISAGREE, comment="fraud"
    )

    job = _retrain(senior, django_capture_on_commit_callbacks)
    assert job.challenger is not None
    lineage = job.challenger.training_data
    assert lineage["excluded"]["qa_overturned"] == 1
    assert lineage["excluded_examples"]["qa_overturned"] == [tx.pk]
    assert "dismissal" not in lineage["label_sources"]


def test_test_and_duplicate_traffic_never_train(db, senior):
    ids = labelled_history_ingest(customers=60, days=28, seed=5)
    original = Transaction.objects.filter(pk__in=ids, is_fraud=True).first()
    assert original is not None
    copies = [
        TransactionIn.model_validate(
            tx_row(
                name,
                customer=original.customer.external_id,
                amount=original.amount,
                when=original.occurred_at,
                merchant=None,
                is_fraud=True,
            )
        )
        for name in ("TEST-probe-1", "resent-1")
    ]
    result = transactions_ingest(
        rows=copies, source="qa.csv", historical=True, enqueue=False, accept_labels=True
    )
    transactions_score(transaction_ids=result.created_ids)
    # The re-sent copy is the same payment as the test probe (same customer, amount and time).
    data = training_set_build(cutoff=timezone.now(), window_days=90, eval_days=7, label_delay_days=7)
    assert data.lineage["excluded"]["test_traffic"] == 1
    assert data.lineage["excluded"]["duplicate"] == 1


def test_a_challenger_scores_in_shadow_and_never_alerts(history, senior, django_capture_on_commit_callbacks):
    champion = _with_champion(senior, django_capture_on_commit_callbacks)
    job = _retrain(senior, django_capture_on_commit_callbacks)
    challenger = job.challenger
    assert challenger is not None
    assert challenger.is_shadow and not challenger.is_active
    assert job.evaluation["champion"]["name"] == champion.name
    # Even at a threshold of zero, where it would alert on everything, the challenger alerts on nothing.
    ModelVersion.objects.filter(pk=challenger.pk).update(threshold=0.0)
    customer = Transaction.objects.get(pk=history[0]).customer.external_id
    rows = [
        TransactionIn.model_validate(tx_row(f"live-{i}", customer=customer, amount=amount))
        for i, amount in enumerate([5_000, 9_900_000, 12_000, 15_000_000])
    ]
    ids = transactions_ingest(rows=rows, source="api", enqueue=False).created_ids
    transactions_score(transaction_ids=ids)
    assert ShadowScore.objects.filter(transaction_id__in=ids, model_version=challenger).count() == 4
    assert set(Score.objects.filter(transaction_id__in=ids).values_list("model_version_id", flat=True)) == {
        champion.pk
    }
    assert not Alert.objects.filter(score__model_version=challenger).exists()
    assert Alert.objects.filter(transaction_id__in=ids).count() < 4  # the champion's threshold decided


def test_promotion_needs_a_second_senior_and_rollback_restores_the_champion(
    history, senior, senior_b, analyst, django_capture_on_commit_callbacks
):
    champion = _with_champion(senior, django_capture_on_commit_callbacks)
    job = _retrain(senior, django_capture_on_commit_callbacks)
    assert job.evaluation["gate"]["passed"], job.evaluation["gate"]
    with pytest.raises(lifecycle.LifecycleRefused, match="different senior"):
        lifecycle.model_promote(retraining_id=job.pk, actor=senior)
    with pytest.raises(lifecycle.LifecycleRefused):
        lifecycle.model_promote(retraining_id=job.pk, actor=analyst)
    assert ModelVersion.objects.get(is_active=True) == champion

    promoted = lifecycle.model_promote(retraining_id=job.pk, actor=senior_b, reason="better AP")
    assert promoted.is_active and promoted.replaced_id == champion.pk
    event = AuditEvent.objects.get(action="alerts.model.promoted")
    assert event.actor_label == "senior_b" and event.context["evaluation"]["gate"]["passed"] is True
    assert event.context["started_by"] == "senior"

    customer = Transaction.objects.get(pk=history[0]).customer.external_id

    def score_one(name: str) -> Score:
        (tx_id,) = transactions_ingest(
            rows=[TransactionIn.model_validate(tx_row(name, customer=customer, amount=8_000_000))],
            source="api",
            enqueue=False,
        ).created_ids
        transactions_score(transaction_ids=[tx_id])
        return Score.objects.get(transaction_id=tx_id)

    assert score_one("after-promotion").model_version_id == promoted.pk
    with pytest.raises(lifecycle.LifecycleRefused, match="reason"):
        lifecycle.model_rollback(actor=senior_b, reason=" ")
    restored = lifecycle.model_rollback(actor=senior_b, reason="alert volume doubled")
    assert restored == champion
    after = score_one("after-rollback")
    assert after.model_version_id == champion.pk
    assert (
        AuditEvent.objects.filter(action="alerts.model.rolled_back", model_version=champion.name).count() == 1
    )


def test_a_worse_challenger_cannot_be_promoted(
    history, senior, senior_b, label_feed, django_capture_on_commit_callbacks
):
    import random

    champion = _with_champion(senior, django_capture_on_commit_callbacks)
    # Poisoned training labels (a feed gone wrong): before the evaluation week every fraud is relabelled
    # genuine and as many random genuine payments fraud, while the evaluation week keeps its truth. The
    # challenger learns noise and is judged on the real week.
    last = Transaction.objects.filter(pk__in=history).latest("occurred_at").occurred_at
    early = Transaction.objects.filter(pk__in=history, occurred_at__lt=last - timedelta(days=8))
    frauds = list(early.filter(is_fraud=True).values_list("external_id", flat=True))
    genuine = list(early.filter(is_fraud=False).values_list("external_id", flat=True))
    decoys = random.Random(1).sample(genuine, len(frauds))
    labels_submit(
        labels=[LateLabel(ext, False, Label.Source.LATE_REPORT, reference=f"poison-{ext}") for ext in frauds]
        + [LateLabel(ext, True, Label.Source.LATE_REPORT, reference=f"poison-{ext}") for ext in decoys],
        actor=label_feed,
    )
    job = _retrain(senior, django_capture_on_commit_callbacks)
    assert job.evaluation["gate"]["passed"] is False
    with pytest.raises(lifecycle.LifecycleRefused, match="worse"):
        lifecycle.model_promote(retraining_id=job.pk, actor=senior_b)
    assert ModelVersion.objects.get(is_active=True) == champion
    assert not AuditEvent.objects.filter(action="alerts.model.promoted").exists()


def test_a_retraining_task_run_twice_stores_one_challenger(history, senior):
    job = lifecycle.retraining_start(actor=senior)  # the enqueue waits for a commit that never comes here
    before = ModelVersion.objects.count()
    retraining_run_task(job.pk)
    retraining_run_task(job.pk)  # a re-delivered message
    job.refresh_from_db()
    assert job.status == Retraining.Status.SUCCEEDED
    assert ModelVersion.objects.count() == before + 1
    assert ModelVersion.objects.filter(is_shadow=True).get() == job.challenger
    with pytest.raises(lifecycle.LifecycleRefused, match="already in progress"):
        Retraining.objects.filter(pk=job.pk).update(status=Retraining.Status.QUEUED)
        lifecycle.retraining_start(actor=senior)


def test_a_retraining_without_enough_labels_fails_with_the_reason(
    db, senior, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = lifecycle.retraining_start(actor=senior)
    job.refresh_from_db()
    assert job.status == Retraining.Status.FAILED and "no labels" in job.error
    assert not ModelVersion.objects.exists()
