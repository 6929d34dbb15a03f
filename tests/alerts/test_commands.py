"""Bulk import and training commands, on the public handbook file and on bad files."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from alerts.models import Label, ModelVersion, Transaction
from alerts.services import transactions_score

HANDBOOK = settings.FDS_SHARED_DIR / "data" / "handbook" / "transactions.parquet"
pytestmark = pytest.mark.django_db


def import_handbook(limit: int, *, stdout: StringIO) -> None:
    call_command(
        "import_transactions",
        str(HANDBOOK),
        "--preset",
        "handbook",
        "--amount-scale",
        "1000",
        "--id-prefix",
        "hb-",
        "--limit",
        str(limit),
        stdout=stdout,
        stderr=StringIO(),
    )


def test_the_public_handbook_imports_with_its_column_mapping(django_capture_on_commit_callbacks):
    out = StringIO()
    import_handbook(3000, stdout=out)
    assert "imported 3,000 new transactions" in out.getvalue()
    assert Transaction.objects.filter(status=Transaction.Status.HISTORY).count() == 3000  # folded (eager)
    first = Transaction.objects.get(external_id="hb-0")
    assert first.amount == 57_160 and first.is_fraud is False  # TX_AMOUNT 57.16 × 1000
    assert first.occurred_at.isoformat() == "2018-03-31T15:00:31+00:00"  # 00:00:31 in Seoul
    again = StringIO()
    import_handbook(3000, stdout=again)
    assert "imported 0 new transactions (3,000 duplicates skipped)" in again.getvalue()
    assert Transaction.objects.count() == 3000


def test_a_file_with_a_bad_row_imports_nothing(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text(
        "id,cust,amt,when\n"
        "a1,c1,5000,2026-11-20T10:00:00+09:00\n"
        "a2,c1,-3,2026-11-20T11:00:00+09:00\n"
        "a3,c2,7000,not-a-date\n"
    )
    err = StringIO()
    with pytest.raises(CommandError, match="2 of 3 rows are invalid; nothing was imported"):
        call_command(
            "import_transactions",
            str(path),
            "--map",
            "external_id=id",
            "--map",
            "customer_id=cust",
            "--map",
            "amount=amt",
            "--map",
            "occurred_at=when",
            stderr=err,
        )
    assert "row 2: amount" in err.getvalue() and "row 3: occurred_at" in err.getvalue()
    assert Transaction.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--map", "external_id=id"], "must name a column for customer_id"),
        (
            [
                "--map",
                "external_id=nope",
                "--map",
                "customer_id=cust",
                "--map",
                "amount=amt",
                "--map",
                "occurred_at=when",
            ],
            "columns not in the file",
        ),
        (["--map", "colour=id"], "unknown target fields"),
    ],
)
def test_a_wrong_mapping_is_explained(tmp_path, args, message):
    path = tmp_path / "tx.csv"
    path.write_text("id,cust,amt,when\na1,c1,5000,2026-11-20T10:00:00+09:00\n")
    with pytest.raises(CommandError, match=message):
        call_command("import_transactions", str(path), *args)


def test_train_fds_stores_a_model_that_only_the_audited_bootstrap_makes_live(
    django_capture_on_commit_callbacks,
):
    from audit.models import AuditEvent

    import_handbook(20000, stdout=StringIO())
    out = StringIO()
    call_command("train_fds", "--rounds", "30", "--name", "fds-test", stdout=out, stderr=StringIO())
    report = json.loads(out.getvalue())
    assert report["model"] == "fds-test" and report["active"] is False
    assert report["train_rows"] + report["valid_rows"] == 20000
    assert 0.5 < report["auc"] <= 1.0
    assert not ModelVersion.objects.filter(is_active=True).exists()
    # Imported labels keep their lineage: one import label per labelled row, naming the file.
    assert (
        Label.objects.filter(source=Label.Source.IMPORT, author_name__contains="transactions.parquet").count()
        == 20000
    )

    call_command("fds_model_bootstrap", stdout=StringIO())
    assert ModelVersion.objects.get(is_active=True).name == "fds-test"
    assert (
        AuditEvent.objects.filter(action="alerts.model.bootstrapped", model_version="fds-test").count() == 1
    )
    # The new model scores live transactions right away.
    tx = Transaction.objects.order_by("-occurred_at").first()
    assert tx is not None
    Transaction.objects.filter(pk=tx.pk).update(status=Transaction.Status.RECEIVED)
    assert transactions_score(transaction_ids=[tx.pk]).scored == 1

    # Once a model is live, a second bootstrap is refused: later models go live only by promotion.
    call_command("train_fds", "--rounds", "10", "--name", "fds-later", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="promoted through retraining"):
        call_command("fds_model_bootstrap", "--model", "fds-later", stdout=StringIO())
    assert ModelVersion.objects.get(is_active=True).name == "fds-test"


def test_train_fds_refuses_too_few_labels():
    with pytest.raises(CommandError, match="labelled transactions"):
        call_command("train_fds", stdout=StringIO(), stderr=StringIO())
