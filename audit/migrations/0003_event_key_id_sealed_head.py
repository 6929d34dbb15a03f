from django.db import migrations, models


def seal_head(apps, schema_editor):
    # The head row written before it was sealed gets its seal now, with the current key.
    from audit.services import head_seal

    from django.conf import settings

    head_model = apps.get_model("audit", "AuditChainHead")
    for head in head_model.objects.using(schema_editor.connection.alias).all():
        head.key_id = settings.FDS_AUDIT_HMAC_KEY_ID
        head.seal = head_seal(
            last_event_id=head.last_event_id, last_hash=head.last_hash, key_id=head.key_id
        )
        head.save(update_fields=["seal", "key_id"])


def reinstall_triggers(apps, schema_editor):
    # Adding a column can rebuild the table on SQLite, which drops its triggers: put them back.
    from audit.db import append_only_triggers_install

    append_only_triggers_install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            # Events sealed before key ids existed.
            field=models.CharField(default="legacy", max_length=40),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="seal",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="auditchainhead",
            name="key_id",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.RunPython(reinstall_triggers, migrations.RunPython.noop),
        migrations.RunPython(seal_head, migrations.RunPython.noop),
    ]
