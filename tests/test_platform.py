import pytest
from django.db import connection, transaction

from audit.models import AuditEvent
from audit.services import audit_chain_verify, audit_record
from fdsportal import roles


@pytest.mark.django_db
def test_every_role_permission_exists():
    roles.roles_sync()
    assert roles.missing_permissions() == set()


@pytest.mark.django_db
def test_audit_rows_cannot_be_updated_or_deleted_by_the_database(analyst):
    with transaction.atomic():
        event = audit_record(
            action="tests.thing.done", target=("tests.thing", "1"), actor=analyst, reason="r"
        )
    for sql in (
        f"UPDATE audit_auditevent SET reason = 'edited' WHERE id = {event.pk}",
        f"DELETE FROM audit_auditevent WHERE id = {event.pk}",
    ):
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert AuditEvent.objects.get(pk=event.pk).reason == "r"
    assert audit_chain_verify() == (1, [])
