"""The database refuses to change a refund's idempotency key: a payout re-sent under a fresh key is
a second payout, whatever the application's state says."""

from django.db import migrations

_POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION refund_idempotency_key_fixed() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'a refund''s idempotency key never changes (refund %)', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS refund_idempotency_key_fixed ON cases_refundrequest",
    """CREATE TRIGGER refund_idempotency_key_fixed BEFORE UPDATE OF idempotency_key ON cases_refundrequest
        FOR EACH ROW WHEN (OLD.idempotency_key IS DISTINCT FROM NEW.idempotency_key)
        EXECUTE FUNCTION refund_idempotency_key_fixed()""",
]
_POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS refund_idempotency_key_fixed ON cases_refundrequest",
    "DROP FUNCTION IF EXISTS refund_idempotency_key_fixed()",
]
_SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS refund_idempotency_key_fixed
        BEFORE UPDATE OF idempotency_key ON cases_refundrequest
        WHEN OLD.idempotency_key IS NOT NEW.idempotency_key
        BEGIN SELECT RAISE(ABORT, 'a refund''s idempotency key never changes'); END""",
]
_SQLITE_DROP = ["DROP TRIGGER IF EXISTS refund_idempotency_key_fixed"]


def _run(schema_editor, statements: dict[str, list[str]]) -> None:
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, None)  # no parameters: the % in the message is literal


def install(apps, schema_editor):
    _run(schema_editor, {"postgresql": _POSTGRES, "sqlite": _SQLITE})


def drop(apps, schema_editor):
    _run(schema_editor, {"postgresql": _POSTGRES_DROP, "sqlite": _SQLITE_DROP})


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_refund_pending_cancelled_four_eyes")]
    operations = [migrations.RunPython(install, drop)]
